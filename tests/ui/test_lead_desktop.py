"""The lead's desktop with real stores and the in-process server: a worker's note reaches the lead's queue,
the lead marks it reviewed from the keyboard, and the review shows on the worker's note after their sync.
Supervision and learning-review actions are tracked to done; a worker never gets the lead's desktop."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QInputDialog
from sqlalchemy import select

from app.actions import ActionState
from app.clock import FixedClock
from app.contact_notes import AmendmentKind, ContactMethod, NoteDraft, Outcome
from app.review_queue import ItemKind
from app.workspace import Workspace
from storage import models
from tests.app.test_review_queue import _open_escalation_nobody_reached
from tests.app.test_write_path import as_team_lead
from tests.conftest import NOW
from tests.sync.inprocess import LEAD, WORKER, DemoServer
from ui.lead_desktop import LeadDesktop
from ui.lead_dialogs import LearningReviewDialog, SupervisionDialog
from ui.main_window import MainWindow
from ui.operations import StoreOps
from ui.person_panel import PersonPanel
from ui.review_queue_model import QueueColumn


def _select(desktop: LeadDesktop, record_id: object) -> None:
    for row in range(desktop.model.rowCount()):
        if desktop.model.item(row).record_id == record_id:
            desktop.table.selectRow(row)
            return
    raise AssertionError("the record is not in the queue")


def test_review_queue_mark_reviewed_reaches_the_workers_note(
    qtbot, pool, demo_server: DemoServer, tmp_path: Path
) -> None:
    worker = demo_server.laptop(WORKER, tmp_path / "worker")
    lead = demo_server.laptop(LEAD, tmp_path / "lead")
    try:
        person = worker.lead.team()[1][0][0]
        note, _ = worker.notes.record(
            NoteDraft(person, NOW - timedelta(hours=2), NOW - timedelta(hours=1), ContactMethod.PHONE,
                      Outcome.SPOKEN_TO, "Phoned; used the plan's step 2 together.", plan_steps_used=[2])
        )  # fmt: skip
        demo_server.sync(worker)
        demo_server.sync(lead)
        desktop = LeadDesktop(lead, pool, ops=StoreOps(pool))
        qtbot.addWidget(desktop)
        desktop.show()
        with qtbot.waitSignal(desktop.loaded, timeout=20_000):
            desktop.reload()
        # Work due comes first: nothing routine sits above a missed contact or an open welfare check.
        groups = [desktop.model.item(r).group for r in range(desktop.model.rowCount())]
        assert groups == sorted(groups)
        _select(desktop, note.id)
        assert "Phoned; used the plan" in desktop.detail.toPlainText()
        qtbot.keyClicks(desktop.comment, "Good use of step 2")
        with qtbot.waitSignal(desktop.loaded, timeout=20_000):
            qtbot.keyClick(desktop.comment, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
        assert note.id not in {desktop.model.item(r).record_id for r in range(desktop.model.rowCount())}
        desktop.include_reviewed.setChecked(True)
        _select(desktop, note.id)
        assert "Reviewed by Priya Natarajan" in desktop.detail.toPlainText()
        demo_server.sync(lead)
        demo_server.sync(worker)
        panel = PersonPanel(StoreOps(pool))
        qtbot.addWidget(panel)
        panel.show_person(worker, person)
        shown = panel.notes_view.toPlainText()
        # Pull pages carry the names of the team's staff (protocol schema 4), so the worker sees who reviewed it.
        assert "Reviewed by Priya Natarajan" in shown and "Good use of step 2" in shown
    finally:
        worker.close()
        lead.close()


def test_supervision_and_learning_review_actions_are_tracked_to_done(qtbot, pool, monkeypatch, tmp_path: Path,
                                                                    demo_server: DemoServer) -> None:  # fmt: skip
    lead = demo_server.laptop(LEAD, tmp_path / "lead")
    try:
        desktop = LeadDesktop(lead, pool, ops=StoreOps(pool))
        qtbot.addWidget(desktop)
        with qtbot.waitSignal(desktop.loaded, timeout=20_000):
            desktop.reload()
        dialog = desktop.record_supervision()
        assert isinstance(dialog, SupervisionDialog)
        qtbot.waitUntil(lambda: dialog.choices is not None, timeout=20_000)
        assert dialog.worker.currentData() is None, "no worker is chosen for the lead"
        dialog.worker.setCurrentIndex(dialog.worker.findText("Sam Okafor"))
        assert dialog.worker.currentData() is not None and dialog.person.count() > 0
        dialog.rationale.setPlainText("Did not escalate: no current intent; agreed more contact instead.")
        qtbot.keyClicks(dialog.actions.what, "Visit twice this week")
        qtbot.keyClicks(dialog.actions.owner, "Sam Okafor")
        dialog.actions.due.setDate(dialog.actions.due.date().addDays(-30))  # already past: overdue
        with qtbot.waitSignal(desktop.loaded, timeout=20_000):
            dialog.save()
        learning = desktop.record_learning_review()
        assert isinstance(learning, LearningReviewDialog)
        qtbot.waitUntil(lambda: learning.choices is not None, timeout=20_000)
        learning.what_happened.setPlainText("Two visits missed; the welfare check was raised and done in time.")
        qtbot.keyClicks(learning.actions.what, "Share at the team meeting")
        qtbot.keyClicks(learning.actions.owner, "Priya Natarajan")
        with qtbot.waitSignal(desktop.loaded, timeout=20_000):
            learning.save()
        states = [desktop.actions_model.action(r).state for r in range(desktop.actions_model.rowCount())]
        assert states == [ActionState.OVERDUE, ActionState.OPEN], "overdue actions are listed first"
        assert desktop.actions_summary.text().startswith("1 overdue, 1 open, 0 done")
        desktop.actions_table.selectRow(0)
        monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("Both visits done", True))
        with qtbot.waitSignal(desktop.loaded, timeout=20_000):
            desktop.done_button.click()
        states = sorted(a.state for a in lead.lead.actions())
        assert states == sorted([ActionState.DONE, ActionState.OPEN])
        assert desktop.actions_summary.text().startswith("0 overdue, 1 open, 1 done")
    finally:
        lead.close()


def test_a_worker_gets_no_lead_desktop(qtbot, workspace: Workspace, pool, tmp_path: Path) -> None:
    win = MainWindow(workspace, pool, settings_path=tmp_path / "window.ini")
    qtbot.addWidget(win)
    assert win.lead_desktop is None and win.main_page is win.splitter
    assert ItemKind.CONTACT_NOTE.label == "Contact note"


def test_a_reviewed_open_escalation_with_nobody_reached_stays_at_the_top_saying_why(
    qtbot, pool, workspace: Workspace, clock: FixedClock
) -> None:
    escalation = _open_escalation_nobody_reached(workspace)
    clock.set(NOW + timedelta(hours=2, minutes=5))
    as_team_lead(workspace)
    desktop = LeadDesktop(workspace, pool, ops=StoreOps(pool))
    qtbot.addWidget(desktop)
    desktop.show()
    with qtbot.waitSignal(desktop.loaded, timeout=20_000):
        desktop.reload()
    _select(desktop, escalation)
    shown = desktop.detail.toPlainText()
    assert "Open — nobody who can act has been reached yet" in shown
    assert "Overdue by 1 hour 5 minutes: " in shown
    qtbot.keyClicks(desktop.comment, "Asked Sam to phone the duty worker now")
    with qtbot.waitSignal(desktop.loaded, timeout=20_000):
        qtbot.keyClick(desktop.comment, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert not desktop.include_reviewed.isChecked()
    rows = [desktop.model.item(r) for r in range(desktop.model.rowCount())]
    top = [i for i in rows if i.nobody_reached]
    assert escalation in {i.record_id for i in top} and rows[: len(top)] == top, "still in the queue, at the top"
    _select(desktop, escalation)
    shown = desktop.detail.toPlainText()
    assert "Reviewed by Priya Natarajan" in shown and "Asked Sam to phone the duty worker now" in shown
    assert "kept at the top of the queue: it is still open and nobody who can act has been reached" in shown
    assert "kept at the top" in desktop.queue_count.text()


def test_one_supervision_discusses_several_persons_each_with_its_own_rationale_and_actions(
    qtbot, pool, workspace: Workspace
) -> None:
    as_team_lead(workspace)
    dialog = SupervisionDialog(workspace, ops=StoreOps(pool))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.choices is not None, timeout=10_000)
    dialog.worker.setCurrentIndex(1)
    first = dialog.person.currentData()
    dialog.rationale.setPlainText("Escalated on sudden deterioration: criteria met, reason written down.")
    qtbot.keyClicks(dialog.actions.what, "Add the sister's number to the plan")
    qtbot.keyClicks(dialog.actions.owner, "Sam Okafor")  # typed, not yet added: kept when the person is added
    dialog.add_person.click()
    assert [p.person_id for p in dialog.discussed] == [first] and dialog.discussed_list.count() == 1
    assert "1 action agreed" in dialog.discussed_list.item(0).text()
    assert dialog.rationale.toPlainText() == "" and dialog.actions.drafts == []
    second = dialog.person.currentData()
    assert second != first, "the form moves on to someone not yet discussed"

    dialog.add_person.click()  # nothing written for the second person yet
    assert "Write the rationale discussed for" in dialog.message.text() and len(dialog.discussed) == 1
    dialog.person.setCurrentIndex(dialog.person.findData(first))
    dialog.rationale.setPlainText("Again")
    dialog.add_person.click()
    assert "is already in this supervision" in dialog.message.text() and len(dialog.discussed) == 1
    dialog.rationale.clear()

    # Taken back into the form, changed, and kept again.
    dialog.discussed_list.setCurrentRow(0)
    dialog.edit_again.click()
    assert dialog.person.currentData() == first and dialog.discussed == []
    assert dialog.rationale.toPlainText().startswith("Escalated on sudden deterioration")
    assert len(dialog.actions.drafts) == 1
    dialog.rationale.setPlainText("Escalated on sudden deterioration: criteria met; agreed it was timely.")
    dialog.add_person.click()
    dialog.person.setCurrentIndex(dialog.person.findData(second))
    dialog.rationale.setPlainText("Did not escalate: no current intent; agreed more contact instead.")
    with qtbot.waitSignal(dialog.accepted, timeout=20_000):
        dialog.save()

    with workspace.store.sessions() as session:
        rows = list(session.scalars(select(models.Supervision)))
    mine = [r for r in rows if r.person_id in (first, second) and r.created_at == rows[-1].created_at]
    assert {r.person_id: r.rationale for r in mine} == {
        first: "Escalated on sudden deterioration: criteria met; agreed it was timely.",
        second: "Did not escalate: no current intent; agreed more contact instead.",
    }
    assert len({r.session_id for r in mine}) == 1, "one supervision session"
    by_person = {r.person_id: [a["action"] for a in r.actions] for r in mine}
    assert by_person == {first: ["Add the sister's number to the plan"], second: []}


def test_the_queue_row_and_detail_show_a_note_was_entered_in_error(qtbot, pool, workspace: Workspace) -> None:
    note = workspace.notes.record(NoteDraft(
        next(r.person_id for r in workspace.caseload.rows()), NOW - timedelta(hours=1), NOW - timedelta(minutes=30),
        ContactMethod.HOME_VISIT, Outcome.SEEN, "Visited at home.",
    ))[0].id  # fmt: skip
    workspace.notes.amend(note, AmendmentKind.ENTERED_IN_ERROR, "This visit did not happen: wrong person", "")
    as_team_lead(workspace)
    desktop = LeadDesktop(workspace, pool, ops=StoreOps(pool))
    qtbot.addWidget(desktop)
    with qtbot.waitSignal(desktop.loaded, timeout=20_000):
        desktop.reload()
    desktop.use_since.setChecked(False)
    _select(desktop, note)
    row = desktop.table.selectionModel().selectedRows()[0].row()
    cells = [desktop.model.index(row, c).data() for c in range(desktop.model.columnCount())]
    assert cells[QueueColumn.STATE].startswith("Entered in error")
    assert cells[QueueColumn.SUMMARY].startswith("Entered in error")
    shown = desktop.detail.toPlainText()
    assert "Entered in error: this contact note is not a valid record" in shown
    assert "Entered in error by Sam Okafor" in shown and "Reason: This visit did not happen: wrong person" in shown


def test_a_leads_first_morning_starts_on_the_review_window_newest_first_and_says_what_is_older(
    qtbot, pool, workspace: Workspace, clock: FixedClock
) -> None:
    person = next(r.person_id for r in workspace.caseload.rows())
    notes = []
    for days_ago in (40, 1, 3):
        start = NOW - timedelta(days=days_ago)
        clock.set(start + timedelta(hours=1))
        draft = NoteDraft(person, start, start + timedelta(minutes=30), ContactMethod.PHONE, Outcome.SPOKEN_TO, "Call.")
        notes.append(workspace.notes.record(draft)[0].id)
    clock.set(NOW)
    as_team_lead(workspace)  # this lead has never reviewed anything
    desktop = LeadDesktop(workspace, pool, ops=StoreOps(pool))
    qtbot.addWidget(desktop)
    with qtbot.waitSignal(desktop.loaded, timeout=20_000):
        desktop.reload()
    assert desktop.use_since.isChecked() and desktop.since.date().toPython() == (NOW - timedelta(days=14)).date()
    shown = [desktop.model.item(r).record_id for r in range(desktop.model.rowCount())]
    old, yesterday, three_days = notes
    assert old not in shown and shown.index(yesterday) < shown.index(three_days), "newest first"
    assert "before the Since date: untick Since (Alt+S) to see them" in desktop.queue_count.text()
    desktop.use_since.setChecked(False)
    assert old in [desktop.model.item(r).record_id for r in range(desktop.model.rowCount())]


def test_a_saved_supervision_is_found_again_whole_and_owners_are_offered_from_the_team(
    qtbot, pool, workspace: Workspace
) -> None:
    as_team_lead(workspace)
    desktop = LeadDesktop(workspace, pool, ops=StoreOps(pool))
    qtbot.addWidget(desktop)
    desktop.show()
    with qtbot.waitSignal(desktop.loaded, timeout=20_000):
        desktop.reload()
    dialog = desktop.record_supervision()
    assert isinstance(dialog, SupervisionDialog)
    qtbot.waitUntil(lambda: dialog.choices is not None, timeout=20_000)
    offered = dialog.actions.owner.completer().model().stringList()
    assert "Sam Okafor" in offered and "Priya Natarajan" in offered
    dialog.worker.setCurrentIndex(dialog.worker.findText("Sam Okafor"))
    person = dialog.person.currentText()
    dialog.rationale.setPlainText("Did not escalate: no current intent; agreed more contact instead.")
    qtbot.keyClicks(dialog.actions.what, "Visit twice this week")
    qtbot.keyClicks(dialog.actions.owner, "Sam Okafor")  # one of the team: recorded with their id
    dialog.actions.add()
    qtbot.keyClicks(dialog.actions.what, "Ask the GP for a medication review")
    dialog.actions.owner.clear()  # the owner stays for the next action unless changed
    qtbot.keyClicks(dialog.actions.owner, "Dr Hale (GP)")  # not in the list: taken as typed
    dialog.actions.add()
    assert [d.owner_id is not None for d in dialog.actions.drafts] == [True, False]
    with qtbot.waitSignal(desktop.loaded, timeout=20_000):
        dialog.save()

    desktop.tabs.setCurrentIndex(1)
    titles = [desktop.recorded_model.data(desktop.recorded_model.index(r, 0))
              for r in range(desktop.recorded_model.rowCount())]  # fmt: skip
    assert any("Supervision of Sam Okafor" in t and person in t for t in titles), titles
    # Selecting one of its actions shows the supervision that agreed it, whole.
    row = next(r for r in range(desktop.actions_model.rowCount())
               if desktop.actions_model.action(r).action.action == "Visit twice this week")  # fmt: skip
    desktop.actions_table.setCurrentIndex(desktop.actions_model.index(row, 0))
    shown = desktop.recorded_detail.toPlainText()
    assert "Supervision of Sam Okafor's risk decisions" in shown and "recorded by Priya Natarajan" in shown
    assert person in shown and "Did not escalate: no current intent; agreed more contact instead." in shown
    assert "Visit twice this week — owner Sam Okafor, due" in shown
    assert "Ask the GP for a medication review — owner Dr Hale (GP), due" in shown
