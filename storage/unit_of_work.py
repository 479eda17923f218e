"""Sessions for one store, and the guard that makes the outbox and the audit trail impossible to forget.

Every change record added through the ORM must, by the time its transaction commits, have its outbox
entry (unless it is a draft note, which stays on the device) and at least one audit event naming it.
A write path that forgets either is refused at commit and rolled back, so a new service cannot
quietly write records that never sync or leave no trace. Records that arrive from elsewhere (sync's
receive path) are already someone's log entries: that path marks its session with ``receiving``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from storage import records
from storage.engine import READ_ONLY_TRANSACTION
from storage.errors import StoreBusy, StoreError
from storage.models import AuditEvent, ContactNote, OutboxItem

# app/ names the transaction it is handed as ``storage.unit_of_work.Session`` and never imports SQLAlchemy.
__all__ = ["RECEIVING", "Session", "UnitOfWork", "UnqueuedRecord"]

_NEW = "waymark_new_records"
RECEIVING = "receiving"


class UnqueuedRecord(StoreError):
    """A programming error, not the worker's: a record was written without its outbox or audit entry."""


class UnitOfWork:
    """What services hold instead of a store: read sessions, and write transactions that commit or not."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A snapshot to read from. It takes no write lock, so a read (the status bar, the caseload, a
        plan opened in a hurry) never waits for a sync or a save, and never fails because one is running."""
        with self._sessions() as session:
            session.connection(execution_options={READ_ONLY_TRANSACTION: True})
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back (nothing written) if it raises.

        Raises ``StoreBusy`` when another writer kept the lock past the busy timeout: nothing was written,
        and the caller may run the whole write again (ui/operations.py does, until it lands)."""
        with _busy_as_store_busy(), self._sessions.begin() as session:
            yield session

    @contextmanager
    def receive(self) -> Iterator[Session]:
        """A transaction for records made elsewhere, which this device must not queue as its own."""
        with _busy_as_store_busy(), self._sessions.begin() as session:
            session.info[RECEIVING] = True
            yield session


# SQLite's words for "another connection holds the lock" (SQLITE_BUSY, SQLITE_LOCKED).
_BUSY = ("database is locked", "database is busy", "database table is locked")


def is_busy(exc: BaseException) -> bool:
    return isinstance(exc, OperationalError) and any(words in str(exc.orig) for words in _BUSY)


@contextmanager
def _busy_as_store_busy() -> Iterator[None]:
    try:
        yield
    except OperationalError as exc:
        if is_busy(exc):
            raise StoreBusy(
                "This laptop's records were in use by another task for too long; nothing was written."
            ) from None
        raise


@event.listens_for(Session, "before_flush")
def _note_new_records(session: Session, _context: Any, _instances: Any) -> None:
    for obj in session.new:
        if type(obj) in records.MODELS:
            session.info.setdefault(_NEW, {})[obj.id] = obj


@event.listens_for(Session, "before_commit")
def _refuse_unqueued_records(session: Session) -> None:
    session.flush()
    new: dict[uuid.UUID, Any] = session.info.pop(_NEW, {})
    if not new or session.info.get(RECEIVING):
        return
    ids = list(new)
    queued = set(session.scalars(select(OutboxItem.record_id).where(OutboxItem.record_id.in_(ids))))
    audited = set(session.scalars(select(AuditEvent.record_id).where(AuditEvent.record_id.in_([str(i) for i in ids]))))
    for record_id, row in new.items():
        draft = isinstance(row, ContactNote) and row.signed_at is None
        if (record_id not in queued and not draft) or str(record_id) not in audited:
            raise UnqueuedRecord(
                f"A {type(row).__tablename__} record was written without its outbox or audit entry; nothing "
                "was saved. This is a fault in Waymark: please report it."
            )


@event.listens_for(Session, "after_soft_rollback")
def _forget_new_records(session: Session, _previous: Any) -> None:
    session.info.pop(_NEW, None)
