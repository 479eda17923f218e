"""What the status bar says about sync, in words: unsent, held by the server, last success, last failure.

"Up to date" is said only when every record on this laptop has been acknowledged and the last attempt
succeeded; otherwise the worker is told what is waiting and why.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from app.workspace import Workspace
from storage import outbox as outbox_store
from storage.repo import device as device_repo
from sync.engine import CLOCK_OFFSET, LAST_FAILURE, LAST_FAILURE_REASON, LAST_SUCCESS, QUARANTINE_PREFIX

# Beyond this the laptop's own times (when a note was recorded, when a plan was written) are visibly wrong;
# nothing is ordered by them, but a reader of the record must be told (sync-reference scenario 16).
CLOCK_WARN_AFTER_MS = 5 * 60 * 1000


@dataclass(frozen=True, slots=True)
class SyncStatus:
    enrolled: bool
    unsent: int
    quarantined: int
    last_success: datetime | None
    last_failure: str | None
    clock_offset_ms: int = 0
    last_failure_reason: str | None = None

    @property
    def sign_in_lapsed(self) -> bool:
        """The server refused this laptop's lapsed token: a new code renews the enrolment (nothing is lost)."""
        return self.enrolled and self.last_failure_reason == "token_expired"


def read_status(workspace: Workspace) -> SyncStatus:
    with workspace.uow.read() as session:
        meta = device_repo.meta(session)
        unsent = outbox_store.pending_count(session)
    last = meta.get(LAST_SUCCESS)
    return SyncStatus(
        enrolled="sync.token" in meta,
        unsent=unsent,
        quarantined=sum(1 for key in meta if key.startswith(QUARANTINE_PREFIX)),
        last_success=datetime.fromisoformat(last) if last else None,
        last_failure=meta.get(LAST_FAILURE),
        clock_offset_ms=int(meta.get(CLOCK_OFFSET, "0")),
        last_failure_reason=meta.get(LAST_FAILURE_REASON),
    )


def ago(then: datetime, now: datetime) -> str:
    seconds = max(0, int((now - then).total_seconds()))
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{seconds // 60} min ago"
    if seconds < 48 * 3600:
        return f"{seconds // 3600} h ago"
    return f"{seconds // 86400} days ago"


def status_line(status: SyncStatus, now: datetime, *, syncing: bool = False) -> str:
    parts: list[str] = []
    if syncing:
        parts.append("Syncing…")
    if not status.enrolled:
        parts.append("Not connected to a sync server: records stay on this laptop")
    if status.unsent:
        parts.append(f"{status.unsent} record{'s' if status.unsent != 1 else ''} on this laptop only (unsent)")
    if status.quarantined:
        parts.append(f"{status.quarantined} held by the server for review (not lost)")
    if status.enrolled:
        if status.last_success is None:
            parts.append("Never synced")
        else:
            parts.append(f"Last synced {ago(status.last_success, now)}")
        if status.sign_in_lapsed:
            # Short enough to be read whole in the status bar, beside the button that renews it.
            parts.append("Sync stopped: this laptop's sign-in to the server has lapsed (nothing is lost)")
        elif status.last_failure:
            parts.append(f"Last sync failed: {status.last_failure}")
        elif not syncing and status.unsent == 0 and status.last_success is not None:
            parts.insert(0, "Up to date")
    warning = clock_warning(status.clock_offset_ms)
    if warning:
        parts.append(warning)
    return " · ".join(parts)


def clock_warning(offset_ms: int) -> str | None:
    """Words for a laptop clock far from the server's, or None when it is close enough."""
    if abs(offset_ms) <= CLOCK_WARN_AFTER_MS:
        return None
    size = abs(offset_ms) / 1000  # rounded, not floored: the measurement is a request's latency short
    if size >= 2 * 86400:
        amount = f"{round(size / 86400)} days"
    elif size >= 3600:
        amount = f"{round(size / 3600)} h"
    else:
        amount = f"{round(size / 60)} min"
    side = "ahead of" if offset_ms > 0 else "behind"
    return (
        f"This laptop's clock is {amount} {side} the server's: times recorded here will be shown wrong "
        "(sync and plan versions do not depend on it). Ask IT to correct the clock."
    )
