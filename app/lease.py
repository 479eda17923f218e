"""The offline lease (DESIGN §7): each sync renews it for the length the organisation sets; once it lapses,
case data beyond the safety plan and crisis contacts waits for a sync, while recording notes and
escalations goes on. The worker is told in words before it happens, and plainly once it has.

Worked out on the device's clock from the moment of its last successful sync (the server says only how
long), so it holds with no signal; a clock wound back can stretch it, which the server's audit shows.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from app.hours import LONDON

LEASE_UNTIL = "sync.lease_until"  # device-local meta key: when full access ends without another sync
WARN_BEFORE = timedelta(days=2)


class LeaseState(enum.Enum):
    NONE = "none"  # not enrolled, or never synced: nothing to lapse
    FULL = "full"
    ENDING = "ending"  # within WARN_BEFORE of lapsing
    LAPSED = "lapsed"


@dataclass(frozen=True, slots=True)
class Lease:
    state: LeaseState
    until: datetime | None

    @property
    def lapsed(self) -> bool:
        return self.state is LeaseState.LAPSED

    def message(self, now: datetime) -> str:
        if self.until is None or self.state in (LeaseState.NONE, LeaseState.FULL):
            return ""
        when = self.until.astimezone(LONDON).strftime("%a %-d %b %H:%M")
        if self.state is LeaseState.ENDING:
            left = self.until - now
            days = math.ceil(left / timedelta(days=1))
            within = (
                f"{days} day{'s' if days != 1 else ''}"
                if left >= timedelta(days=1)
                else (f"{max(1, math.ceil(left / timedelta(hours=1)))} hour(s)")
            )
            return (
                f"Sync within {within} to keep full access: from {when} this laptop shows only safety plans and "
                "crisis contacts until it reaches the server. Recording notes and escalations always works."
            )
        return (
            f"Sync needed: this laptop has not reached the server since its lease ended on {when}, so earlier "
            "notes and reviews are locked until it does (F5 once you have signal). Safety plans, crisis contacts "
            "and escalations are all here, and recording notes and escalations works as always."
        )


def lease_at(until: datetime | None, now: datetime) -> Lease:
    if until is None:
        return Lease(LeaseState.NONE, None)
    if now >= until:
        return Lease(LeaseState.LAPSED, until)
    if until - now <= WARN_BEFORE:
        return Lease(LeaseState.ENDING, until)
    return Lease(LeaseState.FULL, until)
