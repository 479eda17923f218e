"""What a worker sees of sync (issue 13, item 3): each note, review and escalation says whether it is sent or
on this laptop only; the unsent count opens a list by person, unsent escalations first; quitting or locking
with unsent records says so plainly, and locking never waits on a question."""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from app.contact_notes import AmendmentKind, ContactMethod, NoteDraft, Outcome
from app.escalations import ActionDraft, ActionKind, EscalationDraft
from app.safety_reviews import ReviewDraft, TriggerPoint
from app.unreached import reaching_nobody
from tests.conftest import NOW
from tests.ui.fake_sync import Server, synced_window
from ui.pending_dialog import PersonIdRole
from ui.sync_markers import ON_THIS_LAPTOP_ONLY


def _review(person_id) -> ReviewDraft:
    return ReviewDraft(
        person_id, TriggerPoint.SIGNIFICANT_LIFE_EVENT, "Lost her job", "Feels ashamed", "Work kept her going",
        "", "Her sister", [], True, "",
    )  # fmt: skip


def _marked(view) -> tuple[int, int]:
    text = view.toPlainText()
    return text.count(ON_THIS_LAPTOP_ONLY), text.count("· sent")


def test_records_say_on_this_laptop_only_until_the_server_has_them(qtbot, workspace, pool, tmp_path) -> None:
    person = next(r for r in workspace.caseload.rows() if r.last_contact_at is not None).person_id
    note, _ = workspace.notes.record(
        NoteDraft(person, NOW - timedelta(hours=1), NOW - timedelta(minutes=40), ContactMethod.PHONE,
                  Outcome.SPOKEN_TO, "Rang to check in after the weekend")
    )  # fmt: skip
    workspace.notes.amend(note.id, AmendmentKind.ADDENDUM, "Forgot to add", "She asked for a text reminder")
    workspace.reviews.record(_review(person))
    workspace.escalations.start(EscalationDraft(person, ["sudden-deterioration"], "Not eating since Friday"))
    server = Server(workspace)
    server.hold_pushes = True  # the server is out of reach at first: nothing is acknowledged
    win = synced_window(qtbot, workspace, pool, tmp_path, server, up_to_date=False)
    win.open_person(person)
    panel = win.person_panel
    notes = panel.notes_view.toPlainText()
    # The new note and its amendment wait; the notes that came with the caseload are on the server.
    assert _marked(panel.notes_view)[0] == 2 and _marked(panel.notes_view)[1] >= 1
    assert notes.index(ON_THIS_LAPTOP_ONLY) < notes.index("Rang to check in"), "on the new note's heading"
    for view in (panel.reviews_view, panel.escalations_view):
        assert _marked(view)[0] == 1, view.accessibleName()
    server.hold_pushes = False
    win.sync_now()
    qtbot.waitUntil(lambda: win.sync_label.text().startswith("Up to date"), timeout=10_000)
    for view in (panel.notes_view, panel.reviews_view, panel.escalations_view):
        unsent, sent = _marked(view)
        assert unsent == 0 and sent >= 1, view.accessibleName()  # marked sent without reopening anyone
    # The plan says when this laptop really last synced (the engine's record), not an invented time.
    assert "last synced" in panel.plan_view.toPlainText() and "never synced" not in panel.plan_view.toPlainText()


def test_a_laptop_never_enrolled_says_nothing_was_sent(qtbot, window) -> None:
    person = next(r for r in (window.model.row_at(i) for i in range(window.model.rowCount())) if r.last_contact_at)
    window.open_person(person.person_id)
    unsent, sent = _marked(window.person_panel.notes_view)
    assert unsent >= 1 and sent == 0, "the demo's history was never sent anywhere"


