"""Opening a worker's store and handing out the services over it (the app's composition root)."""

from __future__ import annotations

import contextlib
import json
import shutil
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from app import audit, projections, sync_health
from app.caseload import CaseloadService
from app.clock import Clock, SystemClock
from app.contact_notes import ContactNoteService
from app.cover import CoverShift, cover_now
from app.directory import load_directory
from app.documents import Checked, ReceivedFile, check_arrivals
from app.escalations import EscalationService
from app.form_drafts import FormDraftService
from app.governance.service import GovernanceService
from app.lead_records import Discussable, LeadFormChoices, LeadRecordService
from app.lease import LEASE_UNTIL, Lease, lease_at
from app.local_store import store_exists as store_exists
from app.missed_contacts import MissedContactPolicy, MissedContactService
from app.note_drafts import NoteDraftService
from app.org_config import BUNDLED, OrgConfig
from app.passphrase_rules import MIN_PASSPHRASE_LENGTH as MIN_PASSPHRASE_LENGTH
from app.passphrase_rules import check_new_passphrase
from app.pending import PendingPerson, group_pending
from app.persons import Nation
from app.plan_conflicts import PlanConflictService
from app.planned_contacts import PlannedContactService
from app.review_queue import ReviewQueueService
from app.safety_plans import SafetyPlanService
from app.safety_reviews import SafetyReviewService
from app.store_lock import LOCK_NAME, StoreLock
from app.write_path import WritePath
from storage import models
from storage import outbox as outbox_store
from storage import store as store_mod
from storage.engine import Codec
from storage.keyfile import KdfParams, calibrate
from storage.repo import device as device_repo
from storage.repo import documents as documents_repo
from storage.repo import lead_records as lead_records_repo
from storage.serialise import record_types, row_to_dict
from storage.unit_of_work import UnitOfWork


