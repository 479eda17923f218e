"""Issue 9, findings 1, 2 and 6: an escalation closes only when someone who can act was reached (or a
reason why not is recorded), never with an outcome the record contradicts; "nobody has been told yet"
clears only for a contact who can act; a follow-up is done as a record, and an overdue one is work due
on the caseload, open or closed, until it is done."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.clock import FixedClock
from app.contact_notes import ContactMethod, NoteDraft, Outcome
from app.errors import InvalidInput, NotFound
from app.escalations import ActionDraft, ActionKind, ActionRecord, Escalation, EscalationOutcome
from app.overdue import overdue
from app.workspace import Workspace
from storage import models

MONDAY_10 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def _fresh_person(ws: Workspace) -> uuid.UUID:
    with ws.store.sessions() as session:
        busy = set(session.scalars(select(models.Escalation.person_id))) | set(
            session.scalars(select(models.MissedContactEpisode.person_id))
        )
    return next(r.person_id for r in ws.caseload.rows() if r.person_id not in busy)


def _note(ws: Workspace, clock: FixedClock, pid: uuid.UUID, at: datetime, outcome: Outcome, text: str) -> None:
    clock.set(at + timedelta(minutes=15))
    ws.notes.record(NoteDraft(pid, at, at + timedelta(minutes=10), ContactMethod.PHONE, outcome, text))


def _welfare_check(ws: Workspace, clock: FixedClock) -> tuple[uuid.UUID, Escalation]:
    pid = _fresh_person(ws)
    _note(ws, clock, pid, MONDAY_10, Outcome.NO_ANSWER, "No answer")
    _note(ws, clock, pid, MONDAY_10 + timedelta(hours=30), Outcome.NO_ANSWER, "No answer again")
    (check,) = ws.escalations.for_person(pid)
    return pid, check


def _act(ws: Workspace, check: Escalation, node: str, kind: ActionKind, reached: bool, **extra: object) -> Escalation:
    return ws.escalations.record_action(check.id, ActionDraft(node, kind, reached, **extra))[0]


def test_finding_1_a_welfare_check_with_nobody_reached_does_not_close_without_a_reason(workspace, clock) -> None:
    ws = workspace
    pid, check = _welfare_check(ws, clock)
    check = _act(ws, check, "notify-manager", ActionKind.PHONED, False, contact_id="eastmoor-duty-manager",
                 outcome="Not reached")  # fmt: skip
    check, _ = ws.escalations.set_follow_up(check.id, clock.now() + timedelta(hours=4), "Sam Okafor")
    before = len(ws.escalations.get(check.id).actions)
    with pytest.raises(InvalidInput, match="no contact with the person"):
        ws.escalations.close(check.id, EscalationOutcome.CONTACT_RE_ESTABLISHED)
    with pytest.raises(InvalidInput, match="Nobody who can act"):
        ws.escalations.close(check.id, EscalationOutcome.NO_CONTACT_ONGOING)
    assert len(ws.escalations.get(check.id).actions) == before, "nothing recorded by a refused close"
    assert ws.escalations.get(check.id).is_open
    assert any(r.person_id == pid and r.open_escalations for r in ws.caseload.rows())

    closed, _ = ws.escalations.close(
        check.id, EscalationOutcome.WELFARE_CONFIRMED_BY_THIRD_PARTY, "Person seen by police — welfare confirmed"
    )
    assert not closed.is_open and not closed.reached_anyone
    assert closed.closing_reason == "Person seen by police — welfare confirmed", "the reason is kept on the record"


def test_finding_1_contact_re_established_needs_contact_with_the_person(workspace, clock) -> None:
    ws = workspace
    _, check = _welfare_check(ws, clock)
    check = _act(ws, check, "notify-manager", ActionKind.PHONED, True, contact_id="eastmoor-duty-manager",
                 contact_reached="Gareth Lowe, duty manager")  # fmt: skip
    check, _ = ws.escalations.set_follow_up(check.id, clock.now() + timedelta(hours=4), "Sam Okafor")
    assert check.reached_anyone
    with pytest.raises(InvalidInput, match="no contact with the person"):
        ws.escalations.close(check.id, EscalationOutcome.CONTACT_RE_ESTABLISHED)
    # A reached re-attempt at the pathway's own "try the person" step is contact with them.
    check = _act(ws, check, "attempt-contact", ActionKind.PHONED, True, outcome="Answered; safe at home")
    closed, _ = ws.escalations.close(check.id, EscalationOutcome.CONTACT_RE_ESTABLISHED)
    assert closed.outcome is EscalationOutcome.CONTACT_RE_ESTABLISHED


def test_finding_1_a_signed_note_of_contact_since_the_concern_counts_as_contact(workspace, clock) -> None:
    ws = workspace
    pid, check = _welfare_check(ws, clock)
    check = _act(ws, check, "notify-manager", ActionKind.PHONED, True, contact_id="eastmoor-duty-manager")
    check, _ = ws.escalations.set_follow_up(check.id, clock.now() + timedelta(hours=4), "Sam Okafor")
    _note(ws, clock, pid, check.identified_at + timedelta(hours=1), Outcome.SPOKEN_TO, "Spoke to them; safe")
    closed, _ = ws.escalations.close(check.id, EscalationOutcome.CONTACT_RE_ESTABLISHED)
    assert not closed.is_open


@pytest.mark.parametrize(
    ("kind", "extra"),
    [
        (ActionKind.DONE, {"contact_reached": "Sam Okafor (me)"}),
        (ActionKind.OTHER, {"contact_reached": "Their sister, Jo"}),
        (ActionKind.PHONED, {"contact_reached": "Somebody", "contact_id": None}),
        (ActionKind.PHONED, {"contact_id": "samaritans", "contact_reached": "Samaritans volunteer"}),
    ],
)
def test_finding_2_only_a_contact_who_can_act_clears_nobody_told(workspace, clock, kind, extra) -> None:
    ws = workspace
    _, check = _welfare_check(ws, clock)
    check = _act(ws, check, "notify-manager", kind, True, **extra)
    assert not check.reached_anyone, "nobody who can act has been told"
    assert [a.contact_reached for a in check.reached_others] == [extra["contact_reached"]], "recorded and shown"
    check = _act(ws, check, "notify-manager", ActionKind.PHONED, True, contact_id="eastmoor-duty-manager")
    assert check.reached_anyone


def test_an_unknown_stored_action_kind_reads_as_other_and_never_crashes() -> None:
    """The committed v1 store has an action of kind 'contact', which today's kinds do not know."""
    now = datetime(2026, 11, 1, tzinfo=UTC)
    row = models.EscalationAction(
        id=uuid.uuid4(), escalation_id=uuid.uuid4(), person_id=uuid.uuid4(), author_id=uuid.uuid4(),
        device_id=uuid.uuid4(), created_at=now, at=now, node_id="duty-worker", kind="contact", reached=True,
        contact_id="eastmoor-duty-worker",
    )  # fmt: skip
    record = ActionRecord.from_row(row)
    assert record.kind is ActionKind.OTHER and record.is_step


