"""One sync of a device with its server: push the outbox, then pull what the worker may see.

Nothing leaves the outbox until the server has answered for it, and every pulled page is applied together
with its cursor in one local transaction, so a sync cut off at any instant (battery, SIGKILL, dead zone)
resumes where it stopped: items the server already holds come back as duplicates, a page half-applied
never happened. Records from the server are only ever inserted, never written over.

The engine touches the store only in short units (a batch to send, a push batch's acknowledgement, one
pulled page with its cursor, one person's snapshot, …), each handed to ``SyncEngine.local``; the network is
never waited for inside one. The desktop runs each unit on the store's write queue between the worker's
saves, so a note signed during a long sync waits for one page's local write, never for the whole sync.
"""

from __future__ import annotations

import json
import logging
import random
import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Table, delete, func, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from app import audit, projections, sync_health
from app import nhs_number as nhs
from app.documents import ReceivedFile
from app.errors import InvalidInput
from app.lease import LEASE_UNTIL
from app.workspace import Workspace
from storage import append_only, models
from storage import outbox as outbox_store
from storage.repo import device as device_repo
from storage.repo import holds as holds_repo
from storage.repo import plans as plans_repo
from sync import protocol as p
from sync import snapshot_check
from sync.client import CLIENT_SCHEMA, NOTHING_LOST, SyncClient, SyncFailure, encode
from sync.commands import shred, verified
from sync.receive import (
    Applied,
    apply_records,
    ensure_person,
    ensure_staff,
    keep_holds,
    keep_staff_names,
    local_person_ids,
)
from sync.withdrawal import Withdrawal, write_withdrawal

log = logging.getLogger(__name__)

CA_NAME = "server-ca.pem"
# Below the server's limits (500 items, 2 MiB), leaving room for the request's own fields.
BATCH_ITEMS = 200
BATCH_BYTES = 1024 * 1024

_KEYS = ("server", "token", "device_id", "user_id", "organisation_id", "role", "epoch", "command_key", "cursor")
QUARANTINE_PREFIX = "sync.quarantined."
LAST_SUCCESS = device_repo.LAST_SYNC_SUCCESS
LAST_FAILURE = "sync.last_failure"
# Its machine-readable reason (e.g. ``token_expired``, for which the window offers to renew the enrolment).
LAST_FAILURE_REASON = "sync.last_failure_reason"
# Persons whose records arrived and for whom the missed-contact policy has not yet run here (JSON list).
POLICY_PENDING = "sync.policy_pending"
# The digest of the organisation's documents (pathways, directory) last applied here in full (PROTOCOL §2.10).
DOCUMENTS_DIGEST = "sync.documents_digest"
# How far this laptop's clock is from the server's (ms, positive = ahead), as the last heartbeat measured it.
CLOCK_OFFSET = "sync.clock_offset_ms"


T = TypeVar("T")
# Runs one unit of local work (a read, or one transaction) and returns what it returned.
LocalRunner = Callable[[Callable[[], Any]], Any]


def run_here(unit: Callable[[], T]) -> T:
    """The headless way: each unit runs at once on the calling thread (the command line, the tests)."""
    return unit()


class NotEnrolled(Exception):
    """This store has no sync server: it was made by the demo, or enrolment never finished."""


@dataclass
class SyncState:
    server: str
    token: str
    device_id: str
    user_id: str
    organisation_id: str
    role: str
    epoch: str
    command_key: str
    cursor: str = ""

    @classmethod
    def load(cls, session: Session) -> SyncState:
        meta = {m.key: m.value for m in session.scalars(select(models.Meta).where(models.Meta.key.like("sync.%")))}
        try:
            return cls(**{k: meta[f"sync.{k}"] for k in _KEYS if k != "cursor"}, cursor=meta.get("sync.cursor", ""))
        except KeyError:
            raise NotEnrolled("This laptop is not enrolled with a sync server.") from None

    def save(self, session: Session, *names: str) -> None:
        for name in names or _KEYS:
            session.merge(models.Meta(key=f"sync.{name}", value=str(getattr(self, name))))