@dataclass
class Workspace:
    store: store_mod.Store
    clock: Clock
    actor: audit.Actor
    config: OrgConfig | None = None  # loaded from the bundled files when not given
    missed_contact_policy: MissedContactPolicy | None = None  # the configuration's approved file when not given
    lock: StoreLock | None = field(default=None, repr=False)  # held while open: one copy of the app per store
    caseload: CaseloadService = field(init=False)
    plans: SafetyPlanService = field(init=False)
    plan_conflicts: PlanConflictService = field(init=False)
    notes: ContactNoteService = field(init=False)
    drafts: NoteDraftService = field(init=False)
    forms: FormDraftService = field(init=False)
    reviews: SafetyReviewService = field(init=False)
    planned: PlannedContactService = field(init=False)
    escalations: EscalationService = field(init=False)
    missed_contacts: MissedContactService = field(init=False)
    lead: LeadRecordService = field(init=False)
    review_queue: ReviewQueueService = field(init=False)
    uow: UnitOfWork = field(init=False)
    _closing: threading.Lock = field(init=False, repr=False, default_factory=threading.Lock)

    def __post_init__(self) -> None:
        if self.config is None:
            self.config = OrgConfig.load(self.clock.now().date(), received=self.received_documents())
        if self.missed_contact_policy is None:
            self.missed_contact_policy = self.config.missed_contacts
        self._build_services()

    def _build_services(self) -> None:
        # Services carry the actor into every record they write, so a new identity means new services.
        assert self.config is not None
        uow = self.uow = UnitOfWork(self.store.sessions)
        acting = frozenset(e.id for e in self.config.directory.entries.values() if e.can_act)
        self.caseload = CaseloadService(uow, self.clock, self.actor, acting)
        self.plans = SafetyPlanService(uow, self.clock, self.actor)
        self.plan_conflicts = PlanConflictService(uow, self.clock, self.actor)
        self.escalations = EscalationService(uow, self.clock, self.actor, self.config)
        self.missed_contacts = MissedContactService(
            uow,
            WritePath(uow, self.clock, self.actor),
            self.missed_contact_policy or self.config.missed_contacts,
            self.escalations.raise_welfare_check,
        )
        self.notes = ContactNoteService(uow, self.clock, self.actor, missed_contacts=self.missed_contacts)
        self.drafts = NoteDraftService(uow, self.clock, self.actor, self.notes)
        self.forms = FormDraftService(uow, self.clock)
        self.reviews = SafetyReviewService(uow, self.clock, self.actor)
        self.lead = LeadRecordService(uow, self.clock, self.actor)
        self.review_queue = ReviewQueueService(uow, self.clock, self.actor, self.escalations)
        self.governance = GovernanceService(uow, self.clock, self.actor, self.config)
        self.planned = PlannedContactService(uow, self.clock, self.actor)

    def received_documents(self) -> list[ReceivedFile]:
        """Every version of the organisation's documents this laptop has been sent, oldest first."""
        with self.store.sessions() as session:
            return [
                ReceivedFile(d.kind, d.name, d.document_id, d.sha256, d.text) for d in documents_repo.received(session)
            ]

    def receive_documents(self, arriving: list[ReceivedFile]) -> Checked:
        """Keep the documents the server says are in force that are new here and pass the app's own checks,
        then run on them. A refused one changes nothing: the version held before stays in use."""
        assert self.config is not None
        held = self.received_documents()
        bundled, _ = load_directory([BUNDLED / "contacts"], calendars=self.config.calendars)
        checked = check_arrivals(arriving, held, bundled, self.clock.now().date(), self.config.calendars)
        if checked.accepted:
            with self.uow.receive() as session:
                documents_repo.keep(
                    session,
                    [(d.kind, d.name, d.document_id, d.sha256, d.text) for d in checked.accepted],
                    self.clock.now(),
                )
            self.reload_config()
        return checked

    def reload_config(self) -> None:
        """Run on the organisation's documents as now held (services are rebuilt over the new configuration;
        an escalation already open keeps the pathway version it started on)."""
        self.config = OrgConfig.load(self.clock.now().date(), received=self.received_documents(), previous=self.config)
        self._build_services()

    def lease(self) -> Lease:
        """The offline lease as it stands now (renewed by each sync)."""
        with self.uow.read() as session:
            until = device_repo.meta(session).get(LEASE_UNTIL)
        return lease_at(datetime.fromisoformat(until) if until else None, self.clock.now())

    def cover_now(self) -> list[CoverShift]:
        """The out-of-hours cover this worker holds now (their laptop's copy of the server's grants)."""
        return cover_now(self.uow, self.clock, self.actor.staff_id)

    def rebuild_projections(self) -> None:
        """Recompute every cached projection from the records (after records arrive, or to repair)."""
        with self.uow.write() as session:
            projections.rebuild(session, self.missed_contacts)

    @classmethod
    def create(
        cls,
        data_dir: Path,
        passphrase: str,
        *,
        kdf: KdfParams | None = None,
        clock: Clock | None = None,
        codec: Codec = Codec.SQLCIPHER,
        config: OrgConfig | None = None,
        prepare: Callable[[Workspace], object] | None = None,
    ) -> Workspace:
        """A new store; the KDF is calibrated to this machine unless parameters are given.

        ``prepare`` (e.g. filling in the demo organisation) runs before the store is moved into place,
        so an interrupted creation leaves no half-made store behind.
        """
        check_new_passphrase(passphrase)
        clock = clock or SystemClock()

        def prepare_store(store: store_mod.Store) -> None:
            if prepare is not None:
                prepare(cls(store, clock, audit.Actor(None, None), config))

        store, _ = store_mod.create(data_dir, passphrase, kdf or calibrate(), codec, prepare_store)
        # Locked once it exists: the store is built aside and renamed into place, so there is nothing to
        # lock before. Two copies creating at once cannot both succeed (the second finds a store there).
        try:
            lock = StoreLock.acquire(data_dir)
        except BaseException:
            store.close()
            raise
        return cls(store, clock, _read_actor(store), config, lock=lock)

    @classmethod
    def open(
        cls,
        data_dir: Path,
        passphrase: str,
        *,
        clock: Clock | None = None,
        throttle: store_mod.Throttle | None = None,
        codec: Codec = Codec.SQLCIPHER,
        config: OrgConfig | None = None,
    ) -> Workspace:
        # Before the passphrase is tried: a second copy is told at once, and no failed attempt is counted.
        lock = StoreLock.acquire(data_dir) if data_dir.is_dir() else None
        try:
            store = store_mod.open_(data_dir, passphrase, throttle, codec)
        except BaseException:
            if lock is not None:
                lock.release()
            raise
        clock = clock or SystemClock()
        try:
            actor = _read_actor(store)
            if store.problem is None:  # a store kept as found for support is not written to
                with store.sessions.begin() as session:
                    audit.append(session, actor, audit.AuditAction.LOGIN, clock.now())
        except Exception:
            store.close()
            if lock is not None:
                lock.release()
            raise
        return cls(store, clock, actor, config, lock=lock)

    def set_identity(self, organisation_id: uuid.UUID, staff_id: uuid.UUID, device_id: uuid.UUID) -> None:
        """Record whose device this is (enrolment does this; so does the demo generator)."""
        with self.store.sessions.begin() as session:
            for key, value in (
                ("organisation_id", organisation_id),
                ("staff_id", staff_id),
                ("device_id", device_id),
            ):
                session.merge(models.Meta(key=key, value=str(value)))
        self.actor = audit.Actor(staff_id, device_id)
        self._build_services()

    def mark_demo(self) -> None:
        """Flag the store as the demo generator's. Everything in the outbox now is the generator's; what
        is added later is a worker's, and ``waymark demo`` will not discard it unasked."""
        with self.store.sessions.begin() as session:
            generated = outbox_store.last_seq(session)
            session.merge(models.Meta(key="demo", value="true"))
            session.merge(models.Meta(key="demo_outbox_through", value=str(generated)))

    @property
    def problem(self) -> str | None:
        """What the worker must be told when records are missing or were altered (the store is then
        read-only); None when all is well."""
        return self.store.problem

    def check_thoroughly(self) -> str | None:
        """The checks too slow for unlock: the full integrity check and the audit chain. Run it off the
        UI thread once the caseload is on screen. A failure makes the store read-only and returns what
        to tell the worker (also kept in ``problem``); None when all is well."""
        problem = store_mod.integrity_problem(self.store)
        if problem is None:
            with self.store.sessions() as session:
                if audit.verify_chain(session) is not None:
                    problem = (
                        "The audit trail on this laptop was altered outside Waymark, so some records may "
                        "have been changed or removed."
                    )
        if problem is not None:
            self.store.degrade(problem)
        return self.store.problem

    def check_passphrase(self, passphrase: str) -> None:
        """Raise StoreError unless ``passphrase`` unlocks this store (used to lift a UI lock); throttled."""
        store_mod.unwrap_key(self.store.data_dir, passphrase)

    def last_synced(self) -> datetime | None:
        """When this device last completed a sync, if ever (what the sync engine recorded, nothing else)."""
        with self.uow.read() as session:
            return device_repo.last_sync_success(session)

    def home_team(self) -> tuple[str | None, Nation]:
        """The worker's team's area and nation: whose hours decide "in hours" on the main window, and which
        national lines the lock screen shows when no person is open."""
        with self.uow.read() as session:
            staff = session.get(models.Staff, self.actor.staff_id) if self.actor.staff_id else None
            team = session.get(models.Team, staff.team_id) if staff else None
            return (team.area, Nation(team.nation)) if team else (None, Nation.ENGLAND)

    def role(self) -> str | None:
        """This device's user's role (``team_lead`` sees the lead's desktop)."""
        with self.uow.read() as session:
            return device_repo.role_of(session, self.actor.staff_id)

    def team_health_text(self) -> str:
        """The lead's sync-health banner from the last team report the server sent (names and counts)."""
        with self.uow.read() as session:
            kept = device_repo.meta(session).get(sync_health.META_KEY)
            persons = {str(k): v for k, v in lead_records_repo.person_names(session).items()}
        return sync_health.describe(json.loads(kept) if kept else None, self.clock.now(), self.last_synced(), persons)

    def lead_form_choices(self) -> LeadFormChoices:
        """Everything a lead's supervision and learning-review forms offer, read at once: on a laptop
        holding a whole team's records this is long work, for a worker thread."""
        staff, persons = self.lead.team()
        escalations = {
            person_id: [Discussable(e, self.escalations.criteria_labels(e)) for e in found]
            for person_id, found in self.escalations.by_person().items()
        }
        return LeadFormChoices(staff, persons, escalations)

    def person_with_nhs_number(self, digits: str) -> uuid.UUID | None:
        """The one person on this laptop holding that NHS number (None when none, or more than one)."""
        with self.uow.read() as session:
            found = device_repo.persons_by_nhs_number(session, digits)
        return found[0] if len(found) == 1 else None

    def has_person(self, person_id: uuid.UUID) -> bool:
        """Whether this person's record is on this laptop (a break-glass opening brings one by sync)."""
        with self.uow.read() as session:
            return device_repo.has_person(session, person_id)

    def staff_names(self) -> dict[uuid.UUID, str]:
        """Who wrote what: every staff member known on this device, by id (notes show their author)."""
        with self.uow.read() as session:
            return device_repo.staff_names(session)

    def outbox_pending(self) -> int:
        with self.uow.read() as session:
            return outbox_store.pending_count(session)

    def enrolled(self) -> bool:
        """Whether this laptop syncs with a server at all (a demo store never does)."""
        with self.uow.read() as session:
            return device_repo.enrolled(session)

    def unsent_records(self, person_id: uuid.UUID) -> dict[uuid.UUID, uuid.UUID | None]:
        """The person's records not yet acknowledged by the server, each with the record it refers to."""
        with self.uow.read() as session:
            return outbox_store.pending_of_person(session, person_id)

    def pending_by_person(self) -> list[PendingPerson]:
        """Everything waiting to be sent, by person, unsent escalations first."""
        with self.uow.read() as session:
            return group_pending(outbox_store.pending_with_names(session))

    def dump(self) -> Iterator[dict[str, Any]]:
        """Every decrypted record, parents first, each with its type. Audited as an export."""
        with self.store.sessions.begin() as session:
            audit.append(session, self.actor, audit.AuditAction.EXPORT, self.clock.now())
        with self.store.sessions() as session:
            for model in record_types():
                for row in device_repo.all_rows(session, model):
                    yield {"type": model.__tablename__, **row_to_dict(row)}

    def close(self) -> None:
        # The window closes the store on its write queue (after queued saves) while a caller on another
        # thread may close it too: only one of them releases the lock.
        with self._closing:
            lock, self.lock = self.lock, None
        self.store.close()
        if lock is not None:
            lock.release()


