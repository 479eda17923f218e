"""The organisation's offline lease: how long a laptop keeps full access to case data after a sync.

Kept in the server's settings (``server_meta``); 7 days unless an admin sets another
(``waymark-server admin set-lease --days N``). Every pull tells the device, so a change reaches each laptop
at its next sync.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from sync.server.models import ServerMeta

KEY = "offline_lease_s"
DEFAULT = timedelta(days=7)
# Shorter would lock a worker out between two ordinary shifts; longer than a month is not a lease.
SHORTEST, LONGEST = timedelta(hours=12), timedelta(days=31)


def seconds(session: Session) -> int:
    row = session.get(ServerMeta, KEY)
    return int(row.value) if row is not None else int(DEFAULT.total_seconds())


def set_length(session: Session, length: timedelta) -> None:
    if not SHORTEST <= length <= LONGEST:
        raise ValueError(f"the offline lease must be between {SHORTEST} and {LONGEST.days} days")
    row = session.get(ServerMeta, KEY)
    if row is None:
        session.add(ServerMeta(key=KEY, value=str(int(length.total_seconds()))))
    else:
        row.value = str(int(length.total_seconds()))
