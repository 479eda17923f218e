"""A team lead's records: only a lead writes them (a worker is refused and the attempt audited); agreed
actions are tracked to done by records; case-audit samples are reproducible and never the reviewer's own."""

import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app import case_audit
from app.actions import ActionSource, ActionState, ActionStatus, AgreedAction, Update, counts, track
from app.errors import InvalidInput, NotFound, NotPermitted
from app.lead_records import ActionDraft, LearningReviewDraft, PersonDiscussed, SupervisionDraft
from app.workspace import Workspace
from app.write_path import WritePath
from storage import models
from tests.app.test_write_path import _note, _person, as_team_lead
from tests.conftest import NOW

LEAD_TYPES = ("record_review", "supervision", "learning_review", "action_update", "case_audit")


def _refusals(ws: Workspace) -> list[tuple[str, str | None]]:
    with ws.store.sessions() as session:
        rows = session.execute(
            select(models.AuditEvent.action, models.AuditEvent.record_type).where(models.AuditEvent.action == "refused")
        ).all()
    return [(a, t) for a, t in rows]


def test_a_worker_cannot_review_and_the_attempt_is_audited(workspace: Workspace) -> None:
    note = _note(workspace)
    with workspace.store.sessions() as session:
        queued = len(session.scalars(select(models.OutboxItem)).all())
    with pytest.raises(NotPermitted, match=r"Only a team lead can record reviews\. Nothing was saved or shown"):
        workspace.lead.review(note, "Looks fine")
    with pytest.raises(NotPermitted):
        workspace.lead.record_supervision(
            SupervisionDraft(workspace.actor.staff_id, NOW, [PersonDiscussed(_person(workspace), "Rationale")])
        )
    with workspace.store.sessions() as session:
        assert session.scalars(select(models.RecordReview)).all() == []
        assert session.scalars(select(models.Supervision)).all() == []
        assert len(session.scalars(select(models.OutboxItem)).all()) == queued
    assert _refusals(workspace) == [("refused", "record_review"), ("refused", "supervision")]


@pytest.mark.parametrize("record_type", LEAD_TYPES)
def test_every_lead_record_type_is_refused_to_a_worker_by_the_write_path(
    workspace: Workspace, record_type: str
) -> None:
    writes = WritePath(workspace.uow, workspace.clock, workspace.actor)
    with pytest.raises(NotPermitted), writes.person(_person(workspace), "it", lead_only=record_type):
        pytest.fail("the transaction must not open")
    assert _refusals(workspace) == [("refused", record_type)]
    as_team_lead(workspace)
    lead_writes = WritePath(workspace.uow, workspace.clock, workspace.actor)
    with lead_writes.person(_person(workspace), "it", lead_only=record_type) as w:
        assert w.staff_id == workspace.actor.staff_id


def test_a_review_names_the_record_and_reaches_the_outbox(workspace: Workspace) -> None:
    note = _note(workspace)
    as_team_lead(workspace)
    review, _ = workspace.lead.review(note, "  ")
    assert (review.reviewed_id, review.reviewed_type, review.comment) == (note, "contact_note", None)
    assert [r.id for r in workspace.lead.reviews_of([note])] == [review.id]
    with pytest.raises(NotFound, match="not on this laptop"):
        workspace.lead.review(uuid.uuid4())


def test_supervision_of_several_persons_is_one_session_and_its_actions_are_tracked_to_done(
    workspace: Workspace,
) -> None:
    worker = workspace.actor.staff_id
    persons = [r.person_id for r in workspace.caseload.rows()[:2]]
    as_team_lead(workspace)
    due = NOW.date() + timedelta(days=3)
    rows, _ = workspace.lead.record_supervision(
        SupervisionDraft(worker, NOW, [
            PersonDiscussed(persons[0], "Escalated on loss of contact", actions=[ActionDraft("Call GP", "Sam", due)]),
            PersonDiscussed(persons[1], "Did not escalate: no intent", actions=[ActionDraft("Visit", "Sam", due)]),
        ])
    )  # fmt: skip
    assert [r.person_id for r in rows] == persons and len({r.session_id for r in rows}) == 1
    assert [a.state for a in workspace.lead.actions()] == [ActionState.OPEN, ActionState.OPEN]
    assert [a.state for a in workspace.lead.actions(due + timedelta(days=1))] == [ActionState.OVERDUE] * 2
    first = rows[0]
    action_id = uuid.UUID(first.actions[0]["action_id"])
    update, _ = workspace.lead.update_action(first.id, action_id, ActionStatus.DONE, "GP called back")
    states = {a.action.action_id: a for a in workspace.lead.actions(due + timedelta(days=1))}
    assert states[action_id].state is ActionState.DONE and states[action_id].closed_by == update.id
    with pytest.raises(InvalidInput, match="already closed"):
        workspace.lead.update_action(first.id, action_id, ActionStatus.CANCELLED, "No")
    with pytest.raises(InvalidInput, match="cancelled"):
        workspace.lead.update_action(rows[1].id, uuid.UUID(rows[1].actions[0]["action_id"]), ActionStatus.CANCELLED, "")
    with pytest.raises(NotFound, match="not agreed"):
        workspace.lead.update_action(first.id, uuid.uuid4(), ActionStatus.DONE, "x")


