"""What a measure returns: figures that say their own numerator and denominator, with the records behind
them, and the period they are about.

A figure whose denominator is zero says "no cases in period": never 0 % or 100 %, which would each
claim something about cases that did not exist.
"""

from __future__ import annotations

import enum
import inspect
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from app.hours import LONDON

NO_CASES = "no cases in period"


def day_text(day: date) -> str:
    """'1 Jun 2026': strftime's unpadded day (%-d) does not exist on Windows."""
    return f"{day.day} {day:%b %Y}"


@dataclass(frozen=True, slots=True)
class ReportPeriod:
    """Whole days in London time, both ends included: ``start`` is 00:00 London on the first day and
    ``end`` is 00:00 London on the day after the last, so a day is 23 or 25 hours long at a clock change
    and an event belongs to the day it happened on where the team works."""

    first: date
    last: date

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise ValueError("the period ends before it starts")

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, datetime.min.time(), LONDON).astimezone(UTC)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.last + timedelta(days=1), datetime.min.time(), LONDON).astimezone(UTC)

    def holds(self, at: datetime) -> bool:
        return self.start <= at < self.end

    def label(self) -> str:
        return f"{day_text(self.first)} to {day_text(self.last)}"

    def months(self) -> list[ReportPeriod]:
        """The period cut at calendar-month boundaries (the trend points)."""
        parts = []
        first = self.first
        while first <= self.last:
            next_month = date(first.year + first.month // 12, first.month % 12 + 1, 1)
            parts.append(ReportPeriod(first, min(self.last, next_month - timedelta(days=1))))
            first = next_month
        return parts


@dataclass(frozen=True, slots=True)
class Settings:
    """The organisation's configured windows, in days."""

    safety_review_within_days: int = 7  # dynamic review after a trigger
    plan_review_within_days: int = 7  # the plan reviewed after a crisis
    lead_review_within_days: int = 14  # a team lead's review of a contact note


class FigureKind(enum.StrEnum):
    SHARE = "share"  # numerator of denominator
    COUNT = "count"  # a number of records
    MEDIAN_MINUTES = "median_minutes"  # a median over the denominator's cases, in whole minutes


@dataclass(frozen=True, slots=True)
class Figure:
    key: str
    label: str
    kind: FigureKind
    numerator: int
    denominator: int
    # The records behind the figure: ``counted`` make the numerator, ``cases`` the denominator (the
    # cases not counted are the ones to look at). For a count, both are the records counted.
    counted: tuple[uuid.UUID, ...] = field(default=())
    cases: tuple[uuid.UUID, ...] = field(default=())
    median_minutes: int | None = None
    # Cases not yet assessable (a timescale not yet over at the time of the report): listed, not counted.
    pending: tuple[uuid.UUID, ...] = field(default=())

    @property
    def has_cases(self) -> bool:
        return self.denominator > 0

    @property
    def share(self) -> float | None:
        return self.numerator / self.denominator if self.kind is FigureKind.SHARE and self.denominator else None

    def text(self) -> str:
        if self.kind is FigureKind.COUNT:
            return str(self.numerator)
        if not self.denominator:
            return NO_CASES
        if self.kind is FigureKind.MEDIAN_MINUTES:
            return f"{_minutes(self.median_minutes or 0)} (median of {self.denominator})"
        return f"{self.numerator} of {self.denominator} ({round(100 * self.numerator / self.denominator)}%)"


@dataclass(frozen=True, slots=True)
class Measure:
    key: str
    title: str
    definition: str  # numerator, denominator and period, in words, for the report's definitions page
    figures: tuple[Figure, ...]

    def figure(self, key: str) -> Figure:
        return next(f for f in self.figures if f.key == key)


def share(
    key: str,
    label: str,
    met: list[uuid.UUID],
    cases: list[uuid.UUID],
    pending: list[uuid.UUID] | None = None,
) -> Figure:
    return Figure(
        key, label, FigureKind.SHARE, len(met), len(cases), tuple(met), tuple(cases), pending=tuple(pending or ())
    )


def count(key: str, label: str, records: list[uuid.UUID]) -> Figure:
    return Figure(key, label, FigureKind.COUNT, len(records), len(records), tuple(records), tuple(records))


def median(key: str, label: str, minutes_by_case: dict[uuid.UUID, int]) -> Figure:
    values = sorted(minutes_by_case.values())
    mid = None
    if values:
        half = len(values) // 2
        # The lower median: always a real case's figure, so it can be traced to a record.
        mid = values[half] if len(values) % 2 else values[half - 1]
    ids = tuple(minutes_by_case)
    return Figure(key, label, FigureKind.MEDIAN_MINUTES, len(values), len(values), ids, ids, median_minutes=mid)


def _minutes(total: int) -> str:
    if total < 60:
        return f"{total} min"
    hours, minutes = divmod(total, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


def definition_paragraphs(docstring: str) -> list[str]:
    """A measure's docstring as plain paragraphs for a reader: wrapped lines joined, each ``- `` item its
    own paragraph, code quotes dropped."""
    paragraphs: list[str] = []
    for raw in inspect.cleandoc(docstring).replace("``", "").splitlines():
        line = raw.strip()
        if not line:
            paragraphs.append("")
        elif line.startswith("- ") or not paragraphs or not paragraphs[-1]:
            paragraphs.append(line)
        else:
            paragraphs[-1] += " " + line
    return [p for p in paragraphs if p]
