"""The two contact-note figures disagree on the same data, by their definitions, and the words say why; a
night of contact notes with no escalation is 0 out of hours, and a night's escalations are counted."""

from __future__ import annotations

import uuid
from datetime import date

from app.governance.counted import counted_words, why_note_totals_differ
from app.governance.evidence import Evidence
from app.governance.figures import ReportPeriod, Settings
from app.governance.learning import review_coverage
from app.governance.out_of_hours import out_of_hours_activity
from app.governance.plan_use import safety_plan_use
from app.persons import Nation
from tests.governance.records import PERSON_2, at, entered_in_error, escalation, note, plan, record_review

NOVEMBER = ReportPeriod(date(2026, 11, 1), date(2026, 11, 30))


def rid(envelope: dict[str, object]) -> uuid.UUID:
    return uuid.UUID(str(envelope["record_id"]))


def test_the_contact_note_figures_count_different_notes_and_say_why() -> None:
    records = [plan(at("2026-10-01 09:00"))]  # PERSON has a plan; PERSON_2 has none
    cited = note(at("2026-11-02 10:00"), "seen", (2,))
    uncited = note(at("2026-11-03 10:00"), "spoken_to")
    no_answer = note(at("2026-11-04 10:00"), "no_answer")  # no contact made: not in plan use
    no_plan = note(at("2026-11-05 10:00"), "seen", person=PERSON_2)  # no plan yet: not in plan use
    recent = note(at("2026-11-28 10:00"), "seen", (1,))  # 14 days not over by 30 Nov: pending for review
    wrong = note(at("2026-11-06 10:00"), "seen", (2,))
    records += [cited, uncited, no_answer, no_plan, recent, wrong, entered_in_error(wrong, at("2026-11-06 12:00"))]
    records.append(record_review(cited, at("2026-11-05 09:00")))
    evidence = Evidence.from_envelopes(records)
    as_of = at("2026-11-30 18:00")

    plan_use = safety_plan_use(evidence, NOVEMBER, Settings(), as_of)
    coverage = review_coverage(evidence, NOVEMBER, Settings(), as_of)
    cites = plan_use.figure("notes_cite_plan")
    reviewed = coverage.figure("reviewed_in_time")
    # By the docstrings, worked out by hand: plan use is over cited, uncited and recent (contact made, plan
    # before); coverage over cited, uncited, no answer and no plan (recent is pending); the note entered in
    # error is in neither.
    assert set(cites.cases) == {rid(cited), rid(uncited), rid(recent)} and cites.text() == "2 of 3 (67%)"
    assert set(reviewed.cases) == {rid(cited), rid(uncited), rid(no_answer), rid(no_plan)}
    assert reviewed.pending == (rid(recent),) and reviewed.text() == "1 of 4 (25%)"

    words = why_note_totals_differ((plan_use, coverage))
    assert words is not None
    assert words.startswith("Contact notes are counted 3 times for safety-plan use and 4 for review coverage")
    assert "seen or spoken to and had a plan before the contact" in words and "1 newer notes" in words
    assert "not at home" in (counted_words(plan_use, cites) or "")
    assert "whatever its outcome" in (counted_words(coverage, reviewed) or "")


def test_the_same_totals_need_no_explaining() -> None:
    records = [plan(at("2026-10-01 09:00")), note(at("2026-11-02 10:00"), "seen", (2,))]
    evidence = Evidence.from_envelopes(records)
    as_of = at("2026-11-30 18:00")
    measures = (safety_plan_use(evidence, NOVEMBER, Settings(), as_of),
                review_coverage(evidence, NOVEMBER, Settings(), as_of))  # fmt: skip
    assert why_note_totals_differ(measures) is None


def test_a_nights_notes_are_not_out_of_hours_activity_but_its_escalations_are() -> None:
    # Tuesday 1 Dec 2026: a night of visits and calls, then two escalations out of hours on weekday nights
    # (21:40 on Tuesday and 03:04 on Wednesday, London time, GMT in December).
    december = ReportPeriod(date(2026, 12, 1), date(2026, 12, 2))
    night_notes = [note(at("2026-12-01 22:30")), note(at("2026-12-02 02:00"), "spoken_to")]
    only_notes = out_of_hours_activity(Evidence.from_envelopes(night_notes), december, Nation.ENGLAND)
    weekday = only_notes.figure("weekday_out_of_hours")
    assert weekday.text() == "0"
    assert "Contact notes, visits and calls made at night are not counted here" in (
        counted_words(only_notes, weekday) or ""
    )
    evening = escalation(at("2026-12-01 21:40"), period="out-of-hours")
    small_hours = escalation(at("2026-12-02 03:04"), period="out-of-hours")
    measure = out_of_hours_activity(
        Evidence.from_envelopes([*night_notes, evening, small_hours]), december, Nation.ENGLAND
    )
    assert set(measure.figure("weekday_out_of_hours").counted) == {rid(evening), rid(small_hours)}
