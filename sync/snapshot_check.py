"""Checking a person's snapshot before any of it is applied (PROTOCOL.md §2.5).

A snapshot is the whole of a person's record as the server holds it. One cut short by a proxy, or altered
on the way, would leave the device believing it holds everything when it does not; so the count, the
digest over ``record_id:sha256`` and every record's own hash are checked first, and a snapshot that fails
any of them is refused whole. The next sync asks for it again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

from storage import records
from sync import protocol as p
from sync.client import NOTHING_LOST, SyncFailure

# The envelope fields that are hashed (PROTOCOL.md §1.1 without ``seq`` and ``sha256``); a snapshot's
# records also carry the server's ``received_at`` and ``flags``, which are not part of the record.
HASHED = (
    "record_id",
    "record_type",
    "schema_version",
    "person_id",
    "author_id",
    "device_id",
    "authored_at",
    "refers_to",
    "payload",
)


def digest(envelopes: Sequence[Mapping[str, Any]]) -> str:
    lines = sorted(f"{e['record_id']}:{e['sha256']}" for e in envelopes)
    return "sha256:" + hashlib.sha256("\n".join(lines).encode()).hexdigest()


def check(snap: p.PersonSnapshot) -> None:
    """Raise ``SyncFailure`` unless the snapshot is whole and every record is what its hash says."""
    problem = _problem(snap)
    if problem is not None:
        raise SyncFailure(
            "The server's copy of a person's record arrived incomplete or altered, so none of it was used "
            f"({problem}). {NOTHING_LOST} Sync will ask for it again by itself.",
            reason="snapshot_damaged",
            retry=True,
        )


def _problem(snap: p.PersonSnapshot) -> str | None:
    if snap.count != len(snap.records):
        return f"expected {snap.count} records, received {len(snap.records)}"
    for env in snap.records:
        try:
            if env["person_id"] != str(snap.person_id):
                return "a record for another person"
            if records.sha256({k: env[k] for k in HASHED}) != env["sha256"]:
                return "a record does not match its hash"
        except (KeyError, TypeError):
            return "a record is missing fields"
    if digest(snap.records) != snap.digest:
        return "the digest does not match"
    return None
