"""Sync health of a team, as the lead's view shows it: who has not synced for a day, which devices hold
records the server quarantined, unsent records that devices' heartbeats report, and break-glass openings.

The figures come from the server (its team health report, kept on this laptop at each sync); offline, the
lead sees the last report and how old it is, never a guess. Pure: no store, no Qt.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape
from typing import Any

NOT_SYNCED_AFTER = timedelta(hours=24)
META_KEY = "sync.team_health"


@dataclass(frozen=True, slots=True)
class WorkerSync:
    name: str
    last_sync_at: datetime | None


def _t(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def not_synced(workers: list[WorkerSync], now: datetime) -> list[WorkerSync]:
    """Workers whose last sync (any of their devices) is more than 24 hours ago, or never: longest first."""
    late = [w for w in workers if w.last_sync_at is None or now - w.last_sync_at > NOT_SYNCED_AFTER]
    return sorted(late, key=lambda w: (w.last_sync_at is not None, w.last_sync_at or now, w.name))


def _ago(now: datetime, then: datetime) -> str:
    hours = int((now - then).total_seconds() // 3600)
    if hours >= 48:
        return f"{hours // 24} days ago"
    return f"{hours} hour{'s' if hours != 1 else ''} ago"


def describe(report: Mapping[str, Any] | None, now: datetime) -> str:
    """The sync-health banner as rich text (names and counts only: no clinical text)."""
    if report is None:
        return (
            "<b>Sync health:</b> no team report from the server on this laptop yet (it comes with each sync). "
            "Until then nothing here says whether the team's records have reached the server."
        )
    as_of = _t(report["as_of"])
    assert as_of is not None
    workers = [WorkerSync(w["name"], _t(w["last_sync_at"])) for w in report.get("workers", [])]
    parts = []
    late = not_synced(workers, as_of)
    if late:
        names = ", ".join(
            f"{escape(w.name)} ({'never synced' if w.last_sync_at is None else 'last synced ' + _ago(as_of, when)})"
            for w in late
            for when in [w.last_sync_at or as_of]
        )
        parts.append(f"Not synced for 24 hours: {names}")
    quarantined = [d for d in report.get("devices", []) if d.get("quarantined")]
    if quarantined:
        held = ", ".join(f"{escape(d['name'])} ({d['quarantined']})" for d in quarantined)
        parts.append(f"Records held by the server for review: {held}")
    unsent = [d for d in report.get("devices", []) if d.get("unsent")]
    if unsent:
        parts.append("Waiting to send, by their last heartbeat: " + ", ".join(
            f"{escape(d['name'])} ({d['unsent']})" for d in unsent
        ))  # fmt: skip
    openings = report.get("break_glass", [])
    parts.append(f"Break-glass openings: {len(openings)}" if openings else "No break-glass openings")
    age = _ago(now, as_of) if now - as_of > timedelta(hours=1) else "from the last sync"
    head = f"<b>Sync health</b> (server report {age})"
    if not late and not quarantined and not unsent:
        parts.insert(0, "every worker synced within 24 hours; nothing held or waiting")
    return head + ": " + "; ".join(parts) + "."
