"""Learning and oversight: actions agreed in supervision and learning reviews tracked to completion, and
the share of contact notes a team lead reviewed.

These read the lead's record types (supervision, learning review, action update, record review), which
another branch is adding to the protocol: until they are parsed into ``Evidence``, the report leaves
these two measures out rather than show "no cases in period" for records it cannot yet read.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta

from app.governance.evidence import Evidence
from app.governance.figures import Measure, ReportPeriod, Settings, count, share
from app.hours import LONDON


def _due_end(day_due: date) -> datetime:
    """The end of the due day, London time: due on the 7th means done by midnight after the 7th."""
    return datetime.combine(day_due + timedelta(days=1), time.min, LONDON)


def learning_actions(evidence: Evidence, period: ReportPeriod, as_of: datetime) -> Measure:
    """Learning actions, over actions agreed in a supervision or learning review within the period.

    - ``open``: count of those not done at the time of the report.
    - ``overdue``: count of those not done whose due day had ended by the time of the report.
    - ``done``: count of those done by the time of the report.
    - ``done_by_due``: numerator = those done by the end of their due day (London time); denominator =
      those done, or whose due day had ended by the time of the report (the rest are pending).
    """
    agreed = [a for a in evidence.actions if period.holds(a.agreed_at)]
    done = [a.id for a in agreed if a.done_at is not None and a.done_at <= as_of]
    still_open = [a for a in agreed if a.id not in done]
    overdue = [a.id for a in still_open if as_of >= _due_end(a.due)]
    in_time = [a.id for a in agreed if a.id in done and a.done_at is not None and a.done_at < _due_end(a.due)]
    judged = [a.id for a in agreed if a.id in done or a.id in overdue]
    pending = [a.id for a in still_open if a.id not in overdue]
    return Measure(
        "learning_actions",
        "Learning actions",
        learning_actions.__doc__ or "",
        (
            count("open", "Actions open", [a.id for a in still_open]),
            count("overdue", "Actions overdue", overdue),
            count("done", "Actions done", done),
            share("done_by_due", "Actions done by their due day", in_time, judged, pending),
        ),
    )


def review_coverage(evidence: Evidence, period: ReportPeriod, settings: Settings, as_of: datetime) -> Measure:
    """Review coverage, over signed contact notes (not entered in error) whose contact started within the
    period.

    - ``reviewed_in_time``: numerator = those reviewed by a team lead within the configured days of the
      contact; denominator = those reviewed, or whose window had ended by the time of the report (the rest
      are pending: listed, not counted).
    """
    window = timedelta(days=settings.lead_review_within_days)
    first_review: dict[uuid.UUID, datetime] = {}
    for review in sorted(evidence.lead_reviews, key=lambda r: r.at):
        first_review.setdefault(review.target_id, review.at)
    met: list[uuid.UUID] = []
    cases: list[uuid.UUID] = []
    pending: list[uuid.UUID] = []
    for note in evidence.notes:
        if not period.holds(note.contact_start):
            continue
        end = note.contact_start + window
        reviewed = first_review.get(note.id)
        if reviewed is not None and reviewed <= end:
            met.append(note.id)
            cases.append(note.id)
        elif reviewed is not None or as_of > end:
            cases.append(note.id)
        else:
            pending.append(note.id)
    return Measure(
        "review_coverage",
        "Review coverage",
        review_coverage.__doc__ or "",
        (
            share(
                "reviewed_in_time",
                f"Contact notes reviewed by a lead within {settings.lead_review_within_days} days",
                met, cases, pending,
            ),
        ),
    )  # fmt: skip
