"""Build the demo organisation into an empty store: deterministic for a given seed and ``now``.

Two teams, a handful of staff, and the demo worker's caseload with safety plans, contact histories,
safety reviews and planned contacts. One person has two recent missed contacts (and an open
missed-contact episode); one has an open escalation; one has a planned contact past due.
Rows are written in bulk so 10,000 persons build in seconds. That is data pulled from the organisation,
so it does not go into the outbox; the worker's own recent work (the escalation, the welfare check the
missed-contact policy raises) is recorded through the services and waits in the outbox like real work.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import insert

from app.clock import FixedClock
from app.escalations import ActionDraft, ActionKind, EscalationDraft, EscalationService
from app.hours import LONDON
from app.nhs_number import check_digit
from app.pathways import NodeType
from app.safety_plans import Step
from app.workspace import Workspace
from resources.demo import content as c
from storage import models

ORGANISATION = "Northmoor Community Mental Health Services (demo)"
TEAMS = (("Eastmoor Community Mental Health Team", "eastmoor"), ("Westdale Community Mental Health Team", "westdale"))
DEMO_WORKER = "Sam Okafor"
OTHER_TEAM_WORKER = "Chidi Obi"  # Westdale's worker, who holds its persons
# A person's own team's line, as their plan's step 5 lists it.
EASTMOOR_DUTY_LINE = ("Eastmoor team duty worker", "01632 960101")
WESTDALE_DUTY_LINE = ("Westdale team duty worker", "01632 960111")
# Demo visits and calls are planned in the team's working hours (London, Monday to Friday), on the hour.
FIRST_SLOT, LAST_SLOT = 9, 16


@dataclass(frozen=True, slots=True)
class DemoSummary:
    organisation_id: uuid.UUID
    worker_id: uuid.UUID
    device_id: uuid.UUID
    persons: int
    missed_contacts_person_id: uuid.UUID | None
    escalation_person_id: uuid.UUID | None


class _Ids:
    """Deterministic UUIDv7-shaped ids from the seeded generator, so the same seed gives the same store."""

    def __init__(self, rng: random.Random, now: datetime) -> None:
        self._rng = rng
        self._ms = int(now.timestamp() * 1000) - 400 * 86_400_000

    def __call__(self) -> uuid.UUID:
        self._ms += 1
        value = self._ms << 80 | 0x7 << 76 | self._rng.getrandbits(12) << 64 | 0b10 << 62 | self._rng.getrandbits(62)
        return uuid.UUID(int=value)


def _nhs_number(rng: random.Random, used: set[str]) -> str:
    while True:
        first = "999" + "".join(str(rng.randrange(10)) for _ in range(6))
        check = check_digit(first)
        if check is not None and first + str(check) not in used:
            used.add(first + str(check))
            return first + str(check)


def _drama_mobile(rng: random.Random) -> str:
    return f"07700 900{rng.randrange(1000):03d}"


def populate(
    workspace: Workspace,
    persons: int = 40,
    seed: int = 7,
    now: datetime | None = None,
    other_team_persons: int = 0,
) -> DemoSummary:
    """The demo organisation into ``workspace``: ``persons`` of Eastmoor, all on the demo worker's caseload.

    ``other_team_persons``: as many Westdale persons, on its own worker's caseload. Only the server's demo
    asks for them (it holds the whole organisation); a laptop holds only what its user may see, so the
    worker's and the lead's demo laptops leave them out."""
    if persons < 2:
        raise ValueError("the demo needs at least two persons")
    now = now or datetime.now(UTC)
    rng = random.Random(seed)
    new_id = _Ids(rng, now)
    rows: dict[type[models.Base], list[dict[str, Any]]] = {}

    def add(model: type[models.Base], **values: Any) -> uuid.UUID:
        values.setdefault("id", new_id())
        rows.setdefault(model, []).append(values)
        return values["id"]

    org = add(models.Organisation, name=ORGANISATION)
    teams = [add(models.Team, organisation_id=org, name=name, area=area, nation="england") for name, area in TEAMS]
    worker = add(
        models.Staff, organisation_id=org, team_id=teams[0], name=DEMO_WORKER, role="worker", phone="01632 960101"
    )
    staff: dict[str, uuid.UUID] = {}
    for name, role, team in (
        ("Priya Natarajan", "team_lead", teams[0]),
        ("Gareth Lowe", "duty", teams[0]),
        ("Morag Ellison", "admin", teams[0]),
        (OTHER_TEAM_WORKER, "worker", teams[1]),
        ("Hannah Fry", "team_lead", teams[1]),
    ):
        staff[name] = add(models.Staff, organisation_id=org, team_id=team, name=name, role=role, phone=None)
    device = add(
        models.Device,
        staff_id=worker,
        enrolled_at=now - timedelta(days=90),
        last_sync_at=None,  # the demo has never synced: the status bar and plan states only real facts
        revoked_at=None,
    )

    used_nhs: set[str] = set()
    missed_pid = escalation_pid = None
    for index in range(persons):
        pid, helpers = _person(add, rows, rng, org, teams[0], TEAMS[0][1], used_nhs, now)
        add(
            models.Assignment,
            staff_id=worker,
            person_id=pid,
            role="lead",
            starts_at=now - timedelta(days=180),
            ends_at=None,
        )
        add(
            models.SharingPreference,
            person_id=pid,
            recipient=helpers[0][0],
            what="Whether I am safe, not details",
            decision="agreed",
            confidentiality_limits_explained=True,
            recorded_at=now - timedelta(days=150),
            review_due=(now + timedelta(days=30 + rng.randrange(120))).date(),
        )
        plan_rev = _safety_plan(add, rng, pid, worker, device, helpers, now)

        kind = {1: "missed", 2: "escalation", 3: "overdue"}.get(index, "usual")
        _contact_history(add, rng, pid, worker, device, plan_rev, now, kind)
        if kind == "missed":
            missed_pid = pid
        elif kind == "escalation":
            escalation_pid = pid
        _safety_review(add, rng, pid, worker, device, now)
    if other_team_persons:
        _other_team(add, rows, org, teams[1], staff[OTHER_TEAM_WORKER], other_team_persons, seed, used_nhs, now)

    with workspace.store.sessions.begin() as session:
        for model in (
            models.Organisation,
            models.Team,
            models.Staff,
            models.Device,
            models.Person,
            models.Assignment,
            models.SharingPreference,
            models.SafetyPlan,
            models.SafetyPlanRevision,
            models.PlannedContact,
            models.ContactNote,
            models.SafetyReview,
        ):
            if rows.get(model):
                session.execute(insert(model), rows[model])
    workspace.set_identity(org, worker, device)
    # The worker's own recent work goes through the services, exactly as if recorded on this laptop: the
    # missed-contact policy raises its welfare check, and the escalation walks the pathway for its time.
    if missed_pid is not None:
        workspace.missed_contacts.apply(missed_pid)
    if escalation_pid is not None:
        _recent_escalation(workspace, escalation_pid, now)
    return DemoSummary(org, worker, device, persons, missed_pid, escalation_pid)


def _person(
    add: Any,
    rows: dict[type[models.Base], list[dict[str, Any]]],
    rng: random.Random,
    org: uuid.UUID,
    team: uuid.UUID,
    area: str,
    used_nhs: set[str],
    now: datetime,
) -> tuple[uuid.UUID, list[tuple[str, str, str]]]:
    """One person of ``team`` with their support network: the person's id and their two helpers."""
    given = c.GIVEN_NAMES[rng.randrange(len(c.GIVEN_NAMES))]
    family = c.FAMILY_NAMES[rng.randrange(len(c.FAMILY_NAMES))]
    pid = add(
        models.Person,
        organisation_id=org,
        team_id=team,
        given_name=given,
        family_name=family,
        preferred_name=c.PREFERRED_SUFFIX_NICKNAMES.get(given, given) + " " + family,
        pronouns=rng.choice(c.PRONOUNS),
        date_of_birth=date(1950 + rng.randrange(55), 1 + rng.randrange(12), 1 + rng.randrange(28)),
        nhs_number=_nhs_number(rng, used_nhs),
        address=f"{1 + rng.randrange(120)} {rng.choice(c.STREETS)}, {rng.choice(c.TOWNS)}",
        nation="england",
        area=area,
        contact_methods=_contact_methods(rng),
        support_network=[],
        communication_needs=rng.sample(c.COMMUNICATION_NEEDS, k=rng.choice((0, 0, 1, 1, 2))),
        contact_frequency_days=rng.choice((3, 7, 7, 14)),
        created_at=now - timedelta(days=200 + rng.randrange(200)),
    )
    helpers = [(name, rel, _drama_mobile(rng)) for name, rel in rng.sample(c.HELPERS, k=2)]
    # The first helper is the plan's "contact first" and the one they agreed may be told: the team may
    # contact them, so the re-contact routes and the plan agree (the draw is kept: same seed, same demo).
    rows[models.Person][-1]["support_network"] = [
        {"name": name, "relationship": rel, "phone": phone, "may_contact": rng.random() < 0.7 or i == 0}
        for i, (name, rel, phone) in enumerate(helpers)
    ]
    return pid, helpers


