"""Reasonable bounds on the times a worker enters, each refusal naming the field.

A mistyped year must not become a signed clinical record ("1 Jan 1900 to today") nor decide which pathway
applies (an escalation "identified" in 1900 chose 1900's hours and showed "overdue by 1104503 h").
"""

from __future__ import annotations

from datetime import datetime, timedelta

from app.errors import InvalidInput

# A contact (a visit, a call) lasts at most a day; longer is a mistyped date.
MAX_CONTACT = timedelta(hours=24)
# An escalation is recorded while it is happening: identified at most this long ago.
MAX_ESCALATION_LOOKBACK = timedelta(days=7)
# A follow-up is due in the future, and within a quarter (a later review is planned work, not a follow-up).
MAX_FOLLOW_UP_AHEAD = timedelta(days=92)


def _when(at: datetime) -> str:
    return f"{at.astimezone():%a %d %b %Y %H:%M}"


def check_contact_times(start: datetime, end: datetime, record_since: datetime | None) -> None:
    if end - start > MAX_CONTACT:
        raise InvalidInput("Contact ended", f"is more than 24 hours after the contact started ({_when(start)})")
    if record_since is not None and start < record_since - timedelta(days=1):
        raise InvalidInput(
            "Contact started", f"is before this person's record began ({record_since.astimezone():%d %b %Y})"
        )


def check_identified_at(at: datetime, now: datetime, record_since: datetime | None) -> None:
    if at < now - MAX_ESCALATION_LOOKBACK:
        raise InvalidInput(
            "When you identified the concern",
            f"is more than {MAX_ESCALATION_LOOKBACK.days} days ago ({_when(at)}): check the date",
        )
    if record_since is not None and at < record_since - timedelta(days=1):
        raise InvalidInput(
            "When you identified the concern",
            f"is before this person's record began ({record_since.astimezone():%d %b %Y})",
        )


def check_follow_up_due(due: datetime, now: datetime) -> None:
    if due <= now:
        raise InvalidInput("Follow-up due", f"must be in the future ({_when(due)} has passed)")
    if due > now + MAX_FOLLOW_UP_AHEAD:
        raise InvalidInput("Follow-up due", f"is more than 3 months ahead ({_when(due)}): check the date")
