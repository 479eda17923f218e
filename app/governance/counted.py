"""What a figure's denominator counts, in words a lead reads beside the figure.

Two figures count contact notes and their totals differ on the same data, by their definitions (the
measures' docstrings): safety-plan use counts only notes where contact was made with a person who had a plan
before the contact; review coverage counts every signed note, but only once it has been reviewed or its
days for review are over. Out-of-hours activity counts escalations and welfare checks, never contact notes,
so a night of visits and calls with no escalation is rightly 0 there. Without these words a lead reads the
difference as an error, or the 0 as lost work.
"""

from __future__ import annotations

from app.governance.figures import Figure, Measure

PLAN_USE = ("safety_plan_use", "notes_cite_plan")
REVIEW_COVERAGE = ("review_coverage", "reviewed_in_time")
_OUT_OF_HOURS = "out_of_hours"

_WORDS = {
    PLAN_USE: "Counts contact notes in the period where the person was seen or spoken to and had a safety plan "
    "written before the contact. Notes of no answer, not at home, declined or cancelled, and notes for a "
    "person with no plan yet, are not counted here.",
    REVIEW_COVERAGE: "Counts every signed contact note in the period, whatever its outcome and whether or not "
    "the person has a plan, once a lead has reviewed it or its days for review are over; newer notes are "
    "pending (listed, not counted).",
}
_OUT_OF_HOURS_WORDS = (
    "Counts escalations and welfare checks only, by the day and the in-hours or out-of-hours period their "
    "pathway was chosen by. Contact notes, visits and calls made at night are not counted here."
)


def counted_words(measure: Measure, figure: Figure) -> str | None:
    """What this figure counts, when the figure's name alone could mislead; None otherwise."""
    if measure.key == _OUT_OF_HOURS:
        return _OUT_OF_HOURS_WORDS
    return _WORDS.get((measure.key, figure.key))


def why_note_totals_differ(measures: tuple[Measure, ...]) -> str | None:
    """When the two contact-note figures have different totals, why, in words with the numbers."""
    found: dict[tuple[str, str], Figure] = {}
    for m in measures:
        for f in m.figures:
            if (m.key, f.key) in (PLAN_USE, REVIEW_COVERAGE):
                found[(m.key, f.key)] = f
    plan, review = found.get(PLAN_USE), found.get(REVIEW_COVERAGE)
    if plan is None or review is None or plan.denominator == review.denominator:
        return None
    pending = f", and {len(review.pending)} newer notes still within their days for review" if review.pending else ""
    return (
        f"Contact notes are counted {plan.denominator} times for safety-plan use and {review.denominator} for "
        "review coverage, on purpose: safety-plan use counts only notes where the person was seen or spoken to "
        "and had a plan before the contact; review coverage counts every signed note, of any outcome, once "
        f"reviewed or once its days for review are over{pending} are pending there. Nothing is missing."
    )