def _other_team(
    add: Any,
    rows: dict[type[models.Base], list[dict[str, Any]]],
    org: uuid.UUID,
    team: uuid.UUID,
    worker: uuid.UUID,
    persons: int,
    seed: int,
    used_nhs: set[str],
    now: datetime,
) -> None:
    """Westdale's few persons, held by its own worker, each with a plan, recent contacts and a review: people
    outside the Eastmoor duty worker's cover, for the night-shift story (break-glass). A generator of their
    own, so their NHS numbers (the README names the first) do not move with how many Eastmoor persons there
    are; their worker's own laptop wrote their records."""
    rng = random.Random(f"westdale-{seed}")
    device = add(
        models.Device, staff_id=worker, enrolled_at=now - timedelta(days=90), last_sync_at=None, revoked_at=None
    )
    for _ in range(persons):
        pid, helpers = _person(add, rows, rng, org, team, TEAMS[1][1], used_nhs, now)
        add(
            models.Assignment,
            staff_id=worker,
            person_id=pid,
            role="lead",
            starts_at=now - timedelta(days=180),
            ends_at=None,
        )
        plan_rev = _safety_plan(add, rng, pid, worker, device, helpers, now, WESTDALE_DUTY_LINE)
        _contact_history(add, rng, pid, worker, device, plan_rev, now, "usual")
        _safety_review(add, rng, pid, worker, device, now, owner=OTHER_TEAM_WORKER)


