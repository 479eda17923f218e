"""What the escalation record says must be what happened (a new user's walk of a welfare check): moving on
after nobody was reached is a decision, never an invented call; a step done reaches nobody; a step with
nobody to contact offers no service because the period changed; the step that tries the person again
offers the person's own numbers and the people they agreed may be contacted."""

import uuid
from datetime import UTC, datetime

import pytest

from app.clock import FixedClock
from app.errors import InvalidInput
from app.escalations import ActionDraft, ActionKind, Escalation
from app.missed_contacts import recontact_routes
from app.pathways import MOVE_ON
from app.workspace import Workspace
from tests.app.test_escalation_closing import _welfare_check

# The welfare check is raised at the second miss (Tuesday 16:00 to 16:10, in hours); by 08:11 on Wednesday
# it is out of hours, so the period has changed since it began.
WEDNESDAY_0811 = datetime(2026, 11, 25, 8, 11, tzinfo=UTC)


def _to_attempt_contact(ws: Workspace, clock: FixedClock) -> tuple[uuid.UUID, Escalation]:
    pid, check = _welfare_check(ws, clock)
    clock.set(WEDNESDAY_0811)
    check, _ = ws.escalations.record_action(
        check.id,
        ActionDraft("notify-manager", ActionKind.PHONED, True, contact_id="moorland-on-call-manager",
                    contact_reached="Alex Byrne, on-call manager"),
    )  # fmt: skip
    assert check.walk.current.id == "review-history"
    check, _ = ws.escalations.record_action(check.id, ActionDraft("review-history", ActionKind.DONE, True))
    assert check.walk.current.id == "attempt-contact"
    return pid, check


def test_moving_on_records_the_decision_and_no_call(workspace, clock) -> None:
    _, check = _to_attempt_contact(workspace, clock)
    before = len(check.actions)
    moved, _ = workspace.escalations.move_on(check.id, "attempt-contact")
    assert moved.walk.current.id == "partners", "the pathway's route for nobody reached"
    (decision,) = moved.actions[before:]
    assert decision.kind is ActionKind.ANSWER and decision.answer == MOVE_ON
    assert (decision.contact_id, decision.contact_reached, decision.reached) == (None, None, False)
    # Deciding to move on is not acting on the step: its time is not met by the decision.
    (step,) = [t for t in moved.timeliness() if t.node.id == "attempt-contact"]
    assert step.first_done_at is None


def test_moving_on_from_a_step_already_left_saves_nothing(workspace, clock) -> None:
    _, check = _to_attempt_contact(workspace, clock)
    with pytest.raises(InvalidInput, match="moved on"):
        workspace.escalations.move_on(check.id, "notify-manager")
    assert len(workspace.escalations.get(check.id).actions) == len(check.actions)


def test_a_step_done_names_no_contact(workspace, clock) -> None:
    _, check = _welfare_check(workspace, clock)
    with pytest.raises(InvalidInput, match="nobody to contact"):
        workspace.escalations.record_action(
            check.id, ActionDraft("notify-manager", ActionKind.DONE, True, contact_id="moorland-on-call-manager")
        )
    assert not workspace.escalations.get(check.id).reached_anyone


def test_a_step_with_nobody_to_contact_is_offered_no_service_after_the_period_changed(workspace, clock) -> None:
    _pid, check = _welfare_check(workspace, clock)
    clock.set(WEDNESDAY_0811)
    check, _ = workspace.escalations.record_action(
        check.id, ActionDraft("notify-manager", ActionKind.PHONED, True, contact_id="moorland-on-call-manager")
    )
    assert workspace.escalations.period_change(check) is not None, "started in hours, out of hours now"
    calls = {c.node.id: [o.entry.id for o in c.offers] for c in workspace.escalations.call_now(check)}
    assert calls == {"review-history": []}


def test_trying_the_person_again_offers_their_own_routes_and_agreed_third_parties(workspace, clock) -> None:
    _pid, check = _welfare_check(workspace, clock)
    assert workspace.escalations.people_to_try(check) == ([], None), "not at the step that tries the person"
    _, check = _to_attempt_contact(workspace, clock)
    routes, _warning = workspace.escalations.people_to_try(check)
    expected, _ = recontact_routes(workspace.caseload.person(check.person_id))
    assert routes == expected and routes, "the person's own numbers first, then those they agreed to"
    assert routes[0].via is None


def test_the_demo_welfare_check_tries_the_person_at_its_attempt_contact_step(workspace) -> None:
    (pathway,) = [p for p in workspace.escalations.config.pathways.effective() if p.id == "moorland-welfare-check"]
    assert [n.id for n in pathway.action_nodes() if n.reach_person] == ["attempt-contact"]
