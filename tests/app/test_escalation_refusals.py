"""Every refusal of the escalation service, as the worker reads it: the field to correct and what is wrong
with it, whole. The words are the rule here: a refusal that lost its field or its "what to do instead"
leaves a lone worker in a crisis not knowing what was refused or how to go on (nothing is saved on a
refusal; what they typed is kept)."""

import uuid
from collections.abc import Callable
from datetime import timedelta

import pytest

from app.errors import InvalidInput, NotFound
from app.escalations import ActionDraft, ActionKind, Escalation, EscalationDraft, EscalationOutcome
from app.workspace import Workspace
from tests.app.test_escalation_closing import _fresh_person

Refusal = tuple[str, str]


def refused(do: Callable[[], object]) -> Refusal:
    with pytest.raises(InvalidInput) as refusal:
        do()
    return refusal.value.field, refusal.value.problem


def _start(ws: Workspace, clock, **draft: object) -> Escalation:
    pid = _fresh_person(ws)
    fields = {"criteria": ["sudden-deterioration"], "rationale": "Not themselves", "identified_at": None} | draft
    return ws.escalations.start(EscalationDraft(pid, **fields))[0]  # type: ignore[arg-type]


def test_starting_is_refused_without_a_criterion_met_an_approved_one_a_reason_or_a_sound_time(workspace, clock):
    ws = workspace
    pid = _fresh_person(ws)

    def start(criteria=("sudden-deterioration",), rationale="Not themselves", identified_at=None) -> Refusal:
        return refused(lambda: ws.escalations.start(EscalationDraft(pid, list(criteria), rationale, identified_at)))

    assert start(criteria=[" ", ""]) == ("Threshold criteria", "tick at least one criterion that is met")
    assert start(criteria=["sudden-deterioration", "not-a-criterion"]) == (
        "Threshold criteria",
        "include one this organisation has not approved",
    )
    assert start(rationale="  ") == ("Why", "write in your own words why you are escalating")
    assert start(identified_at=clock.now().replace(tzinfo=None)) == (
        "When you identified the concern",
        "needs a time zone",
    )
    assert start(identified_at=clock.now() + timedelta(minutes=6)) == (
        "When you identified the concern",
        "is in the future",
    )
    assert ws.escalations.for_person(pid) == [], "nothing was saved"
    with pytest.raises(NotFound, match=r"^That person is not on this device\.$"):
        ws.escalations.start(EscalationDraft(uuid.UUID(int=7), ["sudden-deterioration"], "Not themselves"))


def test_answering_is_refused_once_the_pathway_has_moved_on_or_with_an_answer_it_does_not_offer(workspace, clock):
    ws = workspace
    esc = _start(ws, clock)
    assert refused(lambda: ws.escalations.answer(esc.id, "danger", "Maybe")) == ("Answer", "must be one of: Yes, No")
    ws.escalations.answer(esc.id, "danger", "No")
    assert refused(lambda: ws.escalations.answer(esc.id, "danger", "Yes")) == (
        "Answer",
        "the pathway has moved on from that question; nothing was saved",
    )
    assert refused(lambda: ws.escalations.answer(esc.id, "danger", "No", clock.now() + timedelta(hours=1))) == (
        "Time",
        "is in the future",
    )


def test_recording_an_action_is_refused_in_words_that_say_what_to_do_instead(workspace, clock):
    ws = workspace
    esc = _start(ws, clock)
    esc, _ = ws.escalations.answer(esc.id, "danger", "No")

    def act(node: str = "duty-worker", kind: ActionKind = ActionKind.PHONED, reached: bool = False, **kw) -> Refusal:
        return refused(lambda: ws.escalations.record_action(esc.id, ActionDraft(node, kind, reached, **kw)))

    assert act(kind=ActionKind.ANSWER) == (
        "What you did",
        "choose phoned, texted, emailed, in person, done or other",
    )
    assert act(information_shared="The criteria met", sharing_basis=" ") == (
        "Sharing basis",
        "say on what basis information was shared (consent, risk to life…)",
    )
    assert act(node="not-a-step") == ("Step", "is not part of this pathway")
    assert act(at=esc.identified_at - timedelta(minutes=5, seconds=1)) == (
        "Time",
        "is before the concern was identified",
    )
    assert act(at=clock.now() + timedelta(minutes=6)) == ("Time", "is in the future")
    assert act(node="tell-duty-manager", move_on=True) == (
        "Not reached",
        "this step has no other route: try again, or phone 999 if life is at risk",
    )
    assert act(contact_id="nobody-we-know") == ("Contact", "is not in the contacts directory")
    assert act(kind=ActionKind.DONE, reached=True, contact_id="eastmoor-duty-worker") == (
        "Contact",
        "'Done' is for a step with nobody to contact: say how you contacted them",
    )
    assert len(ws.escalations.get(esc.id).actions) == 1, "only the answer: nothing refused was saved"
    with pytest.raises(NotFound, match=r"^That escalation is not on this device\.$"):
        ws.escalations.record_action(uuid.UUID(int=0xDEAD), ActionDraft("duty-worker", ActionKind.PHONED, False))


