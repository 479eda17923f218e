"""Sync health of a team, as the lead's view shows it: who has not synced for a day, which devices hold
records the server quarantined, unsent records that devices' heartbeats report, break-glass openings and the
team's staff's refused break-glass attempts (who, when, which refusal and their written reason; never the
number tried, which the server does not keep).

The figures come from the server (its team health report, kept on this laptop at each sync); offline, the
lead sees the last report and how old it is, never a guess. When this laptop last synced is said from one
source, the store's record of its last completed sync (``last_sync_words``), here and on the governance
dashboard and report alike; "never" is said with what it means. Pure: no store, no Qt.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html import escape
from typing import Any

from app.hours import LONDON

NOT_SYNCED_AFTER = timedelta(hours=24)
META_KEY = "sync.team_health"
NEVER_SYNCED_WORDS = (
    "never: this laptop has not completed a sync with the server, so nothing recorded on the team's other "
    "laptops is here"
)
WORKER_NEVER_WORDS = (
    "“Never synced” means no laptop of theirs has reached the server since it was enrolled: nothing they have "
    "recorded has reached the server or this laptop."
)


def last_sync_words(last_synced: datetime | None) -> str:
    """When this laptop last completed a sync, for every screen and report that says it: a time, or what
    "never" means."""
    if last_synced is None:
        return NEVER_SYNCED_WORDS
    at = last_synced.astimezone(UTC)
    return f"{at.day} {at:%b %Y %H:%M} UTC"


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


def _heard(at: str | None) -> str:
    when = _t(at)
    return f", reported {when.astimezone(LONDON):%d %b %H:%M}" if when else ""


def _escalations(count: int) -> str:
    # In words: a bare "3" beside an escalation reads as three escalations, whatever it counts.
    return f"{count} escalation{'s' if count != 1 else ''}"


def _opening(grant: Mapping[str, Any], person: str | None) -> str:
    granted, ends = _t(grant.get("granted_at")), _t(grant.get("ends_at"))
    span = f"{granted.astimezone(LONDON):%d %b %H:%M}–{ends.astimezone(LONDON):%H:%M}" if granted and ends else ""
    who = escape(person) if person else "a person not on this laptop"
    return f"{escape(str(grant.get('user_name', '')))} opened {who} {span}: “{escape(str(grant.get('reason', '')))}”"


# Each refusal in a lead's words; a refusal this version does not know is shown by its name.
REFUSAL_WORDS = {
    "person_not_visible": "found nobody",
    "nhs_number_ambiguous": "the number is on more than one record, none opened",
    "too_many_break_glass_attempts": "too many attempts in a short time, paused",
    "role_may_not_break_glass": "not duty staff",
    "device_retiring": "from a laptop being retired",
}


def _refused(attempt: Mapping[str, Any]) -> str:
    at = _t(attempt.get("at"))
    when = f" {at.astimezone(LONDON):%d %b %H:%M}" if at else ""
    refusal = str(attempt.get("refusal", ""))
    words = REFUSAL_WORDS.get(refusal, refusal)
    return (
        f"{escape(str(attempt.get('user_name', '')))}{when}, {escape(words)}: "
        f"“{escape(str(attempt.get('reason', '')))}”"
    )


def describe(
    report: Mapping[str, Any] | None,
    now: datetime,
    last_synced: datetime | None = None,
    persons: Mapping[str, str] | None = None,
) -> str:
    """The sync-health banner as rich text: names and counts, and the written reason of a break-glass opening
    or refused attempt, which is the lead's to read (no other clinical text).

    ``last_synced``: this laptop's last completed sync, as the store records it (the report is fetched at
    the end of each sync, so its age is that sync's age). ``persons``: names by person id, for the persons
    on this laptop (a break-glass opening names its person when the lead's laptop holds them)."""
    if report is None:
        return (
            "<b>Sync health:</b> no team report from the server on this laptop yet (it comes with each sync; "
            f"this laptop's last sync: {escape(last_sync_words(last_synced))}). Until then nothing here says "
            "whether the team's records have reached the server."
        )
    as_of = _t(report["as_of"])
    assert as_of is not None
    workers = [WorkerSync(w["name"], _t(w["last_sync_at"])) for w in report.get("workers", [])]
    parts = []
    # First: an escalation that a laptop holds and the server does not means nobody else has been told.
    escalations = [d for d in report.get("devices", []) if d.get("unsent_escalations")]
    if escalations:
        parts.append("<b>Escalations recorded but not yet on the server</b> (or with steps not yet sent), by their "
                     "last heartbeat: " + ", ".join(
            f"{escape(d['name'])} ({_escalations(d['unsent_escalations'])}{_heard(d.get('heartbeat_at'))})"
            for d in escalations
        ))  # fmt: skip
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
    # Absent from a server from before it: nothing is said about refused attempts rather than "none".
    refused = report.get("break_glass_refused")
    if openings:
        parts.append(f"Break-glass openings in the last 30 days ({len(openings)}): " + "; ".join(
            _opening(g, (persons or {}).get(str(g.get("person_id")))) for g in openings
        ))  # fmt: skip
    else:
        parts.append("No break-glass openings" + (" or refused attempts" if refused == [] else ""))
    if refused:
        parts.append(
            f"Refused break-glass attempts by the team's staff in the last 30 days ({len(refused)}): "
            + "; ".join(_refused(r) for r in refused)
        )
    if last_synced is not None:
        age = "under an hour ago" if now - last_synced < timedelta(hours=1) else _ago(now, last_synced)
        when = escape(last_sync_words(last_synced))
        head = f"<b>Sync health</b> (the server's report at this laptop's last sync, {when}, {age})"
    else:
        head = (f"<b>Sync health</b> (a server report from {escape(last_sync_words(as_of))}; this laptop has no "
                "completed sync on record)")  # fmt: skip
    if not late and not quarantined and not unsent and not escalations:
        parts.insert(0, "every worker synced within 24 hours; nothing held or waiting")
    never = any(w.last_sync_at is None for w in late)
    return head + ": " + "; ".join(parts) + "." + (f" {escape(WORKER_NEVER_WORDS)}" if never else "")
