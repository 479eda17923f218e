"""Reasonable bounds on the times a worker enters, each refusal naming the field.

A mistyped year must not become a signed clinical record ("1 Jan 1900 to today") nor decide which pathway
applies (an escalation "identified" in 1900 chose 1900's hours and showed "overdue by 1104503 h").
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

from app.errors import InvalidInput

# A contact (a visit, a call) lasts at most a day; longer is a mistyped date.
MAX_CONTACT = timedelta(hours=24)
# An escalation is recorded while it is happening: identified at most this long ago.
MAX_ESCALATION_LOOKBACK = timedelta(days=7)
# An escalation identified longer ago than this is asked about before it is started: a typing slip (a time
# meant for today put on yesterday, a 12-hour backdate) would otherwise choose another period's pathway and
# start every timescale hours overdue.
CONFIRM_IDENTIFIED_AFTER = timedelta(hours=2)
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


_CLOCK = re.compile(r"^\s*(\d{1,2})(?:\s*[:.h ]\s*(\d{2})|(\d{2}))?\s*$")


def parse_clock_time(text: str) -> time | None:
    """A time of day as a worker types it, 24-hour: "19:40", "19.40", "1940", "7:40", "740", "7" (07:00).
    None when it is not one (the field says how to type it), never a guess at something else."""
    match = _CLOCK.match(text)
    if match is None:
        return None
    hour_text, minutes, packed = match.groups()
    hour, minute = int(hour_text), int(minutes or packed or 0)
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def identified_needs_confirming(at: datetime, now: datetime) -> bool:
    """True when "identified at" is more than CONFIRM_IDENTIFIED_AFTER before now: ask the worker first."""
    return now - at > CONFIRM_IDENTIFIED_AFTER
