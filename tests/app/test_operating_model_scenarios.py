"""The three operational examples of the suicide and self-harm operating model
(../shared/seeds/suicide-risk-and-self-harm-operating-model.txt), driven headless through the services
as a worker would, asserting what is recorded, when, and against which timescales."""

import uuid
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from app.clock import FixedClock
from app.contact_notes import ContactMethod, NoteDraft, Outcome
from app.escalations import ActionDraft, ActionKind, EscalationDraft, EscalationKind, EscalationOutcome
from app.missed_contacts import EpisodeState
from app.persons import Channel
from app.safety_plans import PlanDraft, PlanItem, Preferences, Step
from app.safety_reviews import NextStep, ReviewDraft, TriggerPoint
from app.workspace import Workspace
from storage import models

MONDAY_10 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def _fresh_person(ws: Workspace) -> uuid.UUID:
    with ws.store.sessions() as session:
        busy = set(session.scalars(select(models.Escalation.person_id))) | set(
            session.scalars(select(models.MissedContactEpisode.person_id))
        )
    return next(r.person_id for r in ws.caseload.rows() if r.person_id not in busy)


def _note(ws: Workspace, clock: FixedClock, pid: uuid.UUID, at: datetime, method: ContactMethod, outcome: Outcome,
          text: str, **extra: object) -> None:  # fmt: skip
    clock.set(at + timedelta(minutes=15))
    ws.notes.record(NoteDraft(pid, at, at + timedelta(minutes=10), method, outcome, text, **extra))


