"""Nothing typed is lost (issue 11, items 1–4): drafts keep whatever was typed, and are easy to finish."""

from datetime import timedelta

from PySide6.QtCore import Qt, QUrl
from PySide6.QtWidgets import QMessageBox

from app.workspace import Workspace
from tests.conftest import NOW, PASSPHRASE
from tests.ui.message_boxes import NextBox
from tests.ui.note_form import choose
from tests.ui.saves import wait_saved
from ui.note_dialog import NoteDialog, to_qt


def _open(qtbot, window, row: int = 0):
    name = window.model.row_at(row).preferred_name
    qtbot.keyClicks(window.search_box, name)
    qtbot.keyClick(window.search_box, Qt.Key.Key_Return)
    return window.person_panel.person


def _note_dialog(window) -> NoteDialog:
    dialogs = [d for d in window.person_panel.dialogs if isinstance(d, NoteDialog)]
    assert dialogs, "no note dialog open"
    return dialogs[-1]


def _drafts_after_lock(qtbot, window, workspace, person_id):
    dialog = _note_dialog(window)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    with qtbot.waitSignal(window.store_closed):  # closed on the write queue, after any save under way
        qtbot.keyClick(dialog, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert window.is_locked and window.workspace is None
    ws = Workspace.open(workspace.store.data_dir, PASSPHRASE)
    try:
        return ws.drafts.for_person(person_id)
    finally:
        ws.close()


def test_a_late_note_with_no_reason_is_kept_as_a_draft_at_lock(qtbot, window, workspace) -> None:
    person = _open(qtbot, window)
    window.person_panel.record_note()
    dialog = _note_dialog(window)
    qtbot.keyClicks(dialog.narrative, "Visited last month, writing it up now")
    dialog.start.setDateTime(to_qt(NOW - timedelta(days=31, hours=1)))
    dialog.end.setDateTime(to_qt(NOW - timedelta(days=31)))
    assert dialog.late_reason.isVisibleTo(dialog) and not dialog.late_reason.text()
    (draft,) = _drafts_after_lock(qtbot, window, workspace, person.id)
    assert draft.narrative == "Visited last month, writing it up now" and not draft.signed


def test_only_a_next_action_and_a_future_end_are_kept_as_a_draft_at_lock(qtbot, window, workspace) -> None:
    person = _open(qtbot, window)
    window.person_panel.record_note()
    dialog = _note_dialog(window)
    qtbot.keyClicks(dialog.next_action, "Ring the GP about the prescription")
    dialog.end.setDateTime(to_qt(NOW + timedelta(hours=3)))
    (draft,) = _drafts_after_lock(qtbot, window, workspace, person.id)
    assert draft.next_action == "Ring the GP about the prescription" and draft.narrative == ""


def test_the_buttons_say_what_signing_means_and_save_as_draft_keeps_anything(qtbot, window, workspace) -> None:
    person = _open(qtbot, window)
    window.person_panel.record_note()
    dialog = _note_dialog(window)
    assert dialog.sign_button.text().replace("&", "") == "Sign and save"
    assert "can no longer be changed, only amended" in dialog.sign_button.toolTip()
    qtbot.keyClicks(dialog.next_action, "Chase the housing officer")
    dialog.end.setDateTime(to_qt(NOW + timedelta(days=2)))  # not signable: the draft keeps it anyway
    dialog.draft_button.click()
    wait_saved(qtbot, dialog)
    assert not dialog.isVisible()
    (draft,) = workspace.drafts.for_person(person.id)
    assert draft.next_action == "Chase the housing officer" and not draft.signed


def test_closing_a_note_offers_to_keep_it_as_a_draft(qtbot, window, workspace) -> None:
    person = _open(qtbot, window)
    window.person_panel.record_note()
    dialog = _note_dialog(window)
    qtbot.keyClicks(dialog.narrative, "Interrupted mid-sentence")
    box = NextBox(key=Qt.Key.Key_Return)  # the default answer
    qtbot.keyClick(dialog.narrative, Qt.Key.Key_Escape)
    assert box.shown
    # Each button says what it does; the default keeps what was typed, as a draft that is not signed.
    assert sorted(box.buttons) == ["Back to the note", "Discard what I typed", "Keep as unsigned draft"]
    assert box.default == "Keep as unsigned draft"
    assert "unsigned draft" in box.text
    qtbot.waitUntil(lambda: not dialog.isVisible())  # closes once the draft is kept
    (draft,) = workspace.drafts.for_person(person.id)
    assert draft.narrative == "Interrupted mid-sentence" and not draft.signed


def test_escape_on_the_question_goes_back_to_the_note(qtbot, window, workspace) -> None:
    person = _open(qtbot, window)
    window.person_panel.record_note()
    dialog = _note_dialog(window)
    qtbot.keyClicks(dialog.narrative, "Still writing")
    box = NextBox(key=Qt.Key.Key_Escape)
    qtbot.keyClick(dialog.narrative, Qt.Key.Key_Escape)
    assert box.shown
    qtbot.wait(50)
    assert dialog.isVisible() and dialog.narrative.toPlainText() == "Still writing"
    assert workspace.drafts.for_person(person.id) == []
    box = NextBox(click="Back to the note")
    dialog.reject()
    assert box.shown and dialog.isVisible()


def test_discard_what_i_typed_closes_the_note_and_keeps_nothing(qtbot, window, workspace) -> None:
    person = _open(qtbot, window)
    window.person_panel.record_note()
    dialog = _note_dialog(window)
    qtbot.keyClicks(dialog.narrative, "Opened by mistake")
    box = NextBox(click="Discard what I typed")
    qtbot.keyClick(dialog.narrative, Qt.Key.Key_Escape)
    assert box.shown
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert workspace.drafts.for_person(person.id) == []


def test_drafts_show_on_the_person_and_in_work_due_and_open_to_be_finished(qtbot, window, workspace) -> None:
    person = _open(qtbot, window)
    window.person_panel.record_note()
    dialog = _note_dialog(window)
    qtbot.keyClicks(dialog.narrative, "Half done")
    dialog.draft_button.click()
    wait_saved(qtbot, dialog)
    panel = window.person_panel
    assert panel.drafts_label.isVisibleTo(panel) and "1 unsigned draft" in panel.drafts_label.text()
    qtbot.waitUntil(lambda: "1 unsigned draft" in window.work_due.text())
    rows = [window.model.row_at(i) for i in range(window.model.rowCount())]
    row = next(r for r in rows if r.person_id == person.id)
    assert row.unsigned_drafts == 1 and row.has_work_due
    (draft,) = workspace.drafts.for_person(person.id)
    panel.drafts_label.linkActivated.emit(f"finish:{draft.id}")
    finishing = _note_dialog(window)
    assert finishing.narrative.toPlainText() == "Half done" and finishing.draft_id == draft.id
    # Kept before the method and outcome were chosen: they come back unchosen, never filled in for the worker.
    assert finishing.method.currentIndex() == -1 and finishing.outcome.currentIndex() == -1
    choose(finishing)
    qtbot.keyClicks(finishing.narrative, ", now finished.")
    finishing.activateWindow()
    qtbot.waitUntil(finishing.isActiveWindow)
    qtbot.keyClick(finishing.narrative, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    wait_saved(qtbot, finishing)
    assert not finishing.isVisible()
    signed = workspace.notes.get(draft.id)
    assert signed.signed and signed.narrative == "Half done, now finished."
    assert workspace.drafts.for_person(person.id) == [] and not panel.drafts_label.isVisibleTo(panel)
    assert len([n for n in workspace.notes.timeline(person.id) if n.narrative.startswith("Half done")]) == 1


def test_a_draft_is_finished_from_the_notes_tab_and_still_checked_at_signing(qtbot, window, workspace, monkeypatch):
    person = _open(qtbot, window)
    window.person_panel.record_note()
    dialog = _note_dialog(window)
    qtbot.keyClicks(dialog.next_action, "Only this")
    dialog.draft_button.click()
    wait_saved(qtbot, dialog)
    (draft,) = workspace.drafts.for_person(person.id)
    window.person_panel.notes_view.anchorClicked.emit(QUrl(f"finish:{draft.id}"))
    finishing = _note_dialog(window)
    choose(finishing)
    refused: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: refused.append(a[2]))
    finishing.sign_button.click()
    wait_saved(qtbot, finishing)
    assert refused and refused[0].startswith("What happened: is required") and finishing.isVisible()
    assert not workspace.notes.get(draft.id).signed