@dataclass
class SyncReport:
    sent: int = 0
    acknowledged: int = 0
    quarantined: int = 0
    received: int = 0
    persons_added: int = 0
    persons_removed: int = 0
    resynced: bool = False
    pending_after: int = 0
    welfare_checks_raised: int = 0  # by the missed-contact policy, over misses that arrived from the server
    documents_received: int = 0  # new versions of the organisation's pathways and directory, now in use
    documents_refused: list[str] = field(default_factory=list)  # one sentence per refused file
    persons_changed: set[uuid.UUID] = field(default_factory=set)  # whose records arrived: views to refresh
    tables_changed: set[str] = field(default_factory=set)  # which kinds of record arrived

    def summary(self) -> str:
        parts = [
            f"sent {self.acknowledged} record{'s' if self.acknowledged != 1 else ''}",
            f"received {self.received}",
        ]
        if self.quarantined:
            parts.append(f"{self.quarantined} held by the server for review (not lost)")
        if self.welfare_checks_raised:
            parts.append(
                f"{self.welfare_checks_raised} welfare check(s) raised: a missed contact recorded elsewhere was "
                "the second one"
            )
        if self.persons_added:
            parts.append(f"{self.persons_added} person(s) added to this laptop")
        if self.persons_removed:
            parts.append(f"{self.persons_removed} person(s) no longer on your caseload removed from this laptop")
        if self.documents_received:
            parts.append(
                f"{self.documents_received} new version(s) of the organisation's pathways or contacts directory, "
                "now in use (escalations already open keep the pathway they started on)"
            )
        parts.extend(self.documents_refused)
        if self.resynced:
            parts.append("re-sent everything after the server was restored")
        parts.append("nothing waiting to send" if self.pending_after == 0 else f"{self.pending_after} still to send")
        return "Sync finished: " + "; ".join(parts) + "."


class ResyncRequired(Exception):
    pass


class Wiped(Exception):
    """The server's signed command erased this laptop's store; the message says why, for the worker."""

    def __init__(self, message: str, withdrawal: Withdrawal | None = None) -> None:
        super().__init__(message)
        self.withdrawal = withdrawal