def test_moving_on_is_refused_where_the_step_has_no_other_route_or_the_pathway_has_moved_on(workspace, clock):
    ws = workspace
    esc = _start(ws, clock)
    assert refused(lambda: ws.escalations.move_on(esc.id, "duty-worker")) == (
        "Not reached",
        "the pathway has moved on from that step; nothing was saved",
    )
    ws.escalations.answer(esc.id, "danger", "Yes")  # at call-999, which has no route for not reached
    assert refused(lambda: ws.escalations.move_on(esc.id, "call-999")) == (
        "Not reached",
        "this step has no other route: try again, or phone 999 if life is at risk",
    )
    other = _start(ws, clock, identified_at=clock.now() - timedelta(hours=1))
    ws.escalations.answer(other.id, "danger", "No")
    ahead = clock.now() + timedelta(minutes=6)
    assert refused(lambda: ws.escalations.move_on(other.id, "duty-worker", ahead)) == ("Time", "is in the future")
    early = other.identified_at - timedelta(minutes=5, seconds=1)
    assert refused(lambda: ws.escalations.move_on(other.id, "duty-worker", early)) == (
        "Time",
        "is before the concern was identified",
    )


def test_closing_is_refused_until_a_follow_up_an_action_and_someone_who_can_act_or_a_reason(workspace, clock):
    ws = workspace
    esc = _start(ws, clock)
    close = ws.escalations.close
    assert refused(lambda: close(esc.id, EscalationOutcome.PERSON_SAFE_PLAN_AGREED)) == (
        "Follow-up",
        "set who follows up and by when before closing",
    )
    ws.escalations.set_follow_up(esc.id, clock.now() + timedelta(hours=4), "Sam Okafor")
    ws.escalations.answer(esc.id, "danger", "No")
    assert refused(lambda: close(esc.id, EscalationOutcome.PERSON_SAFE_PLAN_AGREED)) == (
        "Close",
        "record at least one action taken before closing",
    )
    ws.escalations.record_action(esc.id, ActionDraft("duty-worker", ActionKind.PHONED, False))
    assert refused(lambda: close(esc.id, EscalationOutcome.CONTACT_RE_ESTABLISHED)) == (
        "Outcome",
        "the record shows no contact with the person since the concern was identified: record the contact (a "
        "reached attempt, or a contact note) first, or choose the outcome that happened",
    )
    assert refused(lambda: close(esc.id, EscalationOutcome.PERSON_SAFE_PLAN_AGREED)) == refused(
        lambda: close(esc.id, EscalationOutcome.PERSON_SAFE_PLAN_AGREED, "  ")
    ), "no reason given is no reason"
    assert refused(lambda: close(esc.id, EscalationOutcome.PERSON_SAFE_PLAN_AGREED, "  ")) == (
        "Why it can close",
        "Nobody who can act (duty or crisis team, a manager, a service, emergency services) has been reached: "
        "record reaching them first, or write why the escalation can close without, e.g. 'person seen by police "
        "— welfare confirmed'",
    )
    closed, _ = close(esc.id, EscalationOutcome.PERSON_SAFE_PLAN_AGREED, " Seen by police — welfare confirmed ")
    assert closed.closing_reason == "Seen by police — welfare confirmed"
    assert refused(lambda: close(esc.id, EscalationOutcome.ADMITTED, "Admitted later")) == (
        "Close",
        "this escalation is already closed",
    )
    assert refused(
        lambda: ws.escalations.record_action(esc.id, ActionDraft("duty-worker", ActionKind.PHONED, True))
    ) == ("Action", "this escalation is closed; start a new one or add a contact note")
    assert refused(lambda: ws.escalations.move_on(esc.id, "duty-worker")) == (
        "Action",
        "this escalation is closed; start a new one or add a contact note",
    )