def change_passphrase(data_dir: Path, old: str, new: str, *, kdf: KdfParams | None = None) -> None:
    """Re-wrap the data key under ``new``; audited."""
    check_new_passphrase(new)
    _audited(store_mod.change_passphrase(data_dir, old, new, kdf or calibrate()), audit.AuditAction.PASSPHRASE_CHANGED)


def rekey(data_dir: Path, passphrase: str, *, kdf: KdfParams | None = None) -> None:
    """A new data key, the database re-encrypted under it: a copy of the old key file (with the old
    passphrase) then opens nothing. Audited."""
    _audited(store_mod.rekey(data_dir, passphrase, kdf or calibrate()), audit.AuditAction.REKEYED)


def _audited(store: store_mod.Store, action: audit.AuditAction) -> None:
    try:
        with store.sessions.begin() as session:
            audit.append(session, _read_actor(store), action, SystemClock().now())
    finally:
        store.close()


def discard_demo_store(data_dir: Path) -> None:
    """Delete a demo store's files. Callers check ``demo_store_status`` first: real records are never deleted."""
    for path in store_mod.store_files(data_dir):
        path.unlink(missing_ok=True)
    (data_dir / store_mod.THROTTLE_NAME).unlink(missing_ok=True)
    for kept in data_dir.glob("kept-for-support-*"):  # copies of this same demo data
        shutil.rmtree(kept, ignore_errors=True)
    # The one-copy-at-a-time lock file goes with the store it guarded: the new store is locked afresh.
    (data_dir / LOCK_NAME).unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        data_dir.rmdir()  # the new store is built beside it and renamed into place


@dataclass(frozen=True, slots=True)
class DemoStatus:
    is_demo: bool
    unsent_own_records: int  # outbox items a worker made, not the generator: discarding loses them


def demo_store_status(data_dir: Path, passphrase: str) -> DemoStatus:
    """Whether the store is the demo generator's, and how many unsent records in it are not.

    Raises StoreError (a wrong passphrase above all) when the store cannot be opened: the caller must
    say why, not guess that it is not a demo store.
    """
    store = store_mod.open_(data_dir, passphrase)
    try:
        with store.sessions() as session:
            if session.get(models.Meta, "demo") is None:
                return DemoStatus(False, 0)
            through = session.get(models.Meta, "demo_outbox_through")
            generated = int(through.value) if through is not None else 0
            return DemoStatus(True, outbox_store.pending_count(session, after_seq=generated))
    finally:
        store.close()


def _read_actor(store: store_mod.Store) -> audit.Actor:
    with store.sessions() as session:
        meta = device_repo.meta(session)
    staff = meta.get("staff_id")
    device = meta.get("device_id")
    return audit.Actor(uuid.UUID(staff) if staff else None, uuid.UUID(device) if device else None)