def test_finding_6_follow_up_done_is_a_record_and_an_overdue_one_is_work_due_until_done(workspace, clock) -> None:
    ws = workspace
    pid, check = _welfare_check(ws, clock)
    check = _act(ws, check, "notify-manager", ActionKind.PHONED, True, contact_id="eastmoor-duty-manager")
    check = _act(ws, check, "attempt-contact", ActionKind.PHONED, True, outcome="Answered; safe")
    due = clock.now() + timedelta(hours=2)
    check, _ = ws.escalations.set_follow_up(check.id, due, "Sam Okafor")
    check, _ = ws.escalations.close(check.id, EscalationOutcome.CONTACT_RE_ESTABLISHED)

    def row() -> int:
        return next(r for r in ws.caseload.rows() if r.person_id == pid).overdue_actions

    before = row()
    clock.set(due + timedelta(minutes=1))
    assert row() == before + 1, "a closed escalation's overdue follow-up is still work due"
    assert next(r for r in ws.caseload.rows() if r.person_id == pid).has_work_due

    with pytest.raises(InvalidInput, match="who"):
        ws.escalations.follow_up_done(check.id, " ", "Visited; settled")
    with pytest.raises(InvalidInput, match="outcome"):
        ws.escalations.follow_up_done(check.id, "Sam Okafor", "")
    pending = ws.outbox_pending()
    done_at = due - timedelta(minutes=10)
    check, _ = ws.escalations.follow_up_done(check.id, "Sam Okafor", "Visited; settled; plan reviewed", at=done_at)
    assert check.follow_up_done_at == done_at and check.follow_up_done_by == "Sam Okafor"
    assert check.follow_up_outcome == "Visited; settled; plan reviewed"
    assert ws.outbox_pending() == pending + 1
    assert row() == before, "done: no longer due"
    assert overdue([], [], clock.now(), [due]).follow_ups == 1, "the one-person rule counts the same"
    with ws.store.sessions() as session:
        (item,) = [i for i in session.scalars(select(models.OutboxItem)) if i.payload.get("event") == "follow_up_done"]
    assert item.payload["contact_reached"] == "Sam Okafor" and item.payload["outcome"].startswith("Visited")

    # A new follow-up set after it is due again until it too is done.
    check, _ = ws.escalations.set_follow_up(check.id, clock.now() + timedelta(hours=1), "Sam Okafor")
    assert check.follow_up_done_at is None and row() == before
    clock.set(clock.now() + timedelta(hours=2))
    assert row() == before + 1


