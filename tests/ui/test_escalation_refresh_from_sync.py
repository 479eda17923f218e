"""An open escalation window redraws when an action or follow-up for the same escalation arrives by sync from
another device (issue 13), through the store's change hook; what the worker is typing in its forms stays."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from app.changes import Changed, OpChanges
from app.escalations import ActionKind, EscalationDraft
from app.ids import new_id
from app.workspace import Workspace
from storage import models, records
from tests.conftest import NOW
from tests.ui.fake_sync import Server, synced_window
from ui.escalation_window import EscalationWindow

OTHER_STAFF, OTHER_DEVICE = uuid.UUID(int=7), uuid.UUID(int=8)


def remote_action(workspace: Workspace, escalation_id: uuid.UUID, person_id: uuid.UUID, **fields: Any) -> dict:
    """An escalation action as the duty worker's laptop would have sent it: its envelope, never stored here."""
    with workspace.store.sessions() as session:
        empty = dict.fromkeys(("answer", "contact_id", "contact_reached", "information_shared", "outcome"))
        row = models.EscalationAction(
            id=new_id(), escalation_id=escalation_id, person_id=person_id, author_id=OTHER_STAFF,
            device_id=OTHER_DEVICE, created_at=NOW, at=NOW, **{**empty, "sharing_basis": None, "reached": False,
                                                                "due": None, **fields},
        )  # fmt: skip
        session.add(row)
        session.flush()
        body = records.envelope(row)
        session.rollback()
    return {**body, "sha256": records.sha256(body)}


def _arrives(server: Server, *envelopes: dict) -> None:
    server.changes = [
        {"seq": i + 1, "entity": "record", "person_id": e["person_id"], "entity_id": e["record_id"], "data": e}
        for i, e in enumerate(envelopes)
    ]
    server.release.set()


def _open(qtbot, workspace, pool, tmp_path) -> tuple[Any, Server, EscalationWindow]:
    person = workspace.caseload.rows()[0].person_id
    criteria = workspace.escalations.config.pathways.criteria
    escalation, _ = workspace.escalations.start(
        EscalationDraft(person, [criteria.criteria[0].code], "Rang in distress, not answering since")
    )
    server = Server(workspace)
    win = synced_window(qtbot, workspace, pool, tmp_path, server)  # the escalation is sent by the first sync
    win.open_person(person)
    window = win.person_panel.open_escalation(escalation)
    assert isinstance(window, EscalationWindow)
    qtbot.waitExposed(window)
    return win, server, window


def test_a_follow_up_set_on_another_device_is_shown_and_the_typed_form_stays(qtbot, workspace, pool, tmp_path) -> None:
    win, server, window = _open(qtbot, workspace, pool, tmp_path)
    esc = window.escalation
    assert window.follow_state.text() == "No follow-up set yet."
    # The worker is half way through recording a call, and has typed a closing note.
    window.who.setText("Duty nurse Kim")
    window.outcome.setText("Left a message, will ring back")
    window.reached.setChecked(True)
    window.close_note.setText("Seen by the crisis team at home")
    due = NOW + timedelta(hours=20)
    follow_up = {"kind": ActionKind.FOLLOW_UP.value, "contact_reached": "Duty manager Ade", "due": due}
    _arrives(server, remote_action(workspace, esc.id, esc.person_id, node_id=esc.walk.current.id, **follow_up))
    win.sync_now()  # what the background timer calls
    qtbot.waitUntil(lambda: window.follow_state.text().startswith("Follow-up due"), timeout=10_000)
    assert window.escalation.follow_up_owner == "Duty manager Ade"
    assert window.follow_owner.text() == "Duty manager Ade", "a field the worker had not touched shows the new owner"
    assert window.actions_model.rowCount() == len(esc.actions) + 1
    assert (window.who.text(), window.outcome.text()) == ("Duty nurse Kim", "Left a message, will ring back")
    assert window.reached.isChecked() and window.close_note.text() == "Seen by the crisis team at home"
    assert window.arrived.isVisible() and "recorded elsewhere" in window.arrived.text()
    assert "What you had typed is kept" in window.arrived.text() and "moved on" not in window.arrived.text()
    assert "Nobody has been told yet" in window.notice.text(), "a follow-up set is not anyone reached"