@dataclass
class SyncEngine:
    workspace: Workspace
    client_factory: Callable[[SyncState, Path | None], SyncClient] = field(
        default=lambda st, ca: SyncClient(st.server, st.token, ca_file=ca)
    )
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    batch_items: int = BATCH_ITEMS
    batch_bytes: int = BATCH_BYTES
    pull_limit: int = p.DEFAULT_PULL_LIMIT
    # Where each unit of local work runs: at once by default; the desktop passes its write queue
    # (ui/operations.py StoreOps.sync_units), so saves interleave with a sync's pages.
    local: LocalRunner = run_here
    _lease_s: int | None = field(default=None, init=False)

    def state(self) -> SyncState:
        return self._local(self._read_state)

    def _read_state(self) -> SyncState:
        with self.workspace.uow.read() as session:
            return SyncState.load(session)

    def _local(self, unit: Callable[..., T], *args: Any) -> T:
        """One unit of local work, where ``local`` says; never with a network call inside it."""
        result: T = self.local(lambda: unit(*args))
        return result

    def _ca(self) -> Path | None:
        path = self.workspace.store.data_dir / CA_NAME
        return path if path.exists() else None

    def sync(self) -> SyncReport:
        """One full sync. Raises ``SyncFailure`` (already recorded as the last failure) if it stopped."""
        state = self.state()
        report = SyncReport()
        client = self.client_factory(state, self._ca())
        try:
            try:
                self._apply_missed_contact_policy(report)  # what an earlier, cut-off sync left to do
                escalations_waiting = self._early_heartbeat(client)
                self._push(client, state, report, resync=False)
                if escalations_waiting:
                    self._heartbeat(client, best_effort=True)  # the lead's count follows the push at once
                self._pull(client, state, report, resnapshot=False)
            except ResyncRequired:
                self._resync(client, state, report)
            except SyncFailure as failure:
                if failure.reason not in ("device_revoked", "device_retired"):
                    raise
                self._obey(client, state)  # a revoked device may still hear its commands
                raise
            if self._apply_missed_contact_policy(report):
                self._push(client, state, report, resync=False)  # the welfare check goes out now, not next time
            self._obey(client, state)
            self._heartbeat(client, best_effort=True)
            if state.role == "team_lead":
                self._team_health(client)
        except SyncFailure as failure:
            self._record_failure(str(failure), failure.reason)
            raise
        except OperationalError:
            # A page is applied with its cursor in one transaction, so a failed write (a full disk) left
            # nothing half-done: the same page is asked for again next time.
            failure = SyncFailure(
                "This laptop could not save what the server sent (its disk may be full). "
                f"{NOTHING_LOST} Free some space; sync will try again by itself.",
                reason="local_write_failed",
                retry=True,
            )
            self._record_failure(str(failure), failure.reason)
            raise failure from None
        finally:
            client.close()
        report.pending_after = self._local(self._succeeded)
        return report

    def _succeeded(self) -> int:
        with self.workspace.uow.write() as session:
            session.merge(models.Meta(key=LAST_SUCCESS, value=self.now().isoformat()))
            if self._lease_s is not None:  # renewed from now, for as long as the organisation says
                until = self.now() + timedelta(seconds=self._lease_s)
                session.merge(models.Meta(key=LEASE_UNTIL, value=until.isoformat()))
            forget_failure(session)
            return outbox_store.pending_count(session)

    # -- push -----------------------------------------------------------------------------------------

    def _push(self, client: SyncClient, state: SyncState, report: SyncReport, *, resync: bool) -> None:
        """Send the outbox in order, in bounded batches, marking each item only once it is answered."""
        after = 0  # resync: every item, acknowledged or not; otherwise the pending ones
        while True:
            batch = self._local(self._next_batch, after, resync)
            if not batch:
                return
            try:
                answer = client.push(state.epoch, resync, [outbox_store.wire(i) for i in batch])
            except SyncFailure as failure:
                if failure.status == 410:
                    raise ResyncRequired from None
                expected = failure.extra.get("expected_seq")
                if failure.status == 409 and isinstance(expected, int) and not resync:
                    # The server lost track of where we were (or we of it): send again from where it says,
                    # acknowledged items included; the ones it holds come back as duplicates.
                    answer = self._push_from(client, state, expected)
                    if answer is None:
                        raise
                    report.sent += len(answer.results)
                    self._local(self._acknowledge, answer, report)
                    continue
                raise
            report.sent += len(batch)
            self._local(self._acknowledge, answer, report)
            after = batch[-1].seq

    def _push_from(self, client: SyncClient, state: SyncState, expected: int) -> p.PushResponse | None:
        batch = self._local(self._next_batch, expected - 1, True)
        if not batch or batch[0].seq != expected:
            return None
        return client.push(state.epoch, False, [outbox_store.wire(i) for i in batch])

    def _next_batch(self, after: int, everything: bool) -> list[models.OutboxItem]:
        with self.workspace.uow.read() as session:
            query = select(models.OutboxItem).where(models.OutboxItem.seq > after).order_by(models.OutboxItem.seq)
            if not everything:
                query = query.where(models.OutboxItem.acked_at.is_(None))
            items = list(session.scalars(query.limit(self.batch_items)))
        batch: list[models.OutboxItem] = []
        size = 0
        for item in items:
            size += len(encode(outbox_store.wire(item))) + 1
            if batch and size > self.batch_bytes:
                break
            batch.append(item)
        return batch

    def _acknowledge(self, answer: p.PushResponse, report: SyncReport) -> None:
        now = self.now()
        with self.workspace.uow.write() as session:
            for result in answer.results:
                if result.status == "rejected":
                    # Kept whole in the server's quarantine for a team lead; never retried, shown as held.
                    session.merge(
                        models.Meta(key=f"{QUARANTINE_PREFIX}{result.record_id}", value=result.reason or "rejected")
                    )
                    report.quarantined += 1
                session.execute(
                    update(models.OutboxItem)
                    .where(models.OutboxItem.seq == result.seq, models.OutboxItem.acked_at.is_(None))
                    .values(acked_at=now)
                )
                report.acknowledged += 1

    def _apply_missed_contact_policy(self, report: SyncReport) -> int:
        """Run the missed-contact policy for the persons whose records arrived. A second miss recorded on
        another device (a duty worker's, the worker's office desktop) must raise the welfare check here as
        surely as one typed on this laptop. Its id is derived from the misses, so when both devices raise it
        the server keeps one (PROTOCOL §1.4). Only for persons this worker holds to write for: a lead's
        read of the team is not a hold the server would accept a welfare check from."""
        staff_id = self.workspace.actor.staff_id
        # The persons are kept in the store with the page that brought their records (``_mark_policy_pending``),
        # so a sync cut off after that page (a lock, a dead zone) still runs the policy at the next one.
        pending = self._local(self._policy_pending)
        if not pending:
            return 0
        mine = self._local(self._held_to_write, staff_id, pending) if staff_id is not None else set()
        raised = 0
        for person_id in sorted(mine):
            was_raised, _ = self._local(self.workspace.missed_contacts.apply, person_id)
            raised += was_raised
        self._local(self._policy_done, pending)
        report.welfare_checks_raised += raised
        if raised:
            report.tables_changed |= {"escalation", "missed_contact_episode"}
        return raised

    def _policy_pending(self) -> set[uuid.UUID]:
        with self.workspace.uow.read() as session:
            return _policy_pending(session)

    def _policy_done(self, done: set[uuid.UUID]) -> None:
        with self.workspace.uow.write() as session:
            left = _policy_pending(session) - done  # a page applied meanwhile keeps its persons
            session.merge(models.Meta(key=POLICY_PENDING, value=json.dumps(sorted(str(p) for p in left))))

    def _held_to_write(self, staff_id: uuid.UUID, persons: set[uuid.UUID]) -> set[uuid.UUID]:
        with self.workspace.uow.read() as session:
            return set(holds_repo.held_to_write(session, staff_id, persons, self.now()))

    # -- pull -----------------------------------------------------------------------------------------

    def _pull(self, client: SyncClient, state: SyncState, report: SyncReport, *, resnapshot: bool) -> None:
        cursor = state.cursor or None
        scope: set[uuid.UUID] | None = None
        digest: str | None = None
        while True:
            try:
                page = client.pull(cursor, self.pull_limit)
            except SyncFailure as failure:
                if failure.status == 410:
                    raise ResyncRequired from None
                raise
            if scope is None:
                scope = set(page.scope)
                digest = page.documents_digest
                self._lease_s = page.offline_lease_s
                self._snapshot_new(client, state, scope, report, everyone=resnapshot)
                if page.holds:  # a server from before holds sends none: the local assignments stay as they are
                    self._local(self._keep_holds, state, page.holds)
                if page.staff:  # a server from before staff names sends none: the names known stay
                    self._local(self._keep_staff, state, page.staff)
            self._local(self._apply_page, state, page, report)
            cursor = page.next_cursor
            if not page.has_more:
                break
        self._remove_out_of_scope(scope or set(), report)
        self._documents(client, digest, report)

    def _documents(self, client: SyncClient, digest: str | None, report: SyncReport) -> None:
        """Fetch the organisation's documents when what is in force on the server has changed; keep each one
        that passes the app's own checks. The digest is kept only once every document was taken, so a
        refused one is asked for (and reported) again at the next sync."""
        if digest is None:  # a server from before documents
            return
        if self._local(self._held_digest) == digest:
            return
        answer = client.documents()
        arriving = [ReceivedFile(d.kind, d.name, d.document_id, d.sha256, d.text) for d in answer.documents]
        checked = self._local(self.workspace.receive_documents, arriving)
        report.documents_received += len(checked.accepted)
        report.documents_refused.extend(checked.refused)
        if checked.accepted:
            report.tables_changed.add("received_document")
        if not checked.refused:
            self._local(self._keep_meta, DOCUMENTS_DIGEST, answer.documents_digest)

    def _held_digest(self) -> str | None:
        with self.workspace.uow.read() as session:
            return device_repo.meta(session).get(DOCUMENTS_DIGEST)

    def _keep_staff(self, state: SyncState, staff: list[p.StaffName]) -> None:
        with self.workspace.uow.receive() as session:
            keep_staff_names(session, uuid.UUID(state.organisation_id), staff)

    def _keep_holds(self, state: SyncState, holds: Any) -> None:
        with self.workspace.uow.receive() as session:
            keep_holds(session, uuid.UUID(state.user_id), holds, self.now())

    def _snapshot_new(
        self, client: SyncClient, state: SyncState, scope: set[uuid.UUID], report: SyncReport, *, everyone: bool
    ) -> None:
        here = self._local(self._local_persons)
        for person_id in sorted(scope if everyone else scope - here):
            snap = client.snapshot(person_id)
            snapshot_check.check(snap)  # a damaged snapshot is refused whole, before anything is applied
            applied = self._local(self._apply_snapshot, state, person_id, snap)
            report.received += applied.inserted
            report.persons_added += person_id not in here
            report.persons_changed.add(person_id)
            report.tables_changed |= applied.tables

    def _local_persons(self) -> set[uuid.UUID]:
        with self.workspace.uow.read() as session:
            return set(local_person_ids(session))

    def _apply_snapshot(self, state: SyncState, person_id: uuid.UUID, snap: Any) -> Applied:
        """One person's snapshot, whole, in one transaction."""
        applied = Applied()
        with self.workspace.uow.receive() as session:
            ensure_person(session, uuid.UUID(state.organisation_id), snap.person)
            apply_records(session, snap.records, applied)
            for plan in snap.plans:
                conflicts = [c for c in snap.open_conflicts if c.get("plan_id") == plan["plan_id"]]
                plans_repo.save_server_plan_state(
                    session, uuid.UUID(plan["plan_id"]), {**plan, "open_conflicts": conflicts}
                )
            projections.rebuild(session, self.workspace.missed_contacts, [person_id])
            _mark_policy_pending(session, {person_id})
        return applied

    def _apply_page(self, state: SyncState, page: p.PullResponse, report: SyncReport) -> None:
        applied = Applied()
        envelopes = [c.data for c in page.changes if c.entity == "record"]
        with self.workspace.uow.receive() as session:
            apply_records(session, envelopes, applied)
            for change in page.changes:
                # The server's head and open conflicts for a plan, replacing what was heard before; the head
                # in force on this laptop follows it (app.safety_plans.plan_head).
                if change.entity != "plan_state" or change.person_id is None:
                    continue
                if session.get(models.Person, change.person_id) is not None:
                    plans_repo.save_server_plan_state(session, change.entity_id, change.data)
                    applied.persons.add(change.person_id)
            projections.rebuild(session, self.workspace.missed_contacts, applied.persons)
            if applied.inserted:
                _mark_policy_pending(session, applied.persons)
            state.cursor = page.next_cursor
            state.save(session, "cursor")
        report.received += applied.inserted
        if applied.inserted:
            report.persons_changed |= applied.persons
            report.tables_changed |= applied.tables

    def _remove_out_of_scope(self, scope: set[uuid.UUID], report: SyncReport) -> None:
        gone = self._local(self._local_persons) - scope
        for person_id in sorted(gone):
            if self._local(purge_person, self.workspace, person_id):
                report.persons_removed += 1

    # -- epoch ----------------------------------------------------------------------------------------

    def _resync(self, client: SyncClient, state: SyncState, report: SyncReport) -> None:
        """The server was restored from a backup: send it everything we hold, then read afresh."""
        state.epoch = client.commands().server_epoch
        state.cursor = ""
        self._local(self._save_state, state, "epoch", "cursor")
        report.resynced = True
        self._push(client, state, report, resync=True)
        self._pull(client, state, report, resnapshot=True)

    def _save_state(self, state: SyncState, *names: str) -> None:
        with self.workspace.uow.write() as session:
            state.save(session, *names)

    def _obey(self, client: SyncClient, state: SyncState) -> None:
        """Carry out the verified commands waiting for this device; forged or misaddressed ones do nothing."""
        for command in client.commands().commands:
            if not verified(command, state.command_key, state.device_id):
                continue
            if command.kind == "purge_person" and command.person_id is not None:
                if self._local(purge_person, self.workspace, command.person_id):
                    client.ack(command.command_id, "done", None)
                continue  # its unsent records go first; the command is heard again next sync
            withdrawal = self._local(self._wipe, command.kind)
            if withdrawal is None:
                continue  # everything is pushed before a retire wipes; the next sync tries again
            client.ack(command.command_id, "done", None)
            raise Wiped(withdrawal.message(), withdrawal)

    def _wipe(self, kind: str) -> Withdrawal | None:
        """Close and crypto-shred the store on a verified command, in one unit: no save lands half-way.
        None (nothing done) for a retire while something is still unsent."""
        if kind == "retire" and self.workspace.outbox_pending():
            return None
        data_dir = self.workspace.store.data_dir
        with self.workspace.uow.read() as session:
            sent = session.scalar(
                select(func.count()).select_from(models.OutboxItem).where(models.OutboxItem.acked_at.is_not(None))
            )
            unsent = outbox_store.pending_count(session)
        self.workspace.close()
        shred(data_dir)
        withdrawal = Withdrawal(kind, self.now().isoformat(), sent or 0, unsent)
        write_withdrawal(data_dir, withdrawal)
        return withdrawal

    def _early_heartbeat(self, client: SyncClient) -> bool:
        """Before a push with escalations in it, a heartbeat of a few bytes: on a link that fails part way
        through a big push, the team lead still learns that an escalation is recorded here and not yet sent.
        True when one was sent (the push is then followed by another, so the count does not go stale)."""
        _, waiting, _ = self._local(self._counts)
        if not waiting:
            return False
        self._heartbeat(client, best_effort=True)
        return True

    def _heartbeat(self, client: SyncClient, *, best_effort: bool = False) -> None:
        """``best_effort``: a refusal (a server from before a field, say) is noted and passed over, so it never
        keeps records from going or a good sync from counting; no answer at all still stops the sync."""
        try:
            self._send_heartbeat(client)
        except SyncFailure as failure:
            if not best_effort or failure.status is None:
                raise
            log.warning("heartbeat refused (%s); the sync carries on", failure.reason)

    def _send_heartbeat(self, client: SyncClient) -> None:
        unsent, escalations, held = self._local(self._counts)
        answer = client.heartbeat(
            p.HeartbeatRequest(
                unsent=unsent,
                quarantined=held,
                unsent_escalations=escalations,
                app_version="0.1.0",
                schema_version=CLIENT_SCHEMA,
                device_time=p_timestamp(self.now()),
            )
        )
        self._local(self._keep_meta, CLOCK_OFFSET, str(answer.clock_offset_ms))

    def _counts(self) -> tuple[int, int, int]:
        """Unsent records, escalations with anything among them (each once), and records held in quarantine."""
        with self.workspace.uow.read() as session:
            return (
                outbox_store.pending_count(session),
                outbox_store.pending_escalations(session),
                quarantined_count(session),
            )

    def _keep_meta(self, key: str, value: str) -> None:
        with self.workspace.uow.write() as session:
            session.merge(models.Meta(key=key, value=value))

    def _team_health(self, client: SyncClient) -> None:
        """A lead's laptop keeps the team's sync health and staff list (names and roles) from each sync."""
        health = client.team_health()
        self._local(keep_team_health, self.workspace, health.model_dump(mode="json", exclude={"commands"}))

    def _record_failure(self, message: str, reason: str) -> None:
        def keep() -> None:
            with self.workspace.uow.write() as session:
                session.merge(models.Meta(key=LAST_FAILURE, value=message))
                session.merge(models.Meta(key=LAST_FAILURE_REASON, value=reason))

        try:
            self._local(keep)
        except Exception:  # the failure itself is what matters; a full disk must not hide it
            log.warning("could not record the last sync failure")


