"""Learning actions and review coverage against hand-built inputs with the answer worked out here."""

from __future__ import annotations

import uuid
from datetime import date

from app.governance.evidence import Evidence, LeadReview, Note, TrackedAction
from app.governance.figures import NO_CASES, ReportPeriod, Settings
from app.governance.learning import learning_actions, review_coverage
from tests.governance.records import PERSON, WORKER, at, new_id

MARCH = ReportPeriod(date(2026, 3, 1), date(2026, 3, 31))
SOURCE = uuid.UUID(int=42)


def action(agreed: str, due: date, done: str | None) -> TrackedAction:
    return TrackedAction(new_id(), SOURCE, at(agreed), due, at(done) if done else None)


def test_learning_actions_open_overdue_done() -> None:
    # Due 10 March (London): the day ends at 00:00 UTC on the 11th (GMT).
    on_time = action("2026-03-02 10:00", date(2026, 3, 10), "2026-03-10 23:30")
    late = action("2026-03-02 10:00", date(2026, 3, 10), "2026-03-11 00:30")
    overdue = action("2026-03-03 10:00", date(2026, 3, 20), None)
    not_due = action("2026-03-04 10:00", date(2026, 4, 30), None)
    # Due on 31 March, after the clocks went forward: its day ends at 23:00 UTC.
    bst_late = action("2026-03-05 10:00", date(2026, 3, 31), "2026-03-31 23:10")
    february = action("2026-02-20 10:00", date(2026, 3, 10), None)  # agreed before the period
    done_later = action("2026-03-06 10:00", date(2026, 3, 8), "2026-04-15 10:00")  # after the report
    evidence = Evidence(actions=(on_time, late, overdue, not_due, bst_late, february, done_later))

    m = learning_actions(evidence, MARCH, at("2026-04-01 12:00"))

    assert set(m.figure("open").counted) == {overdue.id, not_due.id, done_later.id}
    assert set(m.figure("overdue").counted) == {overdue.id, done_later.id}
    assert set(m.figure("done").counted) == {on_time.id, late.id, bst_late.id}
    done_by_due = m.figure("done_by_due")
    assert done_by_due.text() == "1 of 5 (20%)"
    assert done_by_due.counted == (on_time.id,) and done_by_due.pending == (not_due.id,)


def test_review_coverage() -> None:
    def note(start: str) -> Note:
        return Note(new_id(), PERSON, WORKER, at(start), "seen", ())

    reviewed = note("2026-03-02 10:00")
    late = note("2026-03-03 10:00")
    never = note("2026-03-04 10:00")
    recent = note("2026-03-30 10:00")
    reviews = (
        LeadReview(new_id(), reviewed.id, at("2026-03-09 10:00")),
        LeadReview(new_id(), reviewed.id, at("2026-03-29 10:00")),  # a second look does not move the first
        LeadReview(new_id(), late.id, at("2026-03-20 10:00")),
    )
    evidence = Evidence(notes=(reviewed, late, never, recent), lead_reviews=reviews)

    figure = review_coverage(evidence, MARCH, Settings(lead_review_within_days=7), at("2026-03-31 12:00")).figure(
        "reviewed_in_time"
    )

    assert (figure.numerator, figure.denominator) == (1, 3)
    assert figure.counted == (reviewed.id,) and figure.pending == (recent.id,)
    assert review_coverage(Evidence(), MARCH, Settings(), at("2026-03-31 12:00")).figures[0].text() == NO_CASES