def test_someone_reached_on_another_device_changes_the_notice_and_keeps_what_is_typed(
    qtbot, workspace, pool, tmp_path
) -> None:
    win, server, window = _open(qtbot, workspace, pool, tmp_path)
    esc = window.escalation
    # Walk to the first action step here, as the worker did before the duty worker took over.
    while window.escalation.walk.current.answers and window.escalation.is_open:
        window.answer(window.escalation.walk.current.answers[0].label)
        qtbot.waitUntil(lambda: not window.saving.active, timeout=10_000)
    esc = window.escalation
    step = esc.walk.current
    assert "Nobody has been told yet" in window.notice.text()
    window.shared.setText("Current plan steps 4 and 5")
    contact = next((a for a in [window.contact.itemData(i) for i in range(window.contact.count())] if a), None)
    _arrives(server, remote_action(workspace, esc.id, esc.person_id, node_id=step.id, kind=ActionKind.PHONED.value,
                                   contact_id=contact, contact_reached="Crisis team, Jo", reached=True))  # fmt: skip
    win.sync_now()
    qtbot.waitUntil(lambda: window.escalation.reached_anyone, timeout=10_000)
    # Who was spoken to first, then the directory entry reached (never its internal id).
    assert window.notice.text().startswith("Reached: <b>Crisis team, Jo, ")
    assert contact is None or contact not in window.notice.text()
    assert window.shared.text() == "Current plan steps 4 and 5"
    assert window.isVisible() and window.arrived.isVisible()
    assert window.escalation.walk.current.id != step.id, "reached: the pathway moved on from the step"
    assert "The pathway has moved on" in window.arrived.text() and "What you had typed is kept" in window.arrived.text()


def test_a_change_for_another_escalation_or_person_leaves_the_window_as_drawn(qtbot, workspace, pool, tmp_path) -> None:
    win, server, window = _open(qtbot, workspace, pool, tmp_path)
    window.who.setText("Typed")
    drawn: list[object] = []
    original = window.refresh
    window.refresh = lambda e: (drawn.append(e), original(e))  # type: ignore[method-assign]
    other = workspace.caseload.rows()[1].person_id
    escalation, _ = workspace.escalations.start(EscalationDraft(other, [window.escalation.criteria[0]], "Another"))
    follow_up = {"kind": ActionKind.FOLLOW_UP.value, "contact_reached": "Ade", "due": NOW + timedelta(hours=3)}
    _arrives(server, remote_action(workspace, escalation.id, other, node_id=escalation.walk.current.id, **follow_up))
    win.sync_now()
    qtbot.waitUntil(lambda: win.sync_label.text().startswith("Up to date"), timeout=10_000)
    assert drawn == [] and window.who.text() == "Typed" and not window.arrived.isVisible()


def test_a_closed_window_no_longer_listens(qtbot, window, workspace) -> None:
    person = window.model.row_at(0).person_id
    criteria = workspace.escalations.config.pathways.criteria
    escalation, _ = workspace.escalations.start(EscalationDraft(person, [criteria.criteria[0].code], "Rang, upset"))
    window.open_person(person)
    esc_window = window.person_panel.open_escalation(escalation)
    assert isinstance(esc_window, EscalationWindow)
    workspace.escalations.set_follow_up(escalation.id, NOW + timedelta(hours=4), "Ade")  # as if it came by sync
    esc_window.done(0)
    esc_window.done(0)  # closed twice: still quiet
    drawn: list[object] = []
    esc_window.refresh = lambda e: drawn.append(e)  # type: ignore[method-assign]
    window.ops.notify(OpChanges(Changed.ESCALATIONS | Changed.REMOTE, frozenset({person})))
    assert drawn == []