def _contact_methods(rng: random.Random) -> list[dict[str, Any]]:
    methods = [
        {"channel": "phone", "value": _drama_mobile(rng), "safe_to_leave_message": rng.random() < 0.6},
        {"channel": "text", "value": _drama_mobile(rng), "safe_to_leave_message": True},
        {"channel": "visit", "value": "Home", "safe_to_leave_message": False},
    ]
    rng.shuffle(methods)
    return methods


def _safety_plan(
    add: Any,
    rng: random.Random,
    pid: uuid.UUID,
    worker: uuid.UUID,
    device: uuid.UUID,
    helpers: list[tuple[str, str, str]],
    now: datetime,
    duty_line: tuple[str, str] = EASTMOOR_DUTY_LINE,
) -> uuid.UUID:
    plan_id = uuid.uuid4()
    rev_id = add(
        models.SafetyPlanRevision,
        plan_id=plan_id,
        person_id=pid,
        parent_ids=[],
        author_id=worker,
        device_id=device,
        created_at=now - timedelta(days=20 + rng.randrange(60)),
        co_produced=True,
        shared_with=[helpers[0][0]],
        sections=_sections(rng, helpers, duty_line),
        preferences={
            "how_to_support": rng.choice(c.HOW_TO_SUPPORT),
            "contact_first": f"{helpers[0][0]} ({helpers[0][1]})",
            "do_not_contact": rng.choice(("My father", "My ex-partner", "Anyone at my work", "")),
            "communication_style": "",
        },
        change_summary="Plan written together at a home visit.",
    )
    add(models.SafetyPlan, id=plan_id, person_id=pid, head_revision_id=rev_id)
    return rev_id


def _sections(
    rng: random.Random, helpers: list[tuple[str, str, str]], duty_line: tuple[str, str]
) -> list[dict[str, Any]]:
    def items(pool: tuple[str, ...], k: int) -> list[dict[str, Any]]:
        return [{"text": t, "phone": None, "hours": None} for t in rng.sample(pool, k=k)]

    return [
        {"step": Step.WARNING_SIGNS, "items": items(c.WARNING_SIGNS, 3)},
        {"step": Step.INTERNAL_COPING, "items": items(c.COPING, 3)},
        {"step": Step.DISTRACTION, "items": items(c.DISTRACTION, 2)},
        {
            "step": Step.HELP_PEOPLE,
            "items": [{"text": f"{name} ({rel})", "phone": phone, "hours": None} for name, rel, phone in helpers],
        },
        {
            "step": Step.PROFESSIONALS,
            "items": [
                # The person's own team; national lines for their nation are added from the directory
                # wherever the plan is shown, so a changed number is corrected in one place.
                {"text": duty_line[0], "phone": duty_line[1], "hours": "Mon–Fri 09:00–17:00"},
                {"text": "Moorland crisis team", "phone": "01632 960200", "hours": "24 hours"},
            ],
        },
        {"step": Step.SAFE_ENVIRONMENT, "items": items(c.SAFE_ENVIRONMENT, 2)},
        {"step": Step.REASONS_FOR_LIVING, "items": items(c.REASONS, 2)},
        {"step": Step.STAFF_ACTIONS, "items": items(c.STAFF_ACTIONS, 2)},
        {
            "step": Step.ESCALATION_STEPS,
            "items": [
                {"text": f"Call {helpers[0][0]}", "phone": None, "hours": None},
                {
                    "text": "Call the CMHT duty worker (in hours) or the Crisis Resolution Team (out of hours)",
                    "phone": None,
                    "hours": None,
                },
                {"text": "If in immediate danger, call 999", "phone": "999", "hours": "24 hours"},
            ],
        },
    ]