def test_the_unsent_list_is_by_person_escalations_first_and_opens_the_person(qtbot, window, workspace) -> None:
    rows = [window.model.row_at(i) for i in range(window.model.rowCount())]
    escalated = sorted(rows, key=lambda r: r.preferred_name)[-1].person_id  # not first by name
    workspace.escalations.start(EscalationDraft(escalated, ["sudden-deterioration"], "Not answering since Friday"))
    only_a_note = sorted(rows, key=lambda r: r.preferred_name)[0].person_id  # first by name, no escalation
    workspace.notes.record(
        NoteDraft(only_a_note, NOW - timedelta(hours=1), NOW - timedelta(minutes=50), ContactMethod.PHONE,
                  Outcome.SPOKEN_TO, "Quick call, all well")
    )  # fmt: skip
    assert window.pending_button.isVisible()
    qtbot.keyClick(window.search_box, Qt.Key.Key_U, Qt.KeyboardModifier.ControlModifier)
    dialog = window.pending_dialog
    assert dialog is not None and dialog.isVisible()
    qtbot.waitUntil(dialog.view.hasFocus)  # keyboard first: the list has the focus
    model = dialog.model
    assert "on this laptop only" in dialog.summary.text() and "phone them" in dialog.summary.text()
    lines = [model.index(n, 0).data() for n in range(model.rowCount())]
    with_escalations = [n for n, line in enumerate(lines) if line.endswith(("an escalation", "about an escalation"))]
    assert with_escalations == list(range(len(with_escalations))), "people with unsent escalations first"
    assert escalated in {model.index(n, 0).data(PersonIdRole) for n in with_escalations}
    assert model.index(model.rowCount() - 1, 0).data(PersonIdRole) == only_a_note, "after every escalation"
    for n in with_escalations:
        assert model.index(0, 0, model.index(n, 0)).data() == "Escalation", "the escalation first within the person"
    people = {model.index(n, 0).data(PersonIdRole) for n in range(model.rowCount())}
    with workspace.uow.read() as session:
        from sqlalchemy import select

        from storage import models

        pending_people = set(
            session.scalars(select(models.OutboxItem.person_id).where(models.OutboxItem.acked_at.is_(None)))
        )
    assert people == pending_people
    second = model.index(model.rowCount() - 1, 0)  # the last person in the list
    dialog.view.setCurrentIndex(second)
    qtbot.keyClick(dialog.view, Qt.Key.Key_Return)
    assert not dialog.isVisible()
    assert window.person_panel.person is not None and window.person_panel.person.id == second.data(PersonIdRole)


def test_quitting_with_unsent_records_says_how_many_and_that_they_are_safe(qtbot, window, workspace) -> None:
    unsent = workspace.outbox_pending()
    window.request_quit()
    question = window.quit_question
    assert question is not None and question.isVisible() and window.isVisible()
    text = question.text()
    assert f"{unsent} records are on this laptop only (not sent yet)" in text
    assert "safe on this laptop" in text and "nothing is lost by quitting" in text
    assert "not connected to a sync server" in text  # the demo is never enrolled: no promise of a sync
    keep = next(b for b in question.buttons() if "Keep" in b.text())
    keep.click()
    assert window.isVisible() and window.workspace is not None
    window.request_quit()
    quit_button = next(b for b in window.quit_question.buttons() if b.text().replace("&", "") == "Quit")
    with qtbot.waitSignal(window.store_closed):
        quit_button.click()
    assert not window.isVisible() and window.workspace is None


def test_quitting_an_enrolled_laptop_promises_the_next_sync_and_nothing_sent_asks_nothing(
    qtbot, workspace, pool, tmp_path
) -> None:
    # The demo's welfare check that reached nobody is asked about at a quit too: reach someone first.
    (item,) = reaching_nobody(workspace.escalations, workspace.caseload.person)
    escalation = workspace.escalations.get(item.escalation_id)
    offer = workspace.escalations.phone_now(escalation)
    assert offer is not None
    reached = ActionDraft(escalation.walk.current.id, ActionKind.PHONED, reached=True, contact_id=offer.entry.id)
    workspace.escalations.record_action(escalation.id, reached)
    server = Server(workspace)
    server.hold_pushes = True
    win = synced_window(qtbot, workspace, pool, tmp_path, server, up_to_date=False)
    win.request_quit()
    assert "will be sent at the next sync" in win.quit_question.text()
    win.quit_question.reject()
    server.hold_pushes = False
    win.sync_now()
    qtbot.waitUntil(lambda: win.sync_label.text().startswith("Up to date"), timeout=10_000)
    assert not win.pending_button.isVisible()
    assert not win.statusBar().currentMessage().startswith("Offline"), "only real facts once synced"
    with qtbot.waitSignal(win.store_closed):
        win.request_quit()  # nothing unsent: nothing to ask
    assert not win.isVisible()


def test_locking_with_unsent_records_says_so_and_never_waits_on_a_question(qtbot, window, workspace) -> None:
    unsent = workspace.outbox_pending()
    window.lock_full()
    assert window.is_locked and QApplication.activeModalWidget() is None
    text = window.lock_screen.message.text()
    assert f"{unsent} records are on this laptop only (not sent yet)" in text and "next sync" in text
