"""Clinical defaults (issue 11, items 8, 11 and 14): nothing chosen for the worker, feedback in words."""

from datetime import timedelta

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMessageBox

from app.contact_notes import ContactMethod, Outcome
from app.escalations import ActionDraft, ActionKind, EscalationDraft
from tests.conftest import NOW
from tests.ui.saves import wait_saved
from ui.escalation_window import EscalationWindow
from ui.note_dialog import NoteDialog, from_qt
from ui.review_dialog import ReviewDialog


def _open(qtbot, window, row: int = 0):
    name = window.model.row_at(row).preferred_name
    qtbot.keyClicks(window.search_box, name)
    qtbot.keyClick(window.search_box, Qt.Key.Key_Return)
    return window.person_panel.person


def _escalation_window(qtbot, window, workspace, person) -> EscalationWindow:
    codes = [c.code for c in workspace.escalations.config.pathways.criteria.criteria]
    escalation, _ = workspace.escalations.start(EscalationDraft(person.id, codes[:1], "Rang in distress", NOW))
    return window.person_panel.open_escalation(escalation)


def test_closing_an_escalation_has_no_outcome_chosen_and_refuses_to_guess(qtbot, window, workspace, monkeypatch):
    person = _open(qtbot, window)
    esc_window = _escalation_window(qtbot, window, workspace, person)
    assert esc_window.close_outcome.currentIndex() == -1 and esc_window.close_outcome.currentText() == ""
    workspace.escalations.set_follow_up(esc_window.escalation.id, NOW + timedelta(hours=4), "Me")
    workspace.escalations.record_action(
        esc_window.escalation.id,
        ActionDraft(node_id=esc_window.escalation.walk.current.id, kind=ActionKind.DONE, reached=False),
    )
    esc_window.refresh(workspace.escalations.get(esc_window.escalation.id))
    refused: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: refused.append(a[2]))
    esc_window.close_button.click()
    wait_saved(qtbot, esc_window)
    assert refused and refused[0].startswith("Outcome: choose what happened")
    assert workspace.escalations.get(esc_window.escalation.id).is_open
    esc_window.close_outcome.setCurrentIndex(0)
    # Nobody who can act was reached (issue 9, finding 1): closing needs the recorded reason why not.
    esc_window.close_note.setText("Person seen by police - welfare confirmed")
    esc_window.close_button.click()
    wait_saved(qtbot, esc_window)
    assert not workspace.escalations.get(esc_window.escalation.id).is_open
    # Closed: nothing left to set or close.
    assert not esc_window.close_button.isEnabled() and not esc_window.set_follow_button.isEnabled()