def forget_failure(session: Session) -> None:
    session.execute(delete(models.Meta).where(models.Meta.key.in_((LAST_FAILURE, LAST_FAILURE_REASON))))


def _policy_pending(session: Session) -> set[uuid.UUID]:
    kept = session.get(models.Meta, POLICY_PENDING)
    return {uuid.UUID(p) for p in json.loads(kept.value)} if kept is not None else set()


def _mark_policy_pending(session: Session, persons: set[uuid.UUID]) -> None:
    """In the transaction that applies the records: the policy must run for these persons even if the sync
    stops before it gets there."""
    if persons:
        merged = _policy_pending(session) | persons
        session.merge(models.Meta(key=POLICY_PENDING, value=json.dumps(sorted(str(p) for p in merged))))


def keep_team_health(workspace: Workspace, report: dict[str, Any]) -> None:
    """Keep the team report for the lead's banner, and the team's staff so notes show who wrote them."""
    with workspace.uow.write() as session:
        session.merge(models.Meta(key=sync_health.META_KEY, value=json.dumps(report)))
        organisation = session.get(models.Meta, "organisation_id")
        team_id = uuid.UUID(report["team_id"])
        if organisation is None or session.get(models.Team, team_id) is None:
            return  # the team arrives with its first person's snapshot; names follow at the next sync
        for member in report["staff"]:
            staff_id = uuid.UUID(member["user_id"])
            if session.get(models.Staff, staff_id) is None:
                session.add(models.Staff(id=staff_id, organisation_id=uuid.UUID(organisation.value), team_id=team_id,
                                         name=member["name"], role=member["role"], phone=None))  # fmt: skip


