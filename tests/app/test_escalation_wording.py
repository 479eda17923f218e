"""What a worker reads about an escalation, word for word, where the words are the rule: a refusal says what
was refused and what to do instead; a notice says what changed and what the record keeps. Pure rules here
(no store); the refusals of the service itself are in test_escalation_refusals.py."""

from datetime import UTC, datetime

from app.escalations import PeriodChange, _clock_time
from app.hours import Period, PeriodDecision
from app.pathways import Pathway

IN_HOURS = PeriodDecision(Period.IN_HOURS, "Eastmoor team's hours, Mon–Fri 09:00–17:00")
OUT_OF_HOURS = PeriodDecision(Period.OUT_OF_HOURS, "after 17:00")


def test_a_period_change_says_when_it_started_what_it_is_now_and_that_the_record_keeps_both() -> None:
    pathway = object.__new__(Pathway)  # describe() says the period's pathway by its kind, not its content
    assert PeriodChange(IN_HOURS, OUT_OF_HOURS, pathway).describe() == (
        "This escalation started in hours; it is now out of hours (after 17:00). Lines for in hours may be "
        "closed: the out-of-hours pathway's contacts are offered for the steps still to do. The record keeps "
        "the pathway it started on and every contact you record."
    )
    assert PeriodChange(OUT_OF_HOURS, IN_HOURS, pathway).describe() == (
        "This escalation started out of hours; it is now in hours (Eastmoor team's hours, Mon–Fri 09:00–17:00). "
        "Lines for out of hours may be closed: the in-hours pathway's contacts are offered for the steps still "
        "to do. The record keeps the pathway it started on and every contact you record."
    )


def test_a_time_today_is_the_london_hour_alone_and_today_is_londons_day_not_utcs() -> None:
    """In summer time, 23:30 UTC is already tomorrow in London: a step due at 00:15 London time that day is
    "00:15", today's hour, not a time with yesterday's or tomorrow's date."""
    now = datetime(2026, 7, 9, 23, 30, tzinfo=UTC)  # Friday 10 July, 00:30 in London
    assert _clock_time(datetime(2026, 7, 9, 23, 15, tzinfo=UTC), now) == "00:15"
    assert _clock_time(datetime(2026, 7, 9, 22, 45, tzinfo=UTC), now) == "Thu 09 Jul 23:45"
