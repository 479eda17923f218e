"""Learning actions and review coverage against hand-built records with the answer worked out here."""

from __future__ import annotations

import uuid
from datetime import date

from app.governance.evidence import Evidence
from app.governance.figures import NO_CASES, ReportPeriod, Settings
from app.governance.learning import learning_actions, review_coverage
from tests.governance.records import (
    action_update,
    at,
    escalation,
    learning_review,
    new_id,
    note,
    record_review,
    review,
    supervision,
)

MARCH = ReportPeriod(date(2026, 3, 1), date(2026, 3, 31))


def rid(envelope: dict) -> uuid.UUID:  # type: ignore[type-arg]
    return uuid.UUID(envelope["record_id"])


def test_learning_actions_open_overdue_done_cancelled() -> None:
    a_on_time, a_late, a_overdue, a_open, a_bst, a_cancelled, a_after = (new_id() for _ in range(7))
    # A supervision on 2 March agreed five actions; a learning review on 5 March agreed two.
    sup = supervision(at("2026-03-02 10:00"), [
        (a_on_time, date(2026, 3, 10)), (a_late, date(2026, 3, 10)), (a_overdue, date(2026, 3, 20)),
        (a_open, date(2026, 4, 30)), (a_after, date(2026, 3, 8)),
    ])  # fmt: skip
    lr = learning_review(at("2026-03-05 10:00"), [(a_bst, date(2026, 3, 31)), (a_cancelled, date(2026, 3, 31))])
    # Due 10 March (GMT): the day ends at 00:00 UTC on the 11th. Due 31 March (BST): it ends at 23:00 UTC.
    on_time = action_update(sup, a_on_time, at("2026-03-10 23:30"))
    late = action_update(sup, a_late, at("2026-03-11 00:30"))
    bst_late = action_update(lr, a_bst, at("2026-03-31 23:10"))
    cancelled = action_update(lr, a_cancelled, at("2026-03-20 10:00"), status="cancelled")
    second = action_update(sup, a_on_time, at("2026-03-25 10:00"), status="cancelled")  # the first update stands
    # A February supervision is outside the period; an update made after the report is not yet on record.
    february = supervision(at("2026-02-20 10:00"), [(new_id(), date(2026, 3, 10))])
    evidence = Evidence.from_envelopes([sup, lr, on_time, late, bst_late, cancelled, second, february])

    m = learning_actions(evidence, MARCH, at("2026-04-01 12:00"))

    assert m.figure("open").counted == (rid(sup),)  # a_open, due 30 April
    assert m.figure("overdue").counted == (rid(sup), rid(sup))  # a_overdue and a_after, never closed
    assert set(m.figure("done").counted) == {rid(on_time), rid(late), rid(bst_late)}
    assert m.figure("cancelled").counted == (rid(cancelled),)
    done_by_due = m.figure("done_by_due")
    assert done_by_due.text() == "1 of 5 (20%)"  # on time; late, BST-late, and the two overdue are not
    assert done_by_due.counted == (rid(on_time),)


def test_review_coverage_of_contact_notes() -> None:
    reviewed = note(at("2026-03-02 10:00"))
    late = note(at("2026-03-03 10:00"))
    never = note(at("2026-03-04 10:00"))
    recent = note(at("2026-03-30 10:00"))
    not_a_note = review(at("2026-03-05 10:00"))  # reviewing a safety review is not note coverage
    records = [
        reviewed, late, never, recent, not_a_note,
        record_review(reviewed, at("2026-03-09 10:00")),  # 7 days: in time
        record_review(reviewed, at("2026-03-29 10:00")),  # a second look does not move the first
        record_review(late, at("2026-03-20 10:00")),
        record_review(not_a_note, at("2026-03-06 10:00")),
        record_review(escalation(at("2026-03-06 10:00")), at("2026-03-06 11:00")),
    ]  # fmt: skip

    figure = review_coverage(
        Evidence.from_envelopes(records), MARCH, Settings(lead_review_within_days=7), at("2026-03-31 12:00")
    ).figure("reviewed_in_time")

    assert (figure.numerator, figure.denominator) == (1, 3)
    assert figure.counted == (rid(reviewed),) and figure.pending == (rid(recent),)
    assert set(figure.cases) == {rid(reviewed), rid(late), rid(never)}
    assert review_coverage(Evidence(), MARCH, Settings(), at("2026-03-31 12:00")).figures[0].text() == NO_CASES
