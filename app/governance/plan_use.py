"""Safety-plan use: plans cited in contact notes, and plans reviewed after each crisis."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from app.governance.evidence import CONTACT_MADE, Evidence
from app.governance.figures import Measure, ReportPeriod, Settings, share
from app.governance.timeliness import ESCALATION


def safety_plan_use(evidence: Evidence, period: ReportPeriod, settings: Settings, as_of: datetime) -> Measure:
    """Safety-plan use.

    - ``notes_cite_plan``: numerator = signed contact notes (not entered in error) whose contact started
      within the period, where the person was seen or spoken to, and which cite at least one plan step
      used; denominator = such notes for a person who had a safety plan written before the contact
      started. Notes of no answer, not at home, declined or cancelled are not in either.
    - ``plan_reviewed_after_crisis``: numerator = escalations (not welfare checks) identified within the
      period followed, within the configured days of being identified, by a new safety-plan revision for
      that person or a safety review that records the plan as reviewed; denominator = those escalations
      whose window has ended by the time of the report, plus any already met (the rest are pending).
    """
    plan_since: dict[uuid.UUID, datetime] = {}
    for revision in evidence.revisions:
        plan_since.setdefault(revision.person_id, revision.at)
    cited: list[uuid.UUID] = []
    with_plan: list[uuid.UUID] = []
    for note in evidence.notes:
        if not period.holds(note.contact_start) or note.outcome not in CONTACT_MADE:
            continue
        since = plan_since.get(note.person_id)
        if since is None or since > note.contact_start:
            continue
        with_plan.append(note.id)
        if note.plan_steps_used:
            cited.append(note.id)

    window = timedelta(days=settings.plan_review_within_days)
    reviewed: list[uuid.UUID] = []
    crises: list[uuid.UUID] = []
    pending: list[uuid.UUID] = []
    for case in evidence.cases:
        if case.kind != ESCALATION or not period.holds(case.identified_at):
            continue
        start, end = case.identified_at, case.identified_at + window
        done = any(r.person_id == case.person_id and start <= r.at <= end for r in evidence.revisions) or any(
            r.person_id == case.person_id and r.plan_reviewed and start <= r.at <= end for r in evidence.reviews
        )
        if done:
            reviewed.append(case.id)
            crises.append(case.id)
        elif as_of > end:
            crises.append(case.id)
        else:
            pending.append(case.id)
    return Measure(
        "safety_plan_use",
        "Safety-plan use",
        safety_plan_use.__doc__ or "",
        (
            share("notes_cite_plan", "Contact notes that cite the safety plan's steps", cited, with_plan),
            share(
                "plan_reviewed_after_crisis",
                f"Plans reviewed within {settings.plan_review_within_days} days of an escalation",
                reviewed,
                crises,
                pending,
            ),
        ),
    )
