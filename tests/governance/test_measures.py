"""Each governance measure against hand-built records whose right answer is worked out here."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from app.governance.dynamic_review import dynamic_review
from app.governance.evidence import Evidence
from app.governance.figures import NO_CASES, FigureKind, ReportPeriod, Settings
from app.governance.follow_up import follow_up_completion
from app.governance.out_of_hours import out_of_hours_activity
from app.governance.plan_use import safety_plan_use
from app.governance.report import measures
from app.governance.timeliness import escalation_timeliness, welfare_check_adherence
from app.persons import Nation
from tests.governance.records import (
    LIBRARY,
    PERSON_2,
    acted,
    answer,
    at,
    entered_in_error,
    escalation,
    event,
    note,
    plan,
    review,
)

MARCH = ReportPeriod(date(2026, 3, 1), date(2026, 3, 31))
END_OF_MARCH = at("2026-03-31 12:00")
PERSON_3 = uuid.UUID("00000000-0000-7000-8000-0000000000b3")


def ids(*envelopes: dict[str, Any]) -> tuple[uuid.UUID, ...]:
    return tuple(uuid.UUID(e["record_id"]) for e in envelopes)


def test_an_empty_period_says_no_cases_never_a_percentage() -> None:
    for measure in measures(Evidence(), MARCH, LIBRARY, Nation.ENGLAND, END_OF_MARCH):
        for figure in measure.figures:
            assert figure.denominator == 0
            assert figure.text() == ("0" if figure.kind is FigureKind.COUNT else NO_CASES)
            assert "%" not in figure.text()


def test_every_measure_defines_numerator_denominator_and_period() -> None:
    for measure in measures(Evidence(), MARCH, LIBRARY, Nation.ENGLAND, END_OF_MARCH):
        text = measure.definition.lower()
        assert "period" in text and ("numerator" in text or "counted once" in text), measure.key


def test_period_is_whole_london_days_across_the_clock_change() -> None:
    # The clocks go forward on 29 March 2026: 31 March ends at 23:00 UTC, 1 March starts at 00:00 UTC.
    assert MARCH.start == at("2026-03-01 00:00")
    assert MARCH.end == at("2026-03-31 23:00")
    inside_last = escalation(at("2026-03-31 22:30"))  # 23:30 BST on 31 March
    april = escalation(at("2026-03-31 23:30"))  # 00:30 BST on 1 April
    february = escalation(at("2026-02-28 23:59"))
    inside_first = escalation(at("2026-03-01 00:00"))
    evidence = Evidence.from_envelopes([inside_last, april, february, inside_first])
    counted = out_of_hours_activity(evidence, MARCH, Nation.ENGLAND).figure("share_out_of_hours")
    assert set(counted.cases) == set(ids(inside_last, inside_first))


def test_escalation_timeliness_worked_example() -> None:
    # E1 at 10:00: duty reached at 10:20 (due 10:30: in time); manager at 11:30 (due 11:00: late), and that
    # action reached the server weeks later: it still counts on the day it happened.
    e1 = escalation(at("2026-03-10 10:00"))
    e1_events = [
        answer(e1, at("2026-03-10 10:01"), "life", "no"),
        acted(e1, at("2026-03-10 10:20"), "duty"),
        event(e1, "action", at("2026-03-10 11:30"), "manager", action="phoned", reached=True,
              recorded=at("2026-04-05 09:00")),
    ]  # fmt: skip
    # E2 at 12:00: a duty call not answered at 12:10 is acting on the step (in time), reached at 12:25;
    # manager at 12:50 (due 13:00: in time).
    e2 = escalation(at("2026-03-10 12:00"))
    e2_events = [
        answer(e2, at("2026-03-10 12:00"), "life", "no"),
        acted(e2, at("2026-03-10 12:10"), "duty", reached=False),
        acted(e2, at("2026-03-10 12:25"), "duty"),
        acted(e2, at("2026-03-10 12:50"), "manager"),
    ]
    # E3: nothing done at all. E4: ten minutes old at the time of the report, duty not yet due.
    e3 = escalation(at("2026-03-10 14:00"))
    e4 = escalation(at("2026-03-20 14:50"))
    e4_events = [answer(e4, at("2026-03-20 14:51"), "life", "no")]
    # Recorded in March about February: not in the period. A welfare check: not an escalation.
    feb = escalation(at("2026-02-27 10:00"), recorded=at("2026-03-02 10:00"))
    welfare = escalation(at("2026-03-10 10:00"), kind="welfare-check", pathway="test-welfare@1")
    evidence = Evidence.from_envelopes([e1, *e1_events, e2, *e2_events, e3, e4, *e4_events, feb, welfare])

    m = escalation_timeliness(evidence, MARCH, LIBRARY, at("2026-03-20 15:00"))

    required = m.figure("required_actions")  # E1 duty ✓, E1 manager ✗, E2 duty ✓, E2 manager ✓; E4 pending
    assert (required.numerator, required.denominator) == (3, 4)
    assert required.text() == "3 of 4 (75%)"
    assert required.pending == ids(e4)
    whole = m.figure("all_within")
    assert (whole.numerator, whole.denominator) == (1, 2)
    assert whole.counted == ids(e2) and set(whole.cases) == set(ids(e1, e2)) and whole.pending == ids(e4)
    first = m.figure("first_action")  # E1 20 min, E2 10 min: the lower median is a real case's 10 min
    assert first.median_minutes == 10 and set(first.cases) == set(ids(e1, e2))
    assert first.text() == "10 min (median of 2)"
    assert set(m.figure("no_action").counted) == set(ids(e3, e4))


def test_an_escalation_on_a_pathway_not_loaded_is_not_judged() -> None:
    esc = escalation(at("2026-03-10 10:00"), pathway="retired-pathway@3")
    late = acted(esc, at("2026-03-10 18:00"), "duty")
    m = escalation_timeliness(Evidence.from_envelopes([esc, late]), MARCH, LIBRARY, END_OF_MARCH)
    assert m.figure("all_within").text() == NO_CASES
    assert m.figure("all_within").pending == ids(esc)


def test_welfare_check_adherence_worked_example() -> None:
    # W1 at 09:00: attempt reached 09:30 (due 10:00 ✓), manager 11:30 (due 11:00 ✗).
    w1 = escalation(at("2026-03-05 09:00"), kind="welfare-check", pathway="test-welfare@1")
    w1_events = [acted(w1, at("2026-03-05 09:30"), "attempt"), acted(w1, at("2026-03-05 11:30"), "manager")]
    # W2: first attempt at 10:30 (due 10:00 ✗), nobody reached, so the manager step is not yet on its path.
    w2 = escalation(at("2026-03-06 09:00"), kind="welfare-check", pathway="test-welfare@1")
    w2_events = [acted(w2, at("2026-03-06 10:30"), "attempt", reached=False)]
    # W3: nothing recorded, its first step long overdue at the time of the report (✗).
    w3 = escalation(at("2026-03-07 09:00"), kind="welfare-check", pathway="test-welfare@1")
    evidence = Evidence.from_envelopes([w1, *w1_events, w2, *w2_events, w3])

    m = welfare_check_adherence(evidence, MARCH, LIBRARY, END_OF_MARCH)

    steps = m.figure("required_steps")
    assert (steps.numerator, steps.denominator) == (1, 4)
    assert steps.counted == ids(w1)
    whole = m.figure("all_within")
    assert whole.text() == "0 of 3 (0%)"  # real cases, none in time: a true zero, not "no cases"
    assert m.figure("no_action").counted == ids(w3)


def test_safety_plan_use_in_notes() -> None:
    revision = plan(at("2026-03-01 10:00"))
    cited = note(at("2026-03-05 10:00"), "seen", (2,))
    not_cited = note(at("2026-03-06 10:00"), "spoken_to")
    no_answer = note(at("2026-03-07 10:00"), "no_answer")  # could not use a plan: in neither
    no_plan = note(at("2026-03-05 10:00"), "seen", (1,), person=PERSON_2)  # no plan yet: in neither
    before_plan = note(at("2026-03-01 09:00"), "seen", (1,))  # before the plan was written
    draft = note(at("2026-03-08 10:00"), "seen", (1,), signed=False)  # drafts never count
    wrong = note(at("2026-03-09 10:00"), "seen", (3,))
    evidence = Evidence.from_envelopes(
        [revision, cited, not_cited, no_answer, no_plan, before_plan, draft, wrong,
         entered_in_error(wrong, at("2026-03-09 11:00"))]
    )  # fmt: skip

    figure = safety_plan_use(evidence, MARCH, Settings(), END_OF_MARCH).figure("notes_cite_plan")

    assert figure.text() == "1 of 2 (50%)"
    assert figure.counted == ids(cited)
    assert figure.cases == ids(cited, not_cited)


def test_plans_reviewed_after_each_crisis() -> None:
    a = escalation(at("2026-03-10 12:00"))  # plan reviewed in a safety review two days later ✓
    a_review = review(at("2026-03-12 12:00"), plan_reviewed=True)
    b = escalation(at("2026-03-11 12:00"), person=PERSON_3)  # a review that did not review the plan ✗
    b_review = review(at("2026-03-12 12:00"), plan_reviewed=False, person=PERSON_3)
    c = escalation(at("2026-03-28 12:00"), person=PERSON_2)  # window still open at the report: pending
    d = escalation(at("2026-03-02 12:00"), person=PERSON_2)  # new plan revision on day 7 ✓
    d_plan = plan(at("2026-03-09 11:00"), person=PERSON_2)
    welfare = escalation(at("2026-03-03 12:00"), kind="welfare-check", pathway="test-welfare@1")
    evidence = Evidence.from_envelopes([a, a_review, b, b_review, c, d, d_plan, welfare])

    figure = safety_plan_use(evidence, MARCH, Settings(plan_review_within_days=7), END_OF_MARCH).figure(
        "plan_reviewed_after_crisis"
    )

    assert (figure.numerator, figure.denominator) == (2, 3)
    assert set(figure.counted) == set(ids(a, d))
    assert figure.pending == ids(c)


def test_dynamic_review_after_triggers() -> None:
    t1 = escalation(at("2026-03-10 10:00"))
    t1_review = review(at("2026-03-17 10:00"))  # exactly 7 days later: within
    t2 = escalation(at("2026-03-10 10:00"), kind="welfare-check", pathway="test-welfare@1", person=PERSON_2)
    t2_review = review(at("2026-03-18 10:00"), person=PERSON_2, trigger="missed_contact")  # 8 days: late
    t3 = escalation(at("2026-03-12 10:00"), person=PERSON_3)
    t3_review = review(at("2026-03-11 10:00"), person=PERSON_3)  # before the trigger: does not follow it
    t4 = escalation(at("2026-03-29 10:00"), person=PERSON_3)  # window open at the report: pending
    evidence = Evidence.from_envelopes([t1, t1_review, t2, t2_review, t3, t3_review, t4])

    figure = dynamic_review(evidence, MARCH, Settings(safety_review_within_days=7), END_OF_MARCH).figure(
        "reviewed_after_trigger"
    )

    assert figure.text() == "1 of 3 (33%)"
    assert figure.counted == ids(t1)
    assert figure.pending == ids(t4)


def test_follow_up_completion() -> None:
    def with_follow_up(due: str, done: str | None) -> list[dict[str, Any]]:
        esc = escalation(at(due) - timedelta(days=1))
        records = [esc, event(esc, "follow_up_set", at(due) - timedelta(days=1), "end", due=at(due))]
        if done:
            records.append(event(esc, "follow_up_done", at(done), "end"))
        return records

    on_time = with_follow_up("2026-03-10 12:00", "2026-03-10 11:00")
    late = with_follow_up("2026-03-11 12:00", "2026-03-12 09:00")
    missed = with_follow_up("2026-03-12 12:00", None)
    not_yet = with_follow_up("2026-03-31 20:00", None)
    # The latest follow-up set stands: moved to April, it is not due in March.
    moved = escalation(at("2026-03-01 12:00"))
    moved_events = [
        event(moved, "follow_up_set", at("2026-03-01 12:00"), "end", due=at("2026-03-05 12:00")),
        event(moved, "follow_up_set", at("2026-03-02 12:00"), "end", due=at("2026-04-10 12:00")),
    ]
    evidence = Evidence.from_envelopes([*on_time, *late, *missed, *not_yet, moved, *moved_events])

    figure = follow_up_completion(evidence, MARCH, END_OF_MARCH).figure("done_by_due")

    assert (figure.numerator, figure.denominator) == (1, 3)
    assert figure.counted == ids(on_time[0])
    assert set(figure.cases) == set(ids(on_time[0], late[0], missed[0]))
    assert figure.pending == ids(not_yet[0])


def test_out_of_hours_by_period_with_bank_holidays_by_nation() -> None:
    december = ReportPeriod(date(2026, 11, 30), date(2026, 12, 31))
    christmas = escalation(at("2026-12-25 10:00"), period="out-of-hours")
    observed = escalation(at("2026-12-28 10:00"), period="out-of-hours")  # Boxing Day (observed), a Monday
    saturday = escalation(at("2026-12-19 10:00"), period="out-of-hours")
    evening = escalation(at("2026-12-21 20:00"), period="out-of-hours")
    in_hours = escalation(at("2026-12-22 10:00"), period="in-hours")
    st_andrew = escalation(at("2026-11-30 10:00"), period="out-of-hours")  # Scotland's bank holiday only
    evidence = Evidence.from_envelopes([christmas, observed, saturday, evening, in_hours, st_andrew])

    england = out_of_hours_activity(evidence, december, Nation.ENGLAND)
    assert set(england.figure("bank_holiday").counted) == set(ids(christmas, observed))
    assert england.figure("weekend").counted == ids(saturday)
    assert set(england.figure("weekday_out_of_hours").counted) == set(ids(st_andrew, evening))
    assert england.figure("in_hours").counted == ids(in_hours)
    assert england.figure("share_out_of_hours").text() == "5 of 6 (83%)"

    scotland = out_of_hours_activity(evidence, december, Nation.SCOTLAND)
    assert set(scotland.figure("bank_holiday").counted) == set(ids(christmas, observed, st_andrew))


def test_months_cut_a_period_for_the_trend() -> None:
    parts = ReportPeriod(date(2026, 2, 15), date(2026, 4, 10)).months()
    assert [(p.first, p.last) for p in parts] == [
        (date(2026, 2, 15), date(2026, 2, 28)),
        (date(2026, 3, 1), date(2026, 3, 31)),
        (date(2026, 4, 1), date(2026, 4, 10)),
    ]
    december = ReportPeriod(date(2026, 12, 1), date(2027, 1, 31)).months()
    assert [(p.first, p.last) for p in december] == [
        (date(2026, 12, 1), date(2026, 12, 31)),
        (date(2027, 1, 1), date(2027, 1, 31)),
    ]


def test_a_record_from_a_newer_waymark_is_counted_as_unreadable_and_other_types_are_passed_over() -> None:
    newer = {**escalation(at("2026-03-10 10:00")), "schema_version": 99}
    planned = {**note(at("2026-03-10 10:00")), "record_type": "planned_contact", "payload": {"due_at": None}}
    evidence = Evidence.from_envelopes([newer, planned])
    assert evidence.unreadable == ids(newer)
    assert evidence.cases == () and evidence.notes == ()