def p_timestamp(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def quarantined_count(session: Session) -> int:
    query = select(func.count()).select_from(models.Meta).where(models.Meta.key.like(f"{QUARANTINE_PREFIX}%"))
    return session.scalar(query) or 0


def purge_person(workspace: Workspace, person_id: uuid.UUID) -> bool:
    """Remove a person and their records from this device, unless something of theirs is still unsent."""
    with workspace.uow.write() as session:
        pending = session.scalar(
            select(func.count())
            .select_from(models.OutboxItem)
            .where(models.OutboxItem.person_id == person_id, models.OutboxItem.acked_at.is_(None))
        )
        drafts = session.scalar(
            select(func.count())
            .select_from(models.ContactNote)
            .where(models.ContactNote.person_id == person_id, models.ContactNote.signed_at.is_(None))
        )
        if pending or drafts:
            # Never lose a record a worker saved: it goes once it has been sent, and an unsigned draft once
            # it is signed (and sent) or discarded by the worker.
            return False
        plans = list(session.scalars(select(models.SafetyPlan.id).where(models.SafetyPlan.person_id == person_id)))
        plans_repo.forget_server_plan_state(session, plans)
        # Every record of theirs is on the server (checked above), so only this device's copy goes.
        with append_only.lifted_for_removal(session.connection(), tuple(t.name for t in _PURGE_ORDER)):
            for table in _PURGE_ORDER:
                session.execute(delete(table).where(table.c.person_id == person_id))
            session.execute(delete(models.Person).where(models.Person.id == person_id))
        audit.append(session, workspace.actor, audit.AuditAction.REMOVED, workspace.clock.now(), "person", person_id)
    return True


def _purge_order() -> list[Table]:
    """Every table holding a person's rows, children before parents so the foreign keys hold at every step.
    Read from the schema, so a record type added later is purged too; the audit log stays (it is the
    device's account of what was done, and holds no clinical text)."""
    return [
        table
        for table in reversed(models.Base.metadata.sorted_tables)
        if "person_id" in table.c and table.name not in ("person", "audit_event")
    ]


_PURGE_ORDER = _purge_order()


# -- enrolment -------------------------------------------------------------------------------------------


def enrol(workspace: Workspace, server: str, code: str, device_name: str, ca_file: Path | None) -> SyncState:
    """Enrol this store with the server and keep what it answers (token, ids, epoch, command key)."""
    with workspace.uow.read() as session:
        if session.get(models.Meta, "demo") is not None:
            # Its records were written by invented staff; sending them would put fiction on a real server.
            raise SyncFailure(
                "This is the demo's data folder, which cannot be enrolled. Use a new data folder; nothing was changed.",
                reason="demo_store",
                retry=False,
            )
        try:
            SyncState.load(session)
        except NotEnrolled:
            pass
        else:
            raise SyncFailure(
                "This laptop is already enrolled; nothing was changed.", reason="already_enrolled", retry=False
            )
    client = SyncClient(server, ca_file=ca_file)
    try:
        answer = client.enrol(code, device_name)
    finally:
        client.close()
    if ca_file is not None:
        shutil.copyfile(ca_file, workspace.store.data_dir / CA_NAME)
    state = SyncState(
        server=server,
        token=answer.token,
        device_id=str(answer.device_id),
        user_id=str(answer.user_id),
        organisation_id=str(answer.organisation_id),
        role=answer.role,
        epoch=answer.server_epoch,
        command_key=answer.command_public_key,
    )
    with workspace.uow.write() as session:
        state.save(session)
        ensure_staff(session, answer.organisation_id, answer.user_id, answer.user_name, answer.role, answer.team)
    workspace.set_identity(answer.organisation_id, answer.user_id, answer.device_id)
    return state


def renew_enrolment(workspace: Workspace, code: str, device_name: str, *, local: LocalRunner = run_here) -> SyncState:
    """Enrol again after the token lapsed (``token_expired``): the server renews this same device, so the
    outbox's records, which carry its id and numbering, still go. Keeps everything but the new token.
    ``local`` runs its two short store units, as for a sync (the desktop: on the store's write queue)."""

    def load() -> SyncState:
        with workspace.uow.read() as session:
            return SyncState.load(session)

    def keep(state: SyncState) -> None:
        with workspace.uow.write() as session:
            state.save(session, "token")
            forget_failure(session)  # the lapsed sign-in it said is renewed; the next sync says how it went

    state: SyncState = local(load)
    client = SyncClient(state.server, state.token, ca_file=_ca_of(workspace))
    try:
        answer = client.enrol(code, device_name)
    finally:
        client.close()
    if str(answer.device_id) != state.device_id:
        raise SyncFailure(
            f"The server answered for another device, so nothing was changed. {NOTHING_LOST} Tell your IT support.",
            reason="renewal_mismatch",
            retry=False,
        )
    # The epoch is kept as it was: if the server's changed meanwhile, the next sync's resync handles it.
    state.token = answer.token
    local(lambda: keep(state))
    return state


def _ca_of(workspace: Workspace) -> Path | None:
    path = workspace.store.data_dir / CA_NAME
    return path if path.exists() else None


# -- break-glass -----------------------------------------------------------------------------------------


BREAK_GLASS_REASON_MIN = 20  # as the server's BreakGlassRequest requires


def break_glass(engine: SyncEngine, person_id: uuid.UUID, reason: str) -> tuple[p.BreakGlassGrant, SyncReport]:
    """Open a person outside this duty worker's cover: the server records the reason and grants a short time;
    the sync that follows brings the person (their hold says until when), and a later one takes them away
    once the grant has ended and what was recorded for them has been sent. Needs the server: offline, it
    fails with the reason in words and nothing changes."""
    _check_reason(reason)
    return _grant(engine, lambda client: client.break_glass(person_id, reason.strip()).grant), engine.sync()


@dataclass(frozen=True)
class AlreadyHeld:
    """The server's answer when the duty worker already holds the person (their caseload or cover now):
    nothing was opened by break-glass, nothing is for the lead, and the person is opened from this laptop.
    ``nhs_number``: the digits asked for, to find the person here."""

    nhs_number: str


def break_glass_by_nhs_number(
    engine: SyncEngine, nhs_number: str, reason: str
) -> tuple[p.BreakGlassGrant | AlreadyHeld, SyncReport]:
    """The same, for a person known only by NHS number (typed as 943 476 5919 or 9434765919). A number that
    finds nobody the organisation holds is refused in words, and nothing is opened."""
    return request_break_glass_by_nhs_number(engine, nhs_number, reason), engine.sync()


def request_break_glass_by_nhs_number(
    engine: SyncEngine, nhs_number: str, reason: str
) -> p.BreakGlassGrant | AlreadyHeld:
    """Only the server's grant, without the sync that brings the person (the window runs its own, so two
    syncs never overlap); ``AlreadyHeld`` when the person is already the worker's to open."""
    try:
        digits = nhs.validate(nhs_number)
    except InvalidInput as problem:
        raise SyncFailure(f"{problem} Nothing was opened.", reason="invalid_nhs_number", retry=False) from None
    _check_reason(reason)
    try:
        return _grant(engine, lambda client: client.break_glass_by_nhs_number(digits, reason.strip()).grant)
    except SyncFailure as failure:
        if failure.reason == ALREADY_HELD:
            return AlreadyHeld(digits)
        if failure.reason == "person_not_visible":
            raise SyncFailure(
                "Nobody with that NHS number is held by your organisation's Waymark. Check the number with the "
                "caller; nothing was opened. The attempt is recorded.",
                reason="person_not_visible",
                retry=False,
            ) from None
        raise


def _check_reason(reason: str) -> None:
    if len(reason.strip()) < BREAK_GLASS_REASON_MIN:
        raise SyncFailure(
            f"Write why you must open this person now (at least {BREAK_GLASS_REASON_MIN} characters): your team lead "
            "reads it. Nothing was opened.",
            reason="reason_too_short",
            retry=False,
        )


ALREADY_HELD = "already_held"
_BREAK_GLASS_REFUSALS = {
    ALREADY_HELD: "This person is already on your caseload or cover, so nothing was opened by break-glass and "
    "nothing is lost: open them from your caseload.",
    "device_retiring": "This laptop is being retired by your organisation, so it cannot open anyone new. Nothing "
    "was opened; use another duty laptop.",
    "role_may_not_break_glass": "Only duty staff can open someone outside their caseload or cover. Nothing was "
    "opened; ask the duty worker or your team lead.",
    "nhs_number_ambiguous": "More than one record in your organisation holds that NHS number, so none was opened: "
    "ring your team lead or the on-call manager, who can tell which is the person.",
    # Said to a duty worker under pressure: what happened, that nothing is lost, and what to do instead of waiting.
    "too_many_break_glass_attempts": "Not opened: too many records were asked for from your sign-in in a short "
    "time, so Waymark has paused this for now (it stops NHS numbers being tried one after another). Nothing "
    "recorded on this laptop is lost. Do not wait: phone the duty lead or on-call manager now, who can open the "
    "record or act for you; if someone is in danger, phone 999. Opening starts again by itself, usually within "
    "the hour.",
}


def _grant(engine: SyncEngine, ask: Callable[[SyncClient], p.BreakGlassGrant]) -> p.BreakGlassGrant:
    state = engine.state()
    client = engine.client_factory(state, engine._ca())
    try:
        grant = ask(client)
    except SyncFailure as failure:
        words = _BREAK_GLASS_REFUSALS.get(failure.reason)
        if words is None:
            raise
        # Final, not "sync will try again": the same request would be refused the same way.
        raise SyncFailure(words, reason=failure.reason, retry=False, status=failure.status) from None
    finally:
        client.close()
    return grant


# -- retries ---------------------------------------------------------------------------------------------


@dataclass
class Backoff:
    """When to try again: exponential with full jitter, capped, and re-armed after every failure.

    Jitter keeps a team's laptops, all coming back into signal at the depot, from retrying in step."""

    base: float = 5.0
    cap: float = 15 * 60.0
    rng: random.Random = field(default_factory=random.Random)
    failures: int = 0

    def failed(self) -> float:
        """Seconds until the next attempt after this failure."""
        self.failures += 1
        return self.rng.uniform(self.base / 2, min(self.cap, self.base * 2 ** (self.failures - 1)))

    def succeeded(self) -> None:
        self.failures = 0


def describe(failure: BaseException) -> str:
    if isinstance(failure, SyncFailure):
        return str(failure)
    if isinstance(failure, NotEnrolled):
        return f"{failure} Records stay on this laptop."
    return f"Sync stopped because of an unexpected problem. {NOTHING_LOST}"