def test_a_supervision_names_the_worker_supervised(workspace: Workspace) -> None:
    as_team_lead(workspace)
    nobody = SupervisionDraft(None, NOW, [PersonDiscussed(_person(workspace), "Rationale")])  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="choose the worker"):
        workspace.lead.record_supervision(nobody)
    with workspace.store.sessions() as session:
        assert session.scalars(select(models.Supervision)).all() == []


def test_a_learning_review_needing_a_pathway_change_names_the_pathway(workspace: Workspace) -> None:
    person = _person(workspace)
    as_team_lead(workspace)
    draft = LearningReviewDraft(person, NOW, "Two missed visits", "Sister answered", "Line busy",
                                pathway_refinement_needed=True)  # fmt: skip
    with pytest.raises(InvalidInput, match="name the pathway"):
        workspace.lead.record_learning_review(draft)
    with pytest.raises(NotFound, match="escalation"):
        workspace.lead.record_learning_review(LearningReviewDraft(person, NOW, "x", "", "", escalation_id=uuid.uuid4()))


# -- pure functions --------------------------------------------------------------------------------------
T = NOW
DUE = date(2026, 11, 30)


def _source(n: int, *dues: date) -> ActionSource:
    return ActionSource(
        uuid.UUID(int=n), "supervision", uuid.UUID(int=99), T + timedelta(days=n),
        [AgreedAction(uuid.UUID(int=n * 10 + i), f"a{i}", "Sam", d) for i, d in enumerate(dues)],
    )  # fmt: skip


def test_actions_are_open_then_overdue_after_their_due_day_and_closed_only_by_an_update() -> None:
    sources = [_source(1, DUE, DUE), _source(2, DUE)]
    updates = [
        Update(uuid.UUID(int=501), uuid.UUID(int=1), uuid.UUID(int=10), ActionStatus.DONE, T),
        Update(uuid.UUID(int=502), uuid.UUID(int=1), uuid.UUID(int=10), ActionStatus.CANCELLED, T),  # second: ignored
        Update(uuid.UUID(int=503), uuid.UUID(int=2), uuid.UUID(int=20), ActionStatus.CANCELLED, T),
    ]
    on_due = track(sources, updates, DUE)
    assert [a.state for a in on_due] == [ActionState.DONE, ActionState.OPEN, ActionState.CANCELLED]
    after = track(sources, updates, DUE + timedelta(days=1))
    assert [a.state for a in after] == [ActionState.DONE, ActionState.OVERDUE, ActionState.CANCELLED]
    assert after[0].closed_by == uuid.UUID(int=501) and after[0].done_by_due is True
    assert counts(after) == {ActionState.OPEN: 0, ActionState.OVERDUE: 1, ActionState.DONE: 1, ActionState.CANCELLED: 1}
    # An update for an action of another source closes nothing.
    stray = [Update(uuid.UUID(int=504), uuid.UUID(int=2), uuid.UUID(int=10), ActionStatus.DONE, T)]
    assert [a.state for a in track([_source(1, DUE)], stray, DUE)] == [ActionState.OPEN]


def test_done_late_is_done_but_not_by_due() -> None:
    late = [
        Update(
            uuid.UUID(int=1),
            uuid.UUID(int=1),
            uuid.UUID(int=10),
            ActionStatus.DONE,
            T.replace(day=30) + timedelta(days=2),
        )
    ]
    [action] = track([_source(1, DUE)], late, DUE + timedelta(days=5))
    assert action.state is ActionState.DONE and action.done_by_due is False


def _case(n: int, *workers: int) -> case_audit.Case:
    event = case_audit.Event(case_audit.Reason.ESCALATION, uuid.UUID(int=1000 + n), T)
    return case_audit.Case(uuid.UUID(int=n), (event,), frozenset(uuid.UUID(int=w) for w in workers))


def test_a_sample_is_reproducible_from_its_seed_and_never_holds_the_reviewers_own_cases() -> None:
    reviewer = uuid.UUID(int=7)
    cases = [_case(n, 5 if n % 3 else 7) for n in range(1, 31)]
    kw = {"sample_id": uuid.uuid4(), "drawn_at": T, "period_from": DUE, "period_to": DUE}
    a = case_audit.draw(cases, reviewer, 5, 1234, **kw)
    b = case_audit.draw(list(reversed(cases)), reviewer, 5, 1234, **kw)
    assert a.cases == b.cases and len(a.cases) == 5
    assert all(reviewer not in c.workers for c in a.cases)
    assert (a.eligible, a.own_excluded) == (30, 10)
    assert case_audit.draw(cases, reviewer, 5, 99, **kw).cases != a.cases
    assert len(case_audit.draw(cases, reviewer, 100, 1, **kw).cases) == 20, "never more than the pool"


