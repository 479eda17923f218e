"""Follow-up completion: escalation follow-ups done by the time they were due."""

from __future__ import annotations

import uuid
from datetime import datetime

from app.governance.evidence import Evidence
from app.governance.figures import Measure, ReportPeriod, share


def follow_up_completion(evidence: Evidence, period: ReportPeriod, as_of: datetime) -> Measure:
    """Follow-up completion, over escalations and welfare checks whose follow-up (the one that stands:
    the latest set) fell due within the period.

    - ``done_by_due``: numerator = those follow-ups recorded as done at or before their due time;
      denominator = those follow-ups done, or whose due time had passed by the time of the report (a
      follow-up not done and not yet due is pending: listed, not counted).
    """
    met: list[uuid.UUID] = []
    cases: list[uuid.UUID] = []
    pending: list[uuid.UUID] = []
    for case in evidence.cases:
        current, done = case.follow_up
        if current is None or current.due is None or not period.holds(current.due):
            continue
        if done is not None:
            cases.append(case.id)
            if done.at <= current.due:
                met.append(case.id)
        elif as_of > current.due:
            cases.append(case.id)
        else:
            pending.append(case.id)
    return Measure(
        "follow_up_completion",
        "Follow-up completion",
        follow_up_completion.__doc__ or "",
        (share("done_by_due", "Follow-ups done by their due time", met, cases, pending),),
    )