def _contact_history(
    add: Any,
    rng: random.Random,
    pid: uuid.UUID,
    worker: uuid.UUID,
    device: uuid.UUID,
    rev: uuid.UUID,
    now: datetime,
    kind: str,
) -> None:
    start = now - timedelta(days=60)
    when = start + timedelta(hours=rng.randrange(72))
    while when < now - timedelta(days=5):
        seen = rng.random() < 0.6
        _note(
            add,
            rng,
            pid,
            worker,
            device,
            rev,
            _working_slot(when, FIRST_SLOT + when.hour % 8),  # in working hours, a day or two on at most
            method="home_visit" if seen else "phone",
            outcome="seen" if seen else "spoken_to",
        )
        when += timedelta(days=5 + rng.randrange(6), hours=rng.randrange(-3, 4))
    if kind == "missed":
        for at in _missed_visits(now):
            planned = add(
                models.PlannedContact,
                person_id=pid,
                staff_id=worker,
                due_at=at,
                method="home_visit",
                created_at=at - timedelta(days=4),
                author_id=worker,
                device_id=device,
                window_end=None,
                with_whom="",
                purpose="Weekly visit",
                contact_plan_id=None,
            )
            _note(
                add,
                rng,
                pid,
                worker,
                device,
                rev,
                at,
                method="home_visit",
                outcome=rng.choice(("no_answer", "not_at_home")),
                planned=planned,
                narrative=rng.choice(c.NARRATIVES_MISSED),
            )
    # Everyone has a next planned contact; some are already past due with no note.
    due = _working_slot(now + timedelta(days=1 + rng.randrange(10)), FIRST_SLOT + rng.randrange(8))
    if kind == "overdue" or rng.random() < 0.1:
        due = working_slot_before(now - timedelta(hours=2 + rng.randrange(30)))
    add(
        models.PlannedContact,
        person_id=pid,
        staff_id=worker,
        due_at=due,
        method=rng.choice(("home_visit", "phone")),
        created_at=now - timedelta(days=3),
        author_id=worker,
        device_id=device,
        window_end=None,
        with_whom="",
        purpose="Regular contact",
        contact_plan_id=None,
    )


def _missed_visits(now: datetime) -> tuple[datetime, datetime]:
    """Two planned visits missed in working hours, the second the latest slot before the last few hours and
    well within 48 hours of the first (so the missed-contact policy raises its welfare check)."""
    second = working_slot_before(now - timedelta(hours=7))
    local = second.astimezone(LONDON)
    if local.hour >= 14:
        first = second - timedelta(hours=local.hour - 10)  # the same day at 10:00
    elif local.weekday() == 0:
        # A Monday morning: the Friday before would be more than 48 hours back; both fall on that Friday.
        second = working_slot_before(second - timedelta(hours=local.hour + 1))
        first = second - timedelta(hours=6)
    else:
        # The working day before, at 15:00.
        first = working_slot_before(second - timedelta(hours=local.hour + 1)) - timedelta(hours=1)
    return first, second


def _working_slot(day: datetime, hour: int) -> datetime:
    """``hour`` o'clock (London) on ``day``'s date, moved on to the Monday when that is a weekend."""
    local = day.astimezone(LONDON).date()
    while local.weekday() >= 5:
        local += timedelta(days=1)
    return datetime.combine(local, time(hour), LONDON).astimezone(UTC)