def test_copying_says_copied_and_when_it_clears_also_for_screen_readers(qtbot, window, workspace) -> None:
    person = _open(qtbot, window)
    window.plan_view.anchorClicked.emit(QUrl("copy:01632 960200"))
    feedback = window.plan_view.copy_feedback
    assert feedback is not None and feedback.isVisibleTo(window)
    assert feedback.text() == "Copied 01632 960200 — clears in 10 s" == feedback.accessibleDescription()
    qtbot.keyClick(window, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    window.contacts.table.setCurrentIndex(window.contacts.model.index(0, 0))
    qtbot.keyClick(window.contacts.table, Qt.Key.Key_Return)
    assert window.contacts.copied.text().startswith("Copied ") and "clears in 10 s" in window.contacts.copied.text()
    assert QGuiApplication.clipboard().text() in window.contacts.copied.text()
    esc_window = _escalation_window(qtbot, window, workspace, person)
    esc_window.copy_now.click()
    assert "clears in 10 s" in esc_window.copy_feedback.accessibleDescription()


def test_a_contact_attempt_does_not_default_to_a_half_hour_call(qtbot, window, workspace) -> None:
    _open(qtbot, window)
    window.person_panel.record_note(Outcome.NO_ANSWER, ContactMethod.PHONE)
    dialog = next(d for d in window.person_panel.dialogs if isinstance(d, NoteDialog))
    assert from_qt(dialog.start.dateTime()) == from_qt(dialog.end.dateTime())


def test_a_note_chooses_no_method_or_outcome_and_refuses_to_sign_until_the_worker_does(
    qtbot, window, workspace, monkeypatch
) -> None:
    """Found by a new user at 02:00: "Phoned Cal, no answer" typed into Ctrl+N and signed became a home visit
    where Cal was seen, because the form had chosen both for him; the welfare-check policy never saw a miss."""
    person = _open(qtbot, window)
    before = len(workspace.notes.timeline(person.id))
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    dialog = next(d for d in window.person_panel.dialogs if isinstance(d, NoteDialog))
    assert dialog.method.currentIndex() == -1 and dialog.outcome.currentIndex() == -1
    assert "Choose" in dialog.method.placeholderText() and "Choose" in dialog.outcome.placeholderText()
    dialog.narrative.setPlainText("Phoned, no answer.")
    refused: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: refused.append(a[2]))
    dialog.save()
    assert refused and refused[0].startswith("Method: is not chosen yet") and "Nothing was saved" in refused[0]
    dialog.method.setCurrentIndex(list(ContactMethod).index(ContactMethod.PHONE))
    dialog.save()
    assert refused[1].startswith("Outcome: is not chosen yet")
    assert dialog.isVisible() and dialog.narrative.toPlainText() == "Phoned, no answer."
    assert len(workspace.notes.timeline(person.id)) == before, "nothing signed on the form's guess"
    # Choosing "no answer" makes the attempt a moment, as the banner's "record the attempt" does.
    assert from_qt(dialog.start.dateTime()) < from_qt(dialog.end.dateTime())
    dialog.outcome.setCurrentIndex(list(Outcome).index(Outcome.NO_ANSWER))
    assert from_qt(dialog.start.dateTime()) == from_qt(dialog.end.dateTime())
    dialog.save()
    wait_saved(qtbot, dialog)
    latest = workspace.notes.timeline(person.id, limit=1)[0]
    assert (latest.method, latest.outcome, latest.signed) == (ContactMethod.PHONE, Outcome.NO_ANSWER, True)


def test_a_contact_start_the_worker_typed_is_kept_when_the_outcome_is_chosen(qtbot, window) -> None:
    _open(qtbot, window)
    window.person_panel.record_note()
    dialog = next(d for d in window.person_panel.dialogs if isinstance(d, NoteDialog))
    typed = dialog.end.dateTime().addSecs(-20 * 60)
    dialog.start.setDateTime(typed)
    dialog.outcome.setCurrentIndex(list(Outcome).index(Outcome.NOT_AT_HOME))
    assert dialog.start.dateTime() == typed
    dialog._saved = True  # teardown must not stop at a "keep as draft?" question nobody answers


def test_the_review_due_date_shows_day_month_and_year_in_words(qtbot, window) -> None:
    _open(qtbot, window)
    window.person_panel.record_review()
    dialog = next(d for d in window.person_panel.dialogs if isinstance(d, ReviewDialog))
    text = dialog.step_due.text()
    assert dialog.step_due.date().toString("MMM") in text and str(dialog.step_due.date().year()) in text


def test_notes_say_who_wrote_them(qtbot, window, workspace, demo_summary) -> None:
    person = _open(qtbot, window)
    notes = workspace.notes.timeline(person.id)
    assert notes
    names = workspace.staff_names()
    assert f"by {names[notes[0].author_id]}" in window.person_panel.notes_view.toPlainText()


def test_a_welfare_check_raised_by_the_policy_shows_no_internal_id(qtbot, window, workspace) -> None:
    rows = [window.model.row_at(i) for i in range(window.model.rowCount())]
    for row in rows:
        for escalation in workspace.escalations.for_person(row.person_id):
            assert "default-1" not in escalation.rationale
