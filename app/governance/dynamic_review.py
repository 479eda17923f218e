"""Dynamic review after triggers: a safety review recorded soon after a trigger event."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from app.governance.evidence import Evidence
from app.governance.figures import Measure, ReportPeriod, Settings, share


def dynamic_review(evidence: Evidence, period: ReportPeriod, settings: Settings, as_of: datetime) -> Measure:
    """Dynamic review after triggers.

    Trigger events are the ones the records hold: escalations (a crisis) and welfare checks (a second
    missed contact), each at the time its concern was identified. Other trigger points (a life event, a
    medication change) are not recorded as events of their own, so they cannot be counted here.

    - ``reviewed_after_trigger``: numerator = trigger events identified within the period followed by a
      safety review for the same person, recorded from the trigger up to the configured number of days
      after it; denominator = those trigger events whose window has ended by the time of the report,
      plus any already met (the rest are pending: listed, not counted).
    """
    window = timedelta(days=settings.safety_review_within_days)
    met: list[uuid.UUID] = []
    cases: list[uuid.UUID] = []
    pending: list[uuid.UUID] = []
    for case in evidence.cases:
        if not period.holds(case.identified_at):
            continue
        end = case.identified_at + window
        if any(r.person_id == case.person_id and case.identified_at <= r.at <= end for r in evidence.reviews):
            met.append(case.id)
            cases.append(case.id)
        elif as_of > end:
            cases.append(case.id)
        else:
            pending.append(case.id)
    return Measure(
        "dynamic_review",
        "Dynamic review after triggers",
        dynamic_review.__doc__ or "",
        (
            share(
                "reviewed_after_trigger",
                f"Triggers followed by a safety review within {settings.safety_review_within_days} days",
                met,
                cases,
                pending,
            ),
        ),
    )
