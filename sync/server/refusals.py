"""Refused requests, counted rather than logged one by one, so a flood cannot fill the database or the disk.

Each (source address, reason, device) gets one row per minute in ``refusal_tally`` with a count, and one
audit event when the row is made. A request path is kept only as its first characters and its SHA-256.
Each server process counts in memory and writes the count every ``FLUSH_EVERY`` refusals, so a flood costs
a database write per fifty requests, not per request. Past ``MAX_SOURCES`` sources in one minute, the rest
are counted together under the source ``many``: rows per minute are bounded whatever the attacker spreads
over.
"""

from __future__ import annotations

import hashlib
import threading
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sync.server import audit
from sync.server.models import RefusalTally

WINDOW = timedelta(minutes=1)
FLUSH_EVERY = 50
MAX_SOURCES = 100
PATH_KEPT = 120
MAX_PENDING = 10_000
# Tallies are a rate record; the audit event for each window stays for good.
KEEP_TALLIES = timedelta(days=30)

Key = tuple[str, str, str, datetime]


def window_of(at: datetime) -> datetime:
    return at.replace(second=0, microsecond=0)


class RefusalLog:
    def __init__(self, transaction: Callable[[], AbstractContextManager[Session]]) -> None:
        self._transaction = transaction
        self._lock = threading.Lock()
        self._pending: dict[Key, int] = {}

    def record(
        self,
        at: datetime,
        source: str,
        reason: str,
        path: str,
        user_id: uuid.UUID | None = None,
        device_id: uuid.UUID | None = None,
    ) -> None:
        key: Key = (source[:64], reason, str(device_id) if device_id else "-", window_of(at))
        flushes: list[tuple[Key, int, bool]] = []
        with self._lock:
            if key not in self._pending and len(self._pending) >= MAX_PENDING:
                # Memory is bounded too: a flood from ever new addresses is counted under one key.
                key = ("many", *key[1:])
            for old in [k for k in self._pending if k[3] < key[3]]:
                # A closed window's remainder is written with the next refusal from anywhere.
                if self._pending[old]:
                    flushes.append((old, self._pending[old], False))
                del self._pending[old]
            if key not in self._pending:
                self._pending[key] = 0
                flushes.append((key, 1, True))
            else:
                self._pending[key] += 1
                if self._pending[key] >= FLUSH_EVERY:
                    flushes.append((key, self._pending[key], False))
                    self._pending[key] = 0
        for flushed, count, first in flushes:
            try:
                self._write(at, flushed, count, first, path, user_id, device_id)
            except IntegrityError:
                # Another server process made the same minute's row first: add to theirs.
                self._write(at, flushed, count, False, path, user_id, device_id)

    def _write(
        self,
        at: datetime,
        key: Key,
        count: int,
        first: bool,
        path: str,
        user_id: uuid.UUID | None,
        device_id: uuid.UUID | None,
    ) -> None:
        source, reason, device_key, window = key
        with self._transaction() as session:
            row = session.get(RefusalTally, (window, source, reason, device_key), with_for_update=True)
            if row is None and not first:
                row = session.get(RefusalTally, (window, "many", reason, device_key), with_for_update=True)
            if row is not None:
                row.count += count
                return
            sources = session.scalar(
                select(func.count(func.distinct(RefusalTally.source))).where(RefusalTally.window_start == window)
            )
            if (sources or 0) >= MAX_SOURCES:
                source = "many"
                row = session.get(RefusalTally, (window, source, reason, device_key), with_for_update=True)
                if row is not None:
                    row.count += count
                    return
            session.execute(delete(RefusalTally).where(RefusalTally.window_start < at - KEEP_TALLIES))
            session.add(
                RefusalTally(window_start=window, source=source, reason=reason, device_key=device_key, count=count)
            )
            audit.append(
                session,
                at,
                [
                    audit.Entry(
                        "security.refused",
                        reason,
                        user_id,
                        device_id,
                        detail={
                            "source": source,
                            "path": path[:PATH_KEPT],
                            "path_sha256": hashlib.sha256(path.encode("utf-8", "replace")).hexdigest(),
                            "counted_in": "refusal_tally",
                        },
                    )
                ],
            )
