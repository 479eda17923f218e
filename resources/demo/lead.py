"""The demo team lead's store: the demo team's records as a lead's laptop holds them after a sync.

Built from the worker demo (``generator.populate``) in a throwaway store, where more of the team's work is
then recorded through the services as the staff who did it: a second and third worker's notes, a duty
worker's out-of-hours escalation, the lead's own earlier reviews, a supervision and a learning review with
agreed actions (one done, one overdue). Every row is then copied into the lead's store, whose identity is
the team lead's: it all arrived by sync, so nothing waits in the lead's outbox.

The story it tells about syncing holds together, because the lead's screens say it back: the lead's laptop
completed a sync as the demo was made (its record of a last sync and the server's team report have that one
time); each worker's device last synced after everything of theirs the lead holds (Sam and Aisha recently,
Gareth after his night's escalation), except Tom, whose notes are from before his sync two days ago.
"""

from __future__ import annotations

import json
import secrets
import tempfile
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select

from app import sync_health
from app.actions import ActionStatus
from app.clock import FixedClock
from app.contact_notes import ContactMethod, NoteDraft, Outcome
from app.escalations import ActionDraft, ActionKind, EscalationDraft, EscalationService
from app.lead_records import ActionDraft as AgreedActionDraft
from app.lead_records import LearningReviewDraft, PersonDiscussed, SupervisionDraft
from app.workspace import Workspace
from resources.demo.generator import DemoSummary, populate, working_slot_before
from storage import models
from storage.keyfile import KdfParams
from storage.serialise import json_value, record_types

LEAD = "Priya Natarajan"
DUTY = "Gareth Lowe"
MORE_WORKERS = ("Aisha Rahman", "Tom Birch")
LONDON = ZoneInfo("Europe/London")
# Device-local state, never copied: the lead's laptop has its own settings, audit trail and outbox.
_NOT_COPIED = {models.Meta, models.AuditEvent, models.OutboxItem}


@dataclass(frozen=True, slots=True)
class LeadDemoSummary:
    lead_id: uuid.UUID
    device_id: uuid.UUID
    persons: int
    workers: tuple[uuid.UUID, ...]  # whose notes the lead's queue holds
    out_of_hours_escalation_id: uuid.UUID
    welfare_check_person_id: uuid.UUID | None


def populate_lead(
    workspace: Workspace, persons: int = 12, seed: int = 7, now: datetime | None = None
) -> LeadDemoSummary:
    """Fill ``workspace`` (an empty store) with the demo team as its lead's laptop holds it."""
    now = now or datetime.now(ZoneInfo("UTC"))
    with tempfile.TemporaryDirectory(prefix="waymark-lead-demo-") as scratch:
        clock = FixedClock(now)
        team = Workspace.create(Path(scratch) / "team", secrets.token_urlsafe(24), kdf=KdfParams.floor(), clock=clock)
        try:
            summary = populate(team, persons=persons, seed=seed, now=now)
            made = _team_work(team, clock, summary, now)
            rows = _rows(team)
        finally:
            team.close()
    with workspace.store.sessions.begin() as session:
        for model, values in rows:
            if values:
                session.execute(insert(model), values)
    workspace.set_identity(summary.organisation_id, made.lead_id, made.device_id)
    workspace.rebuild_projections()
    _team_health(workspace, now)
    return made


# The sync engine's record of its last complete sync (sync/engine.py LAST_SUCCESS).
_LAST_SUCCESS = "sync.last_success"


def _team_health(workspace: Workspace, now: datetime) -> None:
    """The team report the server sent at the lead's last sync (the demo's making, ``now``): each worker's
    last sync, from the devices the demo made, and one device with a record the server held for review. The
    laptop's own record of that sync is the same time, so every screen says the same."""
    with workspace.store.sessions.begin() as session:
        staff = {s.id: s for s in session.scalars(select(models.Staff))}
        workers = []
        for device in session.scalars(select(models.Device)):
            person = staff.get(device.staff_id)
            if person is not None and person.role in ("worker", "duty"):
                workers.append({"name": person.name, "last_sync_at": json_value(device.last_sync_at)})
        report = {
            "as_of": json_value(now),
            "workers": sorted(workers, key=lambda w: w["name"]),
            "devices": [{"name": f"{DUTY}'s laptop", "quarantined": 1, "unsent": 0},
                        {"name": f"{MORE_WORKERS[1]}'s laptop", "quarantined": 0, "unsent": 3}],
            "break_glass": [],
        }  # fmt: skip
        session.merge(models.Meta(key=sync_health.META_KEY, value=json.dumps(report)))
        session.merge(models.Meta(key=_LAST_SUCCESS, value=now.isoformat()))