def test_1_missed_contacts_and_deterioration_raise_a_timed_welfare_check(workspace: Workspace, clock) -> None:
    ws, pid = workspace, _fresh_person(workspace)
    # Monday 10:00: the planned home visit; no answer.
    _note(ws, clock, pid, MONDAY_10, ContactMethod.HOME_VISIT, Outcome.NO_ANSWER, "No answer at the door")
    status = ws.missed_contacts.status(pid)
    assert status.state is EpisodeState.RECONTACT and status.misses == 1
    assert status.recontact_due == MONDAY_10 + timedelta(minutes=10, hours=24)
    person_methods = [m.channel for m in ws.caseload.open_person(pid).contact_methods]
    assert [r.channel for r in status.routes][: len(person_methods)] == [
        m for m in person_methods if m is not Channel.THIRD_PARTY
    ], "re-contact by the person's preferred methods, in their order"
    assert ws.escalations.for_person(pid) == [], "one miss: re-contact, not a welfare check"

    # Monday 14:00: re-contact by the first preferred method; still nothing. The seed's re-contact attempt
    # after the first miss, not the second missed contact (issue 9, finding 3c): no welfare check yet.
    _note(ws, clock, pid, MONDAY_10 + timedelta(hours=4), ContactMethod.PHONE, Outcome.NO_ANSWER,
          "Phoned; voicemail, message left")  # fmt: skip
    status = ws.missed_contacts.status(pid)
    assert status.state is EpisodeState.RECONTACT and ws.escalations.for_person(pid) == []

    # Tuesday 11:00: the second scheduled contact, a visit; no answer. Second missed contact within 48 h.
    second = MONDAY_10 + timedelta(hours=25)
    _note(ws, clock, pid, second, ContactMethod.HOME_VISIT, Outcome.NO_ANSWER, "No answer at the door again")
    status = ws.missed_contacts.status(pid)
    assert status.state is EpisodeState.WELFARE_CHECK and status.misses == 3
    (check,) = ws.escalations.for_person(pid)
    assert check.kind is EscalationKind.WELFARE_CHECK and check.id == status.welfare_check_id
    assert check.identified_at == second + timedelta(minutes=10) and not check.reached_anyone
    assert str(check.period).startswith("In hours")

    t0 = check.identified_at

    def act(minutes: int, node: str, kind: ActionKind, reached: bool, **extra: object) -> None:
        nonlocal check
        clock.set(t0 + timedelta(minutes=minutes))
        check, _ = ws.escalations.record_action(check.id, ActionDraft(node, kind, reached, **extra))

    act(15, "notify-manager", ActionKind.PHONED, True, contact_id="eastmoor-duty-manager",
        contact_reached="Gareth Lowe, duty manager", outcome="Agreed the welfare check; review by 12:00",
        information_shared="Two missed contacts; recent distress", sharing_basis="Within the care team")  # fmt: skip
    act(40, "review-history", ActionKind.DONE, True, outcome="Isolation preceded previous crises; sister is key")
    act(70, "attempt-contact", ActionKind.TEXTED, False, outcome="Texted and phoned; no reply", move_on=True)
    act(95, "partners", ActionKind.PHONED, True, contact_id="moorland-crisis-team",
        contact_reached="Crisis team coordinator", outcome="Crisis team will visit with police if no contact by 14:00",
        information_shared="Missed contacts, safety plan, address", sharing_basis="Risk to life")  # fmt: skip
    assert check.walk.path == ("notify-manager", "review-history", "attempt-contact", "partners", "follow-up")
    assert all(t.met() for t in check.timeliness()), [t.describe(clock.now()) for t in check.timeliness()]
    assert check.reached_anyone

    # 11:40: the person's sister (agreed third party) puts them on the phone: contact re-established.
    _note(ws, clock, pid, t0 + timedelta(minutes=110), ContactMethod.PHONE, Outcome.SPOKEN_TO,
          "Spoke to them at their sister's; safe; phone had been off", plan_steps_used=[4])  # fmt: skip
    status = ws.missed_contacts.status(pid)
    assert status.state is None
    assert any("review the safety plan" in p for p in status.after_contact)
    assert any("Increase contact" in p for p in status.after_contact)

    clock.set(t0 + timedelta(minutes=130))
    check, _ = ws.escalations.set_follow_up(check.id, t0 + timedelta(days=1), "Sam Okafor")
    check, _ = ws.escalations.close(check.id, EscalationOutcome.CONTACT_RE_ESTABLISHED)
    ws.reviews.record(
        ReviewDraft(pid, TriggerPoint.MISSED_CONTACT, "Two missed contacts; phone off for three days",
                    "Felt low and wanted to be left alone", "Withdrawal is a known warning sign for them",
                    next_steps=[NextStep("Contact every two days for two weeks", "Sam Okafor", date(2026, 12, 8))],
                    plan_reviewed=True, plan_review_note="Added: text the sister if the phone is off")
    )  # fmt: skip
    assert ws.missed_contacts.status(pid).after_contact == (), "prompts end once the review is recorded"
    assert not check.is_open and check.outcome is EscalationOutcome.CONTACT_RE_ESTABLISHED
    assert any(r.person_id == pid for r in ws.caseload.rows()), "never discharged for non-attendance"


def test_2_a_safety_plan_made_usable_is_cited_in_the_notes(workspace: Workspace, clock) -> None:
    ws, pid = workspace, _fresh_person(workspace)
    base = ws.plans.current(pid)
    plan, _ = ws.plans.revise(
        PlanDraft(
            pid,
            base.id if base else None,
            {
                Step.WARNING_SIGNS: [PlanItem("Sleep going wrong"), PlanItem("Withdrawing"), PlanItem("Missed meals")],
                Step.INTERNAL_COPING: [PlanItem("Puzzle books for 20 minutes"), PlanItem("5-4-3-2-1 grounding")],
                Step.HELP_PEOPLE: [PlanItem("Jo (friend)", phone="07700 900123", hours="evenings")],
                Step.STAFF_ACTIONS: [PlanItem("Same-day check-in if warning signs appear"),
                                     PlanItem("Extra call the next day for a week")],
                Step.ESCALATION_STEPS: [PlanItem("Duty worker", phone="01632 960101", hours="Mon–Fri 9–5")],
            },
            Preferences(how_to_support="Short visits; text before you come", contact_first="Jo"),
            co_produced=True,
            change_summary="Rebuilt with them after the housing letter",
        )
    )  # fmt: skip
    at = datetime(2026, 11, 25, 11, 0, tzinfo=UTC)
    _note(ws, clock, pid, at, ContactMethod.PHONE, Outcome.SPOKEN_TO,
          "Sleep disrupted since the housing letter. Used Step 2 coping actions; agreed extra call tomorrow.",
          plan_steps_used=[2, 8], next_action="Extra call", next_action_due=at + timedelta(days=1))  # fmt: skip
    (latest, *_) = ws.notes.timeline(pid)
    assert latest.plan_revision_id == plan.id, "the note cites the plan version current at the time"
    assert latest.plan_steps_used == (2, 8) and latest.next_action_due == at + timedelta(days=1)
    assert ws.plans.current(pid).section(Step.STAFF_ACTIONS).items[0].text.startswith("Same-day check-in")
    assert ws.plans.current(pid).co_produced


