"""Out-of-hours cover as the duty worker sees it: which team they cover and until when, in words.

The shifts come from the worker's local assignments, which sync keeps equal to the server's grants, so the
banner is right without signal and disappears at the shift's end by itself.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from app.clock import Clock
from app.hours import LONDON
from storage.repo import cover as cover_repo
from storage.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class CoverShift:
    team: str
    until: datetime
    persons: int


def cover_now(uow: UnitOfWork, clock: Clock, staff_id: uuid.UUID | None) -> list[CoverShift]:
    if staff_id is None:
        return []
    with uow.read() as session:
        return [CoverShift(t, u, n) for t, u, n in cover_repo.live_cover(session, staff_id, clock.now())]


def cover_banner(shifts: list[CoverShift], now: datetime) -> str:
    """ "Covering Eastmoor team until 08:00 …", or "" with no cover now."""
    if not shifts:
        return ""
    today = now.astimezone(LONDON).date()
    parts = []
    for shift in shifts:
        end = shift.until.astimezone(LONDON)
        when = end.strftime("%H:%M") if end.date() == today else end.strftime("%a %-d %b %H:%M")
        parts.append(f"Covering {shift.team} until {when} ({shift.persons} person{'s' if shift.persons != 1 else ''})")
    return (
        "; ".join(parts)
        + ". Their plans and crisis contacts are on this laptop for the shift; they leave it after the shift, "
        "once anything you record for them has been sent."
    )