def _rows(team: Workspace) -> list[tuple[type[models.Base], list[dict[str, object]]]]:
    out: list[tuple[type[models.Base], list[dict[str, object]]]] = []
    with team.store.sessions() as session:
        for model in record_types():
            if model in _NOT_COPIED:
                continue
            keys = [a.key for a in model.__mapper__.column_attrs]
            out.append((model, [{k: getattr(row, k) for k in keys} for row in session.scalars(select(model))]))
    return out


def _staff(team: Workspace, name: str) -> models.Staff | None:
    with team.store.sessions() as session:
        return session.scalars(select(models.Staff).where(models.Staff.name == name)).first()


def _as(team: Workspace, staff_id: uuid.UUID, org: uuid.UUID, now: datetime, last_sync: datetime) -> uuid.UUID:
    device = uuid.uuid5(staff_id, "demo-laptop")
    with team.store.sessions.begin() as session:
        if session.get(models.Device, device) is None:
            session.add(models.Device(id=device, staff_id=staff_id, enrolled_at=now - timedelta(days=200),
                                      last_sync_at=last_sync, revoked_at=None))  # fmt: skip
    team.set_identity(org, staff_id, device)
    return device


def _team_work(team: Workspace, clock: FixedClock, summary: DemoSummary, now: datetime) -> LeadDemoSummary:
    org = summary.organisation_id
    sam = summary.worker_id
    lead = _staff(team, LEAD)
    duty = _staff(team, DUTY)
    assert lead is not None and duty is not None
    with team.store.sessions.begin() as session:
        home = session.get(models.Staff, sam)
        assert home is not None
        person_ids = list(
            session.scalars(select(models.Person.id).order_by(models.Person.family_name, models.Person.id))
        )
        others = []
        for n, name in enumerate(MORE_WORKERS):
            staff = models.Staff(id=uuid.uuid5(org, name), organisation_id=org, team_id=home.team_id, name=name,
                                 role="worker", phone=None)  # fmt: skip
            session.add(staff)
            session.flush()  # no relationship tells the session that staff come before their assignments
            others.append(staff.id)
            # The team's persons are shared out: every third person is this worker's too.
            for pid in person_ids[n + 3 :: 3]:
                session.add(models.Assignment(
                    id=uuid.uuid5(staff.id, str(pid)), staff_id=staff.id, person_id=pid, role="co-worker",
                    starts_at=now - timedelta(days=60), ends_at=None,
                ))  # fmt: skip
    busy = [p for p in person_ids if p not in (summary.missed_contacts_person_id, summary.escalation_person_id)]

    # The other workers' recent notes (one of them synced two days ago: shown in sync health). Each note was
    # made before its worker's last sync: that sync is how it reached the lead.
    for n, (staff_id, last_sync) in enumerate(
        zip(others, (now - timedelta(hours=2), now - timedelta(days=2)), strict=True)
    ):
        _as(team, staff_id, org, now, last_sync)
        for k, pid in enumerate(busy[n + 3 :: 3][:3]):
            # Before that worker's last sync (how it reached the lead), and in working hours.
            start = working_slot_before(last_sync - timedelta(days=k, hours=3 + n))
            clock.set(start + timedelta(hours=1))
            seen = k % 2 == 0
            team.notes.record(NoteDraft(
                pid, start, start + timedelta(minutes=40 if seen else 10),
                ContactMethod.HOME_VISIT if seen else ContactMethod.PHONE,
                Outcome.SEEN if seen else Outcome.SPOKEN_TO,
                "Talked through the week and the plan together; agreed the next visit." if seen
                else "Phoned as agreed; they said the coping steps on the plan had helped this week.",
                plan_steps_used=[2] if seen else [2, 4],
            ))  # fmt: skip

    # The duty worker's escalation last night, out of hours: nobody on the team has picked it up yet.
    ooh_person = busy[0]
    identified = (now.astimezone(LONDON) - timedelta(days=1)).replace(hour=21, minute=40, second=0, microsecond=0)
    identified = identified.astimezone(ZoneInfo("UTC"))
    _as(team, duty.id, org, now, identified + timedelta(minutes=35))  # synced after the night's escalation
    clock.set(identified + timedelta(minutes=5))
    assert team.config is not None
    service = EscalationService(team.uow, clock, team.actor, team.config)
    esc, _ = service.start(EscalationDraft(
        ooh_person, ["sudden-deterioration"],
        "Called the duty line in the evening: much lower than usual, not sleeping, said they could not promise "
        "to stay safe tonight. No plan described.", identified,
    ))  # fmt: skip
    for minutes in (8, 15, 25):
        clock.set(identified + timedelta(minutes=minutes))
        node = esc.walk.current
        if node.type.value == "question":
            esc, _ = service.answer(esc.id, node.id, "No" if node.id == esc.pathway.start else "Yes")
        elif node.type.value == "action":
            offer = service.call_now(esc)[0].best
            esc, _ = service.record_action(esc.id, ActionDraft(
                node.id, ActionKind.PHONED, reached=True, contact_id=offer.entry.id if offer else None,
                contact_reached=f"{offer.entry.service if offer else 'Crisis team'} (night coordinator)",
                outcome="Crisis team to phone them tonight; team to follow up next working day",
                information_shared="Current presentation, criteria met, current safety plan",
                sharing_basis="Consent given on the call",
            ))  # fmt: skip

    # The lead's own earlier work: some reviews, a supervision and a learning review.
    _as(team, lead.id, org, now, now)
    clock.set(now - timedelta(days=6))
    with team.store.sessions() as session:
        older = list(session.scalars(
            select(models.ContactNote.id).where(models.ContactNote.signed_at < now - timedelta(days=8))
            .order_by(models.ContactNote.contact_start.desc()).limit(4)
        ))  # fmt: skip
    for k, note_id in enumerate(older):
        team.lead.review(note_id, "Clear record; plan steps cited." if k == 0 else "")
    clock.set(now - timedelta(days=10))
    [supervision], _ = team.lead.record_supervision(SupervisionDraft(sam, now - timedelta(days=10), [PersonDiscussed(
        summary.escalation_person_id or busy[1],
        "Discussed the decision to escalate on sudden deterioration: criteria met and the reason was written "
        "down; the duty worker was reached within the hour.",
        actions=[
            AgreedActionDraft("Add the sister's number to plan step 4", "Sam Okafor", (now - timedelta(3)).date(), sam),
            AgreedActionDraft("Book a joint review with the GP", "Sam Okafor", (now - timedelta(2)).date(), sam),
        ],
    )]))  # fmt: skip
    clock.set(now - timedelta(days=4))
    team.lead.update_action(supervision.id, uuid.UUID(supervision.actions[0]["action_id"]), ActionStatus.DONE,
                            "Plan revised with the person")  # fmt: skip
    welfare = summary.missed_contacts_person_id
    if welfare is not None:
        clock.set(now - timedelta(hours=3))
        team.lead.record_learning_review(LearningReviewDraft(
            welfare, now - timedelta(days=1), "Two visits missed in two days; the welfare-check pathway was raised.",
            "The person's sister answered on the first try.", "The crisis line was busy for twenty minutes.",
            pathway_refinement_needed=False,
            actions=[AgreedActionDraft("Share the learning at the team meeting", LEAD, (now + timedelta(7)).date())],
        ))  # fmt: skip
    clock.set(now)
    device = _as(team, lead.id, org, now, now)
    # Sam's notes and welfare check are on the lead's laptop: his laptop synced, as the demo was made.
    with team.store.sessions.begin() as session:
        for sams in session.scalars(select(models.Device).where(models.Device.staff_id == sam)):
            sams.last_sync_at = now
    return LeadDemoSummary(lead.id, device, len(person_ids), (sam, *others), esc.id, welfare)