def test_a_follow_up_is_refused_without_a_time_zone_an_owner_or_a_time_to_come(workspace, clock):
    ws = workspace
    esc = _start(ws, clock)
    later = clock.now() + timedelta(hours=4)
    assert refused(lambda: ws.escalations.set_follow_up(esc.id, later.replace(tzinfo=None), "Sam")) == (
        "Follow-up due",
        "needs a time zone",
    )
    assert refused(lambda: ws.escalations.set_follow_up(esc.id, later, " ")) == (
        "Follow-up owner",
        "say who will follow up",
    )
    assert ws.escalations.get(esc.id).follow_up_due is None


def test_a_device_enrolled_to_nobody_is_refused_every_escalation_record_in_words_naming_them(workspace, clock):
    """Each record names its author and device: a device enrolled to nobody records nothing, and says so."""
    from app import audit
    from app.escalations import EscalationService

    ws = workspace
    esc = _start(ws, clock)
    nobody = EscalationService(ws.uow, clock, audit.Actor(None, None), ws.config)
    said = ("Device", "is not enrolled to a worker, so it cannot record escalations")
    later = clock.now() + timedelta(hours=4)
    draft = EscalationDraft(esc.person_id, ["sudden-deterioration"], "Not themselves")
    assert refused(lambda: nobody.start(draft)) == said
    assert refused(lambda: nobody.answer(esc.id, "danger", "No")) == said
    assert refused(lambda: nobody.record_action(esc.id, ActionDraft("danger", ActionKind.OTHER, False))) == said
    assert refused(lambda: nobody.move_on(esc.id, "duty-worker")) == said
    assert refused(lambda: nobody.set_follow_up(esc.id, later, "Sam Okafor")) == said
    assert refused(lambda: nobody.close(esc.id, EscalationOutcome.ADMITTED, "Admitted")) == said
    assert refused(lambda: nobody.follow_up_done(esc.id, "Sam Okafor", "Visited")) == said
    assert ws.escalations.get(esc.id).actions == (), "nothing was recorded"


def test_acting_on_an_escalation_not_on_this_device_says_so(workspace, clock):
    ws = workspace
    gone = uuid.UUID(int=0xDEAD)
    later = clock.now() + timedelta(hours=4)
    for do in (
        lambda: ws.escalations.get(gone),
        lambda: ws.escalations.answer(gone, "danger", "No"),
        lambda: ws.escalations.record_action(gone, ActionDraft("danger", ActionKind.OTHER, False)),
        lambda: ws.escalations.move_on(gone, "duty-worker"),
        lambda: ws.escalations.set_follow_up(gone, later, "Sam Okafor"),
        lambda: ws.escalations.close(gone, EscalationOutcome.ADMITTED, "Admitted"),
        lambda: ws.escalations.follow_up_done(gone, "Sam Okafor", "Visited"),
    ):
        with pytest.raises(NotFound, match=r"^That escalation is not on this device\.$"):
            do()


def test_a_concern_identified_before_the_persons_record_began_or_over_a_week_ago_is_refused(workspace, clock):
    """A mistyped date would put the escalation where nobody looks for it: a concern a day and more before the
    person's record began, or more than seven days ago, is refused, naming the date to check."""
    from storage import models

    ws = workspace
    pid = _fresh_person(ws)
    began = clock.now() - timedelta(days=3)
    with ws.store.sessions.begin() as session:
        session.get(models.Person, pid).created_at = began

    def start(identified) -> Refusal:
        draft = EscalationDraft(pid, ["sudden-deterioration"], "Not themselves", identified)
        return refused(lambda: ws.escalations.start(draft))

    field, problem = start(began - timedelta(days=1, minutes=1))
    assert field == "When you identified the concern"
    assert problem == f"is before this person's record began ({began.astimezone():%d %b %Y})"
    field, problem = start(clock.now() - timedelta(days=7, minutes=1))
    assert field == "When you identified the concern" and problem.startswith("is more than 7 days ago (")
    esc, _ = ws.escalations.start(EscalationDraft(pid, ["sudden-deterioration"], "Not themselves", began))
    assert esc.identified_at == began