def test_eligibility_is_by_process_events_inside_the_period() -> None:
    inside = case_audit.Event(case_audit.Reason.MISSED_CONTACT, uuid.UUID(int=1), T)
    outside = case_audit.Event(case_audit.Reason.ESCALATION, uuid.UUID(int=2), T - timedelta(days=40))
    cases = case_audit.eligible(
        [(uuid.UUID(int=1), inside), (uuid.UUID(int=2), outside)], {}, T.date() - timedelta(days=30), T.date()
    )
    assert [c.person_id for c in cases] == [uuid.UUID(int=1)] and cases[0].events == (inside,)


def test_a_case_audit_answers_every_question_and_a_reviewer_may_not_audit_their_own_case(workspace: Workspace) -> None:
    person = _person(workspace)
    lead = as_team_lead(workspace)
    mine = case_audit.Case(
        person, (case_audit.Event(case_audit.Reason.ESCALATION, uuid.uuid4(), T),), frozenset({lead})
    )
    kw = {"sample_id": uuid.uuid4(), "drawn_at": T, "period_from": DUE, "period_to": DUE}
    # A sample drawn for someone else cannot be used to audit one's own case.
    sample = case_audit.draw([mine], uuid.uuid4(), 1, 1, **kw)
    answers = [case_audit.AnswerDraft(q, case_audit.Answer.YES) for q, _ in case_audit.CHECKLIST]
    with pytest.raises(InvalidInput, match="may not audit a case they worked on"):
        workspace.lead.record_case_audit(sample, mine, answers)
    theirs = case_audit.Case(person, mine.events, frozenset({uuid.uuid4()}))
    sample = case_audit.draw([theirs], lead, 1, 1, **kw)
    with pytest.raises(InvalidInput, match="answer every question"):
        workspace.lead.record_case_audit(sample, theirs, answers[:-1])
    partly = [*answers[:-1], case_audit.AnswerDraft(answers[-1].question_id, case_audit.Answer.PARTLY)]
    with pytest.raises(InvalidInput, match="what was missing"):
        workspace.lead.record_case_audit(sample, theirs, partly)
    row, _ = workspace.lead.record_case_audit(sample, theirs, answers, "Clear record")
    assert row.seed == 1 and row.checklist == case_audit.CHECKLIST_ID and len(row.answers) == len(case_audit.CHECKLIST)


def test_a_recorded_supervision_is_found_again_whole_and_a_worker_may_not_read_it(workspace: Workspace) -> None:
    from app.escalations import EscalationDraft

    rows = workspace.caseload.rows()
    first, second = rows[0].person_id, rows[1].person_id
    with workspace.store.sessions() as session:
        worker = session.scalars(select(models.Meta.value).where(models.Meta.key == "staff_id")).one()
    esc, _ = workspace.escalations.start(EscalationDraft(first, ["sudden-deterioration"], "Not themselves", NOW))
    with pytest.raises(NotPermitted):
        workspace.lead.recorded()
    as_team_lead(workspace)
    workspace.lead.record_supervision(SupervisionDraft(uuid.UUID(worker), NOW, [
        PersonDiscussed(first, "Escalated on sudden deterioration: criteria met, reason written", [esc.id],
                        [ActionDraft("Add the sister's number to step 4", "Sam Okafor", NOW.date() + timedelta(7))]),
        PersonDiscussed(second, "Did not escalate: no current intent; more contact agreed"),
    ]))  # fmt: skip
    workspace.lead.record_learning_review(LearningReviewDraft(
        first, NOW + timedelta(hours=1), "Two visits missed", "Sister answered", "Line busy",
        pathway_refinement_needed=True, pathway_id="moorland-welfare-check", pathway_version="1",
        refinement="Add the sister as a contact step", escalation_id=esc.id,
        actions=[ActionDraft("Share at the team meeting", "Priya Natarajan", NOW.date() + timedelta(3))],
    ))  # fmt: skip

    review, supervision = workspace.lead.recorded()  # newest first
    assert supervision.kind == "supervision" and supervision.worker == "Sam Okafor"
    assert supervision.recorded_by == "Priya Natarajan"
    names = {p.person_id: p for p in supervision.persons}
    assert set(names) == {first, second}
    assert names[first].rationale.startswith("Escalated on sudden deterioration")
    [ref] = names[first].escalations
    assert ref.id == esc.id and "why: Not themselves" in ref.describe()
    [action] = names[first].actions
    assert (action.action.action, action.action.owner, action.state) == (
        "Add the sister's number to step 4",
        "Sam Okafor",
        ActionState.OPEN,
    )
    assert names[second].actions == () and "Supervision of Sam Okafor" in supervision.title
    assert review.kind == "learning_review" and review.what_happened == "Two visits missed"
    assert review.refinement == "Add the sister as a contact step — pathway moorland-welfare-check@1"
    assert [a.action.owner for a in review.actions] == ["Priya Natarajan"]
    with workspace.store.sessions() as session:
        events = session.scalars(select(models.AuditEvent).where(models.AuditEvent.record_type == "supervision"))
        assert [e.action for e in events if e.action != "create"] == ["refused", "view"]
