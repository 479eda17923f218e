"""In hours or out of hours, and why: a team's weekly schedule, its closure days, and bank holidays
by UK nation, all decided in Europe/London local time from the event time (never the device offset).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from app.errors import InvalidInput
from app.persons import Nation

LONDON = ZoneInfo("Europe/London")
_SUBDIVISION = {
    Nation.ENGLAND: "ENG",
    Nation.WALES: "WLS",
    Nation.SCOTLAND: "SCT",
    Nation.NORTHERN_IRELAND: "NIR",
}


class Period(enum.StrEnum):
    IN_HOURS = "in-hours"
    OUT_OF_HOURS = "out-of-hours"


@dataclass(frozen=True, slots=True)
class PeriodDecision:
    period: Period
    reason: str

    def __str__(self) -> str:
        label = "In hours" if self.period is Period.IN_HOURS else "Out of hours"
        return f"{label} — {self.reason}"


@dataclass(frozen=True, slots=True)
class HoursCalendar:
    """A team's in-hours schedule. There is no national definition; the default is Mon–Fri 09:00–17:00."""

    version: str = "default-1"
    opens: time = time(9, 0)
    closes: time = time(17, 0)
    weekdays: frozenset[int] = frozenset(range(5))  # Monday = 0
    closure_days: dict[date, str] = field(default_factory=dict)
    # The team's own nation: its bank holidays decide its hours, whoever it serves (issue 9, finding 4).
    # None (the default calendar, an area with no team file) falls back to the nation passed in.
    nation: Nation | None = None

    def period_at(self, at: datetime, nation: Nation | str) -> PeriodDecision:
        """In or out of hours for this team at ``at``. ``nation`` is used only when the calendar does not
        name its team's nation."""
        if self.nation is not None:
            nation = self.nation
        if at.tzinfo is None:
            raise InvalidInput("Time", "needs a time zone (for example 2026-12-26T10:00+00:00)")
        try:
            nation = Nation(nation)
        except ValueError:
            raise InvalidInput("Nation", "must be england, wales, scotland or northern-ireland") from None
        local = at.astimezone(LONDON)
        day = local.date()
        holiday = bank_holidays(nation, day.year).get(day)
        if holiday:
            return PeriodDecision(Period.OUT_OF_HOURS, f"bank holiday: {holiday}")
        if day in self.closure_days:
            return PeriodDecision(Period.OUT_OF_HOURS, f"team closed: {self.closure_days[day]}")
        if local.weekday() not in self.weekdays:
            return PeriodDecision(Period.OUT_OF_HOURS, "weekend" if local.weekday() >= 5 else "team closed today")
        hours = f"{self.opens:%H:%M}–{self.closes:%H:%M}"
        if not (self.opens <= local.time() < self.closes):
            return PeriodDecision(Period.OUT_OF_HOURS, f"outside team hours ({hours})")
        return PeriodDecision(Period.IN_HOURS, f"weekday within team hours ({hours})")


@lru_cache(maxsize=64)
def bank_holidays(nation: Nation, year: int) -> dict[date, str]:
    """Bank holidays (substitute days included) for one nation and year, from the `holidays` package."""
    return dict(holidays.country_holidays("GB", subdiv=_SUBDIVISION[nation], years=year).items())


@dataclass(frozen=True)
class TeamCalendars:
    """Each area's team calendar; areas not listed get the default (Mon–Fri 09:00–17:00)."""

    by_area: Mapping[str, HoursCalendar] = field(default_factory=dict)
    default: HoursCalendar = field(default_factory=HoursCalendar)
    version: str = "default-1"

    def for_area(self, area: str | None) -> HoursCalendar:
        return self.by_area.get(area or "", self.default)
