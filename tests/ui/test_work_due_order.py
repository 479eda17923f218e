"""F6: the work-due list is sorted by what is due first, never alphabetically nor by any notion of risk
(issue 11, item 9)."""

from datetime import timedelta

from PySide6.QtCore import Qt

from app.escalations import ActionDraft, ActionKind, EscalationDraft
from app.work_due import DueKind
from tests.conftest import NOW


def _listed(window):
    return [
        window.model.row_at(window.proxy.mapToSource(window.proxy.index(r, 0)).row())
        for r in range(window.proxy.rowCount())
    ]


def test_f6_lists_escalations_that_reached_nobody_first_then_by_time_due(qtbot, window, workspace) -> None:
    everyone = sorted(
        (window.model.row_at(i) for i in range(window.model.rowCount())), key=lambda r: r.preferred_name.lower()
    )
    first_by_name = next(r for r in everyone if r.has_work_due and r.due.kind is not DueKind.ESCALATION_REACHED_NOBODY)
    last_by_name = next(r for r in reversed(everyone) if r.due.kind is not DueKind.ESCALATION_REACHED_NOBODY)
    assert last_by_name.preferred_name.lower() > first_by_name.preferred_name.lower()
    codes = [c.code for c in workspace.escalations.config.pathways.criteria.criteria]
    workspace.escalations.start(EscalationDraft(last_by_name.person_id, codes[:1], "Rang in distress", NOW))
    window.reload()
    qtbot.waitUntil(lambda: any(r.person_id == last_by_name.person_id and r.due.kind == 0 for r in _listed(window)))
    qtbot.keyClick(window.search_box, Qt.Key.Key_F6)
    listed = _listed(window)
    assert all(r.has_work_due for r in listed)
    assert [r.due_order for r in listed] == sorted(r.due_order for r in listed)
    kinds = [r.due.kind for r in listed]
    assert kinds[0] is DueKind.ESCALATION_REACHED_NOBODY
    assert listed.index(next(r for r in listed if r.person_id == last_by_name.person_id)) < listed.index(
        next(r for r in listed if r.person_id == first_by_name.person_id)
    ), "not alphabetical: an escalation nobody has acted on comes before overdue contacts"
    assert not window.table.horizontalHeader().isSortIndicatorShown()
    qtbot.keyClick(window.search_box, Qt.Key.Key_F6)
    names = [r.preferred_name.lower() for r in _listed(window)]
    assert names == sorted(names), "the whole caseload goes back to the column chosen"


def test_an_escalation_once_someone_is_reached_no_longer_comes_first(workspace) -> None:
    rows = workspace.caseload.rows()
    person = next(r for r in rows if r.due.kind is DueKind.NOTHING_OVERDUE)
    codes = [c.code for c in workspace.escalations.config.pathways.criteria.criteria]
    escalation, _ = workspace.escalations.start(EscalationDraft(person.person_id, codes[:1], "Rang", NOW))
    row = next(r for r in workspace.caseload.rows() if r.person_id == person.person_id)
    assert row.due.kind is DueKind.ESCALATION_REACHED_NOBODY and row.due.since == NOW
    escalation, _ = workspace.escalations.answer(escalation.id, escalation.walk.current.id, "No")
    # Someone who can act: the team's duty line from the directory (issue 9, finding 2), not a name typed.
    (step,) = workspace.escalations.call_now(escalation)
    assert step.best is not None
    workspace.escalations.record_action(
        escalation.id,
        ActionDraft(
            node_id=escalation.walk.current.id,
            kind=ActionKind.PHONED,
            reached=True,
            contact_id=step.best.entry.id,
            contact_reached="Duty worker",
            at=NOW + timedelta(minutes=5),
        ),
    )
    row = next(r for r in workspace.caseload.rows() if r.person_id == person.person_id)
    assert row.due.kind is not DueKind.ESCALATION_REACHED_NOBODY