def test_the_work_due_order_agrees_a_sister_reached_is_still_nobody_told(workspace, clock) -> None:
    from app.work_due import DueKind

    ws = workspace
    pid, check = _welfare_check(ws, clock)
    _act(ws, check, "notify-manager", ActionKind.OTHER, True, contact_reached="Their sister, Jo")
    row = next(r for r in ws.caseload.rows() if r.person_id == pid)
    assert row.due.kind is DueKind.ESCALATION_REACHED_NOBODY
    _act(ws, check, "notify-manager", ActionKind.PHONED, True, contact_id="eastmoor-duty-manager")
    row = next(r for r in ws.caseload.rows() if r.person_id == pid)
    assert row.due.kind is not DueKind.ESCALATION_REACHED_NOBODY


def test_the_work_due_order_lists_a_closed_escalations_overdue_follow_up_until_done(workspace, clock) -> None:
    from app.work_due import DueKind

    ws = workspace
    pid, check = _welfare_check(ws, clock)
    check = _act(ws, check, "notify-manager", ActionKind.PHONED, True, contact_id="eastmoor-duty-manager")
    _note(ws, clock, pid, check.identified_at + timedelta(minutes=30), Outcome.SPOKEN_TO, "Spoke to them; safe")
    due = clock.now() + timedelta(hours=2)
    check, _ = ws.escalations.set_follow_up(check.id, due, "Sam Okafor")
    check, _ = ws.escalations.close(check.id, EscalationOutcome.CONTACT_RE_ESTABLISHED)
    clock.set(due + timedelta(hours=1))
    row = next(r for r in ws.caseload.rows() if r.person_id == pid)
    assert row.due.kind is DueKind.OTHER_OVERDUE and row.due.since == due
    ws.escalations.follow_up_done(check.id, "Sam Okafor", "Visited; settled")
    row = next(r for r in ws.caseload.rows() if r.person_id == pid)
    assert row.due.since != due


def test_finding_1_a_note_of_contact_marked_entered_in_error_is_not_contact(workspace, clock) -> None:
    """A note entered in error (the wrong person, or it never happened) must not let a welfare check close as
    'contact re-established': nobody has actually been in touch with this person."""
    from app.contact_notes import AmendmentKind

    ws = workspace
    pid, check = _welfare_check(ws, clock)
    check = _act(ws, check, "notify-manager", ActionKind.PHONED, True, contact_id="eastmoor-duty-manager")
    check, _ = ws.escalations.set_follow_up(check.id, clock.now() + timedelta(hours=4), "Sam Okafor")
    _note(ws, clock, pid, check.identified_at + timedelta(hours=1), Outcome.SEEN, "Seen at home")
    seen = next(n for n in ws.notes.timeline(pid) if n.outcome is Outcome.SEEN)
    ws.notes.amend(seen.id, AmendmentKind.ENTERED_IN_ERROR, "Wrong person's record", "This visit was to someone else")
    with pytest.raises(InvalidInput, match="no contact with the person"):
        ws.escalations.close(check.id, EscalationOutcome.CONTACT_RE_ESTABLISHED)


def test_recording_a_follow_up_done_is_refused_in_words_that_name_the_field(workspace, clock) -> None:
    """Each refusal names the field the worker must correct, and says what is wrong, whole."""
    ws = workspace
    _pid, check = _welfare_check(ws, clock)

    def refused(**given: object) -> tuple[str, str]:
        args = {"who": "Sam Okafor", "outcome": "Visited; settled"} | given
        with pytest.raises(InvalidInput) as refusal:
            ws.escalations.follow_up_done(check.id, args.pop("who"), args.pop("outcome"), **args)  # type: ignore[arg-type]
        return refusal.value.field, refusal.value.problem

    assert refused(who=" ") == ("Done by", "say who did the follow-up")
    assert refused(outcome="") == ("Follow-up outcome", "say what came of the follow-up")
    assert refused() == ("Follow-up", "no follow-up has been set for this escalation")
    ws.escalations.set_follow_up(check.id, clock.now() + timedelta(hours=2), "Sam Okafor")
    early = check.identified_at - timedelta(minutes=5, seconds=1)
    assert refused(at=early) == ("When it was done", "is before the concern was identified")
    assert refused(at=clock.now() + timedelta(minutes=6)) == ("When it was done", "is in the future")
    with pytest.raises(NotFound, match=r"^That escalation is not on this device\.$"):
        ws.escalations.follow_up_done(uuid.UUID(int=0xDEAD), "Sam Okafor", "Visited; settled")
    # Five minutes' difference between clocks is allowed, to the second.
    ws.escalations.follow_up_done(check.id, "Sam Okafor", "Visited", at=check.identified_at - timedelta(minutes=5))
    assert refused() == ("Follow-up", "is already recorded as done; set a new follow-up first")
