"""Opening a worker's store and handing out the services over it (the app's composition root)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from app import audit, projections
from app.caseload import CaseloadService
from app.clock import Clock, SystemClock
from app.contact_notes import ContactNoteService
from app.escalations import EscalationService
from app.local_store import store_exists as store_exists
from app.missed_contacts import MissedContactPolicy, MissedContactService
from app.note_drafts import NoteDraftService
from app.org_config import OrgConfig
from app.passphrase_rules import MIN_PASSPHRASE_LENGTH as MIN_PASSPHRASE_LENGTH
from app.passphrase_rules import check_new_passphrase
from app.persons import Nation
from app.safety_plans import SafetyPlanService
from app.safety_reviews import SafetyReviewService
from app.store_lock import StoreLock
from app.write_path import WritePath
from storage import models
from storage import outbox as outbox_store
from storage import store as store_mod
from storage.engine import Codec
from storage.errors import StoreError
from storage.keyfile import KdfParams, calibrate
from storage.repo import device as device_repo
from storage.serialise import record_types, row_to_dict
from storage.unit_of_work import UnitOfWork


@dataclass
class Workspace:
    store: store_mod.Store
    clock: Clock
    actor: audit.Actor
    config: OrgConfig | None = None  # loaded from the bundled files when not given
    missed_contact_policy: MissedContactPolicy = field(default_factory=MissedContactPolicy)
    lock: StoreLock | None = field(default=None, repr=False)  # held while open: one copy of the app per store
    caseload: CaseloadService = field(init=False)
    plans: SafetyPlanService = field(init=False)
    notes: ContactNoteService = field(init=False)
    drafts: NoteDraftService = field(init=False)
    reviews: SafetyReviewService = field(init=False)
    escalations: EscalationService = field(init=False)
    missed_contacts: MissedContactService = field(init=False)
    uow: UnitOfWork = field(init=False)

    def __post_init__(self) -> None:
        if self.config is None:
            self.config = OrgConfig.load(self.clock.now().date())
        self._build_services()

    def _build_services(self) -> None:
        # Services carry the actor into every record they write, so a new identity means new services.
        assert self.config is not None
        uow = self.uow = UnitOfWork(self.store.sessions)
        self.caseload = CaseloadService(uow, self.clock, self.actor)
        self.plans = SafetyPlanService(uow, self.clock, self.actor)
        self.escalations = EscalationService(uow, self.clock, self.actor, self.config)
        self.missed_contacts = MissedContactService(
            uow,
            WritePath(uow, self.clock, self.actor),
            self.missed_contact_policy,
            self.escalations.raise_welfare_check,
        )
        self.notes = ContactNoteService(uow, self.clock, self.actor, missed_contacts=self.missed_contacts)
        self.drafts = NoteDraftService(uow, self.clock, self.actor, self.notes)
        self.reviews = SafetyReviewService(uow, self.clock, self.actor)

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
    ) -> Workspace:
        """A new, empty store; the KDF is calibrated to this machine unless parameters are given."""
        check_new_passphrase(passphrase)
        lock = StoreLock.acquire(data_dir)
        try:
            store, _ = store_mod.create(data_dir, passphrase, kdf or calibrate(), codec)
        except BaseException:
            lock.release()
            raise
        return cls(store, clock or SystemClock(), audit.Actor(None, None), config, lock=lock)

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
        with self.store.sessions.begin() as session:
            session.merge(models.Meta(key="demo", value="true"))

    def check_passphrase(self, passphrase: str) -> None:
        """Raise StoreError unless ``passphrase`` unlocks this store (used to lift a UI lock); throttled."""
        store_mod.unwrap_key(self.store.data_dir, passphrase)

    def last_synced(self) -> datetime | None:
        """When this device last completed a sync, if ever."""
        with self.store.sessions() as session:
            device = session.get(models.Device, self.actor.device_id) if self.actor.device_id else None
            return device.last_sync_at if device else None

    def home_team(self) -> tuple[str | None, Nation]:
        """The worker's team's area and nation: whose hours decide "in hours" on the main window, and which
        national lines the lock screen shows when no person is open."""
        with self.store.sessions() as session:
            staff = session.get(models.Staff, self.actor.staff_id) if self.actor.staff_id else None
            team = session.get(models.Team, staff.team_id) if staff else None
            return (team.area, Nation(team.nation)) if team else (None, Nation.ENGLAND)

    def staff_names(self) -> dict[uuid.UUID, str]:
        """Who wrote what: every staff member known on this device, by id (notes show their author)."""
        with self.uow.read() as session:
            return device_repo.staff_names(session)

    def outbox_pending(self) -> int:
        with self.store.sessions() as session:
            return outbox_store.pending_count(session)

    def dump(self) -> Iterator[dict[str, Any]]:
        """Every decrypted record, parents first, each with its type. Audited as an export."""
        with self.store.sessions.begin() as session:
            audit.append(session, self.actor, audit.AuditAction.EXPORT, self.clock.now())
        with self.store.sessions() as session:
            for model in record_types():
                for row in device_repo.all_rows(session, model):
                    yield {"type": model.__tablename__, **row_to_dict(row)}

    def close(self) -> None:
        self.store.close()
        if self.lock is not None:
            self.lock.release()
            self.lock = None


def change_passphrase(data_dir: Path, old: str, new: str, *, kdf: KdfParams | None = None) -> None:
    check_new_passphrase(new)
    store_mod.change_passphrase(data_dir, old, new, kdf or calibrate())


def discard_demo_store(data_dir: Path) -> None:
    """Delete a demo store's files. Callers check ``is_demo_store`` first: real records are never deleted."""
    for path in store_mod.store_files(data_dir):
        path.unlink(missing_ok=True)
    (data_dir / store_mod.THROTTLE_NAME).unlink(missing_ok=True)


def is_demo_store(data_dir: Path, passphrase: str) -> bool:
    """True only for a store this passphrase opens and that the demo generator made."""
    try:
        store = store_mod.open_(data_dir, passphrase)
    except StoreError:
        return False
    try:
        with store.sessions() as session:
            return session.get(models.Meta, "demo") is not None
    finally:
        store.close()


def _read_actor(store: store_mod.Store) -> audit.Actor:
    with store.sessions() as session:
        meta = device_repo.meta(session)
    staff = meta.get("staff_id")
    device = meta.get("device_id")
    return audit.Actor(uuid.UUID(staff) if staff else None, uuid.UUID(device) if device else None)
