"""UUIDv7 record ids (RFC 9562): time-ordered, made on the device, unique without a server."""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Iterable

from storage.records import WAYMARK_NAMESPACE

_lock = threading.Lock()
_last_ms = 0
_counter = 0


def new_id() -> uuid.UUID:
    """A UUIDv7; ids made in one process are strictly increasing, even within one millisecond."""
    global _last_ms, _counter
    with _lock:
        now_ms = time.time_ns() // 1_000_000
        if now_ms <= _last_ms:
            # Same millisecond (or the clock stepped back): keep order with a 12-bit counter
            # in rand_a, borrowing the next millisecond if it overflows.
            _counter += 1
            if _counter > 0xFFF:
                _last_ms += 1
                _counter = 0
            now_ms = _last_ms
        else:
            _last_ms = now_ms
            _counter = 0
        rand_b = int.from_bytes(os.urandom(8)) & ((1 << 62) - 1)
        value = (now_ms & ((1 << 48) - 1)) << 80 | 0x7 << 76 | _counter << 64 | 0b10 << 62 | rand_b
    return uuid.UUID(int=value)


def derived_id(kind: str, person_id: uuid.UUID, causes: Iterable[uuid.UUID]) -> uuid.UUID:
    """The id of a record the rules derive from ``causes``: the same on every writer, so the second insert
    of the same derived record is a no-op rather than a duplicate."""
    joined = ",".join(sorted(str(c) for c in causes))
    return uuid.uuid5(WAYMARK_NAMESPACE, f"{kind}:{person_id}:{joined}")


def plan_id_for(person_id: uuid.UUID) -> uuid.UUID:
    """A person's safety plan id: one per person, the same on every laptop, so first plans written on two
    laptops apart are two revisions of one plan (a conflict to merge), not two plans for one person."""
    return uuid.uuid5(WAYMARK_NAMESPACE, f"safety-plan:{person_id}")