def test_3_multi_agency_coordination_during_relapse(workspace: Workspace, clock) -> None:
    ws, pid = workspace, _fresh_person(workspace)
    t0 = datetime(2026, 11, 24, 13, 0, tzinfo=UTC)  # Tuesday, in hours
    clock.set(t0 + timedelta(minutes=5))
    esc, _ = ws.escalations.start(
        EscalationDraft(pid, ["sudden-deterioration", "other-clinical-judgement"],
                        "Drinking daily again, alone in the flat, missed medication for 3 days: the shared "
                        "triggers agreed with the recovery service are all met.", identified_at=t0)
    )  # fmt: skip
    assert esc.pathway.id == "moorland-in-hours" and not esc.reached_anyone

    def at(minutes: int) -> datetime:
        clock.set(t0 + timedelta(minutes=minutes))
        return t0 + timedelta(minutes=minutes)

    at(6)
    esc, _ = ws.escalations.answer(esc.id, "danger", "No")
    at(20)
    esc, _ = ws.escalations.record_action(esc.id, ActionDraft(
        "duty-worker", ActionKind.PHONED, True, contact_id="eastmoor-duty-worker", contact_reached="Duty worker",
        outcome="Agreed same-day crisis team involvement"))  # fmt: skip
    at(22)
    esc, _ = ws.escalations.answer(esc.id, "crisis-needed", "Yes")
    at(35)
    esc, _ = ws.escalations.record_action(esc.id, ActionDraft(
        "crisis-team", ActionKind.PHONED, True, contact_id="moorland-crisis-team",
        contact_reached="Crisis team liaison nurse", outcome="Urgent assessment today at 17:00",
        information_shared="Triggers met, safety plan, medication",
        sharing_basis="Consent (sharing agreement)"))  # fmt: skip
    at(50)
    esc, _ = ws.escalations.record_action(esc.id, ActionDraft(
        "follow-up", ActionKind.OTHER, True, contact_id="moorland-recovery-service",
        contact_reached="Recovery worker", outcome="Joint plan: recovery worker visits tomorrow; weekly joint review",
        information_shared="Relapse and the escalation", sharing_basis="Consent (sharing agreement)"))  # fmt: skip
    esc, _ = ws.escalations.set_follow_up(esc.id, t0 + timedelta(days=7), "Sam Okafor (weekly joint review)")

    who = [(a.kind.value, a.contact_id) for a in esc.actions if a.kind not in (ActionKind.ANSWER,)]
    assert who == [
        ("phoned", "eastmoor-duty-worker"),
        ("phoned", "moorland-crisis-team"),
        ("other", "moorland-recovery-service"),
        ("follow_up", None),
    ], "an auditable record of coordinated decisions, not single-agency notes"
    assert all(a.sharing_basis for a in esc.actions if a.information_shared)
    assert {t.node.id: t.met() for t in esc.timeliness()} == {"duty-worker": True, "crisis-team": True}
    assert esc.walk.finished and esc.is_open and esc.follow_up_due == t0 + timedelta(days=7)
