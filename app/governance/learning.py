"""Learning and oversight: actions agreed in supervisions and learning reviews tracked to completion, and
the share of contact notes a team lead reviewed.

Actions are folded by ``app.actions.track`` (the lead's own screens use the same function), so the report
and the lead's action list never disagree about what is open, overdue or done.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta

from app.actions import ActionState, track
from app.governance.evidence import Evidence
from app.governance.figures import Measure, ReportPeriod, Settings, count, share
from app.hours import LONDON


def _due_end(day_due: date) -> datetime:
    """The end of the due day, London time: due on the 7th means done by midnight after the 7th."""
    return datetime.combine(day_due + timedelta(days=1), time.min, LONDON)


def learning_actions(evidence: Evidence, period: ReportPeriod, as_of: datetime) -> Measure:
    """Learning actions, over actions agreed in a supervision (when it took place) or a learning review
    (when it was recorded) within the period, as they stand at the time of the report. The records behind
    each figure are the supervisions and learning reviews that agreed the actions, and for done ones the
    action updates that closed them.

    - ``open``: count of those not closed whose due day has not yet ended (London time).
    - ``overdue``: count of those not closed whose due day has ended.
    - ``done``: count of those closed as done; ``cancelled``: closed as cancelled (a reason is recorded).
    - ``done_by_due``: numerator = those done by the end of their due day (London time); denominator =
      those done, plus those overdue (cancelled ones are in neither; open ones are pending).
    """
    today = as_of.astimezone(LONDON).date()
    agreed = [a for a in track(evidence.action_sources, evidence.action_updates, today) if period.holds(a.agreed_at)]
    opened = [a.source_id for a in agreed if a.state is ActionState.OPEN]
    overdue = [a.source_id for a in agreed if a.state is ActionState.OVERDUE]
    done = [a for a in agreed if a.state is ActionState.DONE]
    cancelled = [a.closed_by or a.source_id for a in agreed if a.state is ActionState.CANCELLED]
    in_time = [a.closed_by or a.source_id for a in done if a.closed_at and a.closed_at < _due_end(a.action.due)]
    done_ids = [a.closed_by or a.source_id for a in done]
    return Measure(
        "learning_actions",
        "Learning actions",
        learning_actions.__doc__ or "",
        (
            count("open", "Actions open, not yet due", opened),
            count("overdue", "Actions overdue", overdue),
            count("done", "Actions done", done_ids),
            count("cancelled", "Actions cancelled", cancelled),
            share("done_by_due", "Actions done by their due day", in_time, done_ids + overdue, opened),
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