def working_slot_before(at: datetime) -> datetime:
    """The latest working-hours slot on the hour at or before ``at``."""
    local = at.astimezone(LONDON)
    day, hour = local.date(), min(local.hour, LAST_SLOT)
    if local.hour < FIRST_SLOT:
        day, hour = day - timedelta(days=1), LAST_SLOT
    while day.weekday() >= 5:
        day, hour = day - timedelta(days=1), LAST_SLOT
    return datetime.combine(day, time(hour), LONDON).astimezone(UTC)


def _note(
    add: Any,
    rng: random.Random,
    pid: uuid.UUID,
    worker: uuid.UUID,
    device: uuid.UUID,
    rev: uuid.UUID,
    at: datetime,
    *,
    method: str,
    outcome: str,
    planned: uuid.UUID | None = None,
    narrative: str | None = None,
) -> uuid.UUID:
    duration = timedelta(minutes=10 if method == "phone" else 45)
    if narrative is None:
        narrative = rng.choice(c.NARRATIVES_SEEN if method == "home_visit" else c.NARRATIVES_PHONE)
    steps = sorted(rng.sample((1, 2, 3, 4, 5), k=rng.choice((0, 1, 2)))) if outcome in ("seen", "spoken_to") else []
    return add(
        models.ContactNote,
        person_id=pid,
        author_id=worker,
        device_id=device,
        planned_contact_id=planned,
        contact_start=at,
        contact_end=at + duration,
        recorded_at=at + duration + timedelta(minutes=20),
        late_entry=False,
        late_entry_reason=None,
        method=method,
        outcome=outcome,
        narrative=narrative,
        plan_revision_id=rev,
        plan_steps_used=steps,
        next_action="Visit as planned" if method == "home_visit" else "Call again as planned",
        next_action_due=None,
        signed_at=at + duration + timedelta(minutes=21),
    )


def _safety_review(
    add: Any,
    rng: random.Random,
    pid: uuid.UUID,
    worker: uuid.UUID,
    device: uuid.UUID,
    now: datetime,
    owner: str = DEMO_WORKER,
) -> None:
    changed, account = rng.choice(c.REVIEW_CHANGES)
    add(
        models.SafetyReview,
        person_id=pid,
        author_id=worker,
        device_id=device,
        created_at=now - timedelta(days=10 + rng.randrange(30)),
        trigger=rng.choice(("care_plan_review", "significant_life_event", "medication_change", "initial_engagement")),
        what_changed=changed,
        persons_account=account,
        why_it_matters="Isolation and poor sleep have come before previous crises for them.",
        current_concerns="Fewer contacts with friends; more time alone in the evenings.",
        protective_factors="Close to their sister; engaged with the team; wants to return to work.",
        next_steps=[
            {
                "action": "Increase contact to twice weekly for two weeks",
                "owner": owner,
                "due": (now + timedelta(days=14)).date().isoformat(),
            }
        ],
        plan_reviewed=True,
        plan_review_note="Reviewed together; warning signs still fit.",
        threshold_criteria=[],
    )


def _recent_escalation(workspace: Workspace, pid: uuid.UUID, now: datetime) -> None:
    identified = now - timedelta(hours=5)
    clock = FixedClock(identified)
    assert workspace.config is not None
    service = EscalationService(workspace.uow, clock, workspace.actor, workspace.config)
    esc, _ = service.start(
        EscalationDraft(
            pid,
            ["sudden-deterioration"],
            "On the phone they sounded very different from last week: not sleeping, talking about giving "
            "their things away. Said they did not have a plan but could not promise to stay safe.",
            identified,
        )
    )
    for minutes in (2, 10, 30, 45):
        clock.set(identified + timedelta(minutes=minutes))
        node = esc.walk.current
        if node.type is NodeType.QUESTION:
            # Nobody's life at risk right now; after that, the duty worker agrees the next step is needed.
            label = "No" if node.id == esc.pathway.start else "Yes"
            esc, _ = service.answer(esc.id, node.id, label)
        elif node.type is NodeType.ACTION:
            offer = service.call_now(esc)[0].best
            esc, _ = service.record_action(
                esc.id,
                ActionDraft(
                    node.id,
                    ActionKind.PHONED,
                    reached=True,
                    contact_id=offer.entry.id if offer else None,
                    contact_reached=f"{offer.entry.service if offer else 'Duty worker'} (Gareth Lowe)",
                    outcome="Agreed a same-day joint visit with the crisis team",
                    information_shared="Current presentation, criteria met, current safety plan",
                    sharing_basis="Consent given on the call",
                ),
            )
    service.set_follow_up(esc.id, now + timedelta(hours=19), DEMO_WORKER)
