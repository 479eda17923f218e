"""Out-of-hours activity: escalations and welfare checks by when they happened."""

from __future__ import annotations

import uuid

from app.governance.evidence import Evidence
from app.governance.figures import Measure, ReportPeriod, count, share
from app.hours import LONDON, bank_holidays
from app.persons import Nation

BANK_HOLIDAY = "bank_holiday"
WEEKEND = "weekend"
WEEKDAY_OUT = "weekday_out_of_hours"
IN_HOURS = "in_hours"


def out_of_hours_activity(evidence: Evidence, period: ReportPeriod, nation: Nation) -> Measure:
    """Out-of-hours activity, over escalations and welfare checks identified within the period.

    Each is counted once. ``in_hours``: recorded as in hours. Recorded as out of hours, in the first of:
    ``bank_holiday`` (the London date it was identified on is a bank holiday in the team's nation),
    ``weekend`` (a Saturday or Sunday), ``weekday_out_of_hours`` (evenings, nights, team closure days).
    The period recorded is the one the worker's pathway was chosen by (the team's calendar at the time),
    so the report shows the cover the service actually used.

    - ``share_out_of_hours``: numerator = those not in hours; denominator = all of them.
    """
    buckets: dict[str, list[uuid.UUID]] = {BANK_HOLIDAY: [], WEEKEND: [], WEEKDAY_OUT: [], IN_HOURS: []}
    for case in evidence.cases:
        if not period.holds(case.identified_at):
            continue
        local = case.identified_at.astimezone(LONDON)
        if case.period != "out-of-hours":
            bucket = IN_HOURS
        elif local.date() in bank_holidays(nation, local.year):
            bucket = BANK_HOLIDAY
        elif local.weekday() >= 5:
            bucket = WEEKEND
        else:
            bucket = WEEKDAY_OUT
        buckets[bucket].append(case.id)
    everything = [i for ids in buckets.values() for i in ids]
    out = [i for key, ids in buckets.items() if key != IN_HOURS for i in ids]
    return Measure(
        "out_of_hours",
        "Out-of-hours activity",
        out_of_hours_activity.__doc__ or "",
        (
            count(IN_HOURS, "In hours", buckets[IN_HOURS]),
            count(WEEKDAY_OUT, "Weekday evenings, nights and closures", buckets[WEEKDAY_OUT]),
            count(WEEKEND, "Weekends", buckets[WEEKEND]),
            count(BANK_HOLIDAY, "Bank holidays", buckets[BANK_HOLIDAY]),
            share("share_out_of_hours", "Escalations and welfare checks out of hours", out, everything),
        ),
    )
