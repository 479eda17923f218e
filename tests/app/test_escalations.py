"""Escalations through the service: criteria and rationale required, the pathway for now (bank holidays
by nation), walking it with timed actions, timeliness from the records, follow-up and close, the
national fallback, and "nobody has been told yet" until someone is reached."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.clock import FixedClock
from app.errors import InvalidInput
from app.escalations import ActionDraft, ActionKind, EscalationDraft, EscalationKind, EscalationOutcome
from app.pathways import MOVE_ON
from app.workspace import Workspace
from storage import models

BOXING_DAY = datetime(2026, 12, 28, 14, 0, tzinfo=UTC)  # Monday: the substitute Boxing Day in England


def _someone(ws: Workspace) -> uuid.UUID:
    with ws.store.sessions() as session:
        busy = set(session.scalars(select(models.Escalation.person_id)))
    return next(r.person_id for r in ws.caseload.rows() if r.person_id not in busy)


def _count(ws: Workspace) -> int:
    with ws.store.sessions() as session:
        return session.scalar(select(func.count()).select_from(models.Escalation)) or 0


@pytest.mark.parametrize(
    ("criteria", "rationale", "field"),
    [
        ([], "They said they have a plan for tonight", "Threshold criteria"),
        (["current-intent-or-plan"], "   ", "Why"),
        (["feels-risky"], "They said they have a plan", "Threshold criteria"),
    ],
)
def test_criteria_and_a_written_rationale_are_both_required(workspace: Workspace, criteria, rationale, field) -> None:
    before = _count(workspace)
    with pytest.raises(InvalidInput) as caught:
        workspace.escalations.start(EscalationDraft(_someone(workspace), criteria, rationale))
    assert caught.value.field == field and "Nothing was saved" in str(caught.value)
    assert _count(workspace) == before


def test_out_of_hours_on_a_bank_holiday_walks_the_out_of_hours_pathway(workspace: Workspace, clock: FixedClock) -> None:
    clock.set(BOXING_DAY)
    pid = _someone(workspace)
    esc, _ = workspace.escalations.start(
        EscalationDraft(pid, ["sudden-deterioration"], "Much more withdrawn since Christmas; not eating")
    )
    assert str(esc.period) == "Out of hours — bank holiday: Boxing Day (observed)"
    assert esc.pathway.ref == "moorland-out-of-hours@3" and esc.pathway_warning is None
    assert esc.versions == {
        "pathway": "moorland-out-of-hours@3",
        "calendar": "teams@2026-11-01",
        "directory": "demo-local@2026-11-01+national@2026-11-01",
        "criteria": "criteria@2026.1",
    }
    # Saved, complete and valid offline - and it has told nobody.
    assert esc.kind is EscalationKind.ESCALATION and not esc.reached_anyone
    first = workspace.escalations.call_now(esc)
    assert [(c.node.id, c.best.entry.id if c.best else None) for c in first] == [
        ("call-999", "emergency-999"),
        ("crisis-team", "moorland-crisis-team"),
    ]

    clock.set(BOXING_DAY + timedelta(minutes=3))
    esc, _ = workspace.escalations.answer(esc.id, "danger", "No")
    assert esc.walk.current.id == "crisis-team"
    clock.set(BOXING_DAY + timedelta(minutes=20))
    esc, _ = workspace.escalations.record_action(
        esc.id,
        ActionDraft("crisis-team", ActionKind.PHONED, reached=False, contact_id="moorland-crisis-team",
                    outcome="Engaged tone twice", at=BOXING_DAY + timedelta(minutes=8)),
    )  # fmt: skip
    assert not esc.reached_anyone and esc.walk.current.id == "crisis-team", "a busy line: tried again, same step"
    esc, _ = workspace.escalations.record_action(
        esc.id,
        ActionDraft("crisis-team", ActionKind.PHONED, reached=False, contact_id="moorland-crisis-team",
                    outcome="Still engaged", at=BOXING_DAY + timedelta(minutes=12), move_on=True),
    )  # fmt: skip
    assert not esc.reached_anyone and esc.walk.current.id == "tell-on-call", "the worker chose the pathway's route"
    attempts = [a.at for a in esc.actions if a.node_id == "crisis-team" and a.kind is ActionKind.PHONED]
    assert attempts == [BOXING_DAY + timedelta(minutes=8), BOXING_DAY + timedelta(minutes=12)], "each attempt timed"
    # Moving on is recorded as the decision it is, after the attempt, naming nobody.
    decision = esc.actions[-1]
    assert (decision.kind, decision.answer, decision.contact_id, decision.reached) == (
        ActionKind.ANSWER,
        MOVE_ON,
        None,
        False,
    )
    clock.set(BOXING_DAY + timedelta(minutes=50))
    esc, _ = workspace.escalations.record_action(
        esc.id,
        ActionDraft("tell-on-call", ActionKind.PHONED, reached=True, contact_id="moorland-on-call-manager",
                    contact_reached="Alex Byrne, on-call manager", outcome="Will ask the crisis team to visit today",
                    information_shared="Criteria met, rationale, current safety plan", sharing_basis="Risk to life"),
    )  # fmt: skip
    assert esc.reached_anyone and esc.walk.finished
    assert esc.walk.path == ("danger", "crisis-team", "tell-on-call", "follow-up")
    assert esc.first_action_after == timedelta(minutes=8)
    timeliness = {t.node.id: (t.met(), t.describe(clock.now())) for t in esc.timeliness()}
    assert timeliness == {
        "crisis-team": (True, "within the standard"),
        "tell-on-call": (False, "late by 20 min"),
    }

    with pytest.raises(InvalidInput, match="Follow-up"):
        workspace.escalations.close(esc.id, EscalationOutcome.CRISIS_TEAM_ACCEPTED)
    esc, _ = workspace.escalations.set_follow_up(esc.id, BOXING_DAY + timedelta(hours=20), "Sam Okafor")
    esc, _ = workspace.escalations.close(
        esc.id, EscalationOutcome.CRISIS_TEAM_ACCEPTED, "Crisis team visiting at 17:00"
    )
    assert not esc.is_open and esc.outcome is EscalationOutcome.CRISIS_TEAM_ACCEPTED
    with pytest.raises(InvalidInput, match="closed"):
        workspace.escalations.record_action(esc.id, ActionDraft("follow-up", ActionKind.DONE, reached=True))


def test_in_hours_on_a_weekday_uses_the_in_hours_pathway_and_the_persons_own_team(workspace, clock) -> None:
    pid = _someone(workspace)
    esc, _ = workspace.escalations.start(EscalationDraft(pid, ["current-intent-or-plan"], "Told me about a plan"))
    assert esc.pathway.id == "moorland-in-hours" and esc.period.period.value == "in-hours"
    esc, _ = workspace.escalations.answer(esc.id, "danger", "No")
    (step,) = workspace.escalations.call_now(esc)
    assert [o.entry.id for o in step.offers] == ["eastmoor-duty-worker"], "the person's own team, not Westdale's"


def test_answers_and_shares_are_checked(workspace: Workspace) -> None:
    esc, _ = workspace.escalations.start(EscalationDraft(_someone(workspace), ["safeguarding-concern"], "Bruises"))
    with pytest.raises(InvalidInput, match="one of: Yes, No"):
        workspace.escalations.answer(esc.id, "danger", "Perhaps")
    with pytest.raises(InvalidInput, match="moved on"):
        workspace.escalations.answer(esc.id, "crisis-needed", "Yes")
    with pytest.raises(InvalidInput, match="Sharing basis"):
        workspace.escalations.record_action(
            esc.id, ActionDraft("duty-worker", ActionKind.PHONED, True, information_shared="Everything")
        )
    with pytest.raises(InvalidInput, match="future"):
        workspace.escalations.record_action(
            esc.id, ActionDraft("duty-worker", ActionKind.PHONED, True, at=datetime(2030, 1, 1, tzinfo=UTC))
        )
    with pytest.raises(InvalidInput, match="time zone"):
        workspace.escalations.record_action(
            esc.id, ActionDraft("duty-worker", ActionKind.PHONED, True, at=datetime(2026, 11, 26, 14, 0))
        )


def test_actions_off_the_path_are_kept_as_deviations_and_other_actions_never_move_it(workspace: Workspace) -> None:
    esc, _ = workspace.escalations.start(EscalationDraft(_someone(workspace), ["sudden-deterioration"], "Changed"))
    esc, _ = workspace.escalations.record_action(
        esc.id, ActionDraft("crisis-team", ActionKind.PHONED, True, contact_id="moorland-crisis-team")
    )
    assert esc.walk.current.id == "danger" and [s.node_id for s in esc.walk.off_path] == ["crisis-team"]
    esc, _ = workspace.escalations.record_action(
        esc.id, ActionDraft("danger", ActionKind.OTHER, True, contact_id="moorland-recovery-service")
    )
    assert esc.walk.current.id == "danger"
    assert len([a for a in esc.actions if a.is_step]) == 2, "both kept in the record"


def test_an_area_with_no_pathway_gets_the_national_fallback_with_a_warning(workspace: Workspace) -> None:
    pid = _someone(workspace)
    with workspace.store.sessions.begin() as session:
        person = session.get(models.Person, pid)
        assert person is not None
        person.area, person.nation = "glenmore", "scotland"
    esc, _ = workspace.escalations.start(EscalationDraft(pid, ["current-intent-or-plan"], "Plan for tonight"))
    assert esc.pathway.id == "national-fallback"
    assert esc.pathway_warning and "no approved" in esc.pathway_warning and "glenmore" in esc.pathway_warning
    assert esc.versions["fallback_warning"] == esc.pathway_warning
    esc, _ = workspace.escalations.answer(esc.id, "danger", "No")
    (step,) = workspace.escalations.call_now(esc)
    assert [o.entry.id for o in step.offers] == ["nhs-24-mental-health", "samaritans"], "Scotland's lines only"


def test_escalations_and_their_actions_are_in_the_outbox_and_the_dump(workspace: Workspace) -> None:
    pending = workspace.outbox_pending()
    esc, _ = workspace.escalations.start(EscalationDraft(_someone(workspace), ["sudden-deterioration"], "Changed"))
    workspace.escalations.answer(esc.id, "danger", "No")
    assert workspace.outbox_pending() == pending + 2
    records = list(workspace.dump())
    mine = [r for r in records if r["type"] == "escalation" and r["id"] == str(esc.id)]
    actions = [r for r in records if r["type"] == "escalation_action" and r["escalation_id"] == str(esc.id)]
    assert mine and mine[0]["pathway_id"] == "moorland-in-hours@3"
    assert [(a["node_id"], a["kind"], a["answer"]) for a in actions] == [("danger", "answer", "No")]


def test_recorded_actions_cannot_be_rewritten(workspace: Workspace) -> None:
    esc, _ = workspace.escalations.start(EscalationDraft(_someone(workspace), ["sudden-deterioration"], "Changed"))
    workspace.escalations.answer(esc.id, "danger", "No")
    with pytest.raises(Exception, match="append-only"), workspace.store.sessions.begin() as session:
        action = session.scalars(select(models.EscalationAction)).first()
        assert action is not None
        action.outcome = "rewritten"
