"""In hours or out of hours, at the edges: the default Mon–Fri 09:00–17:00, the London date and clock
(never UTC or the device offset) across midnight and the clock changes, each team's own calendar, and
bank holidays and closures beating the weekly schedule. Written from hours/README.md and DESIGN §3."""

from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest

from app.errors import InvalidInput
from app.hours import LONDON, HoursCalendar, Period, PeriodDecision, TeamCalendars
from app.persons import Nation

DEFAULT = HoursCalendar()


def period(at: datetime, cal: HoursCalendar = DEFAULT, nation: Nation = Nation.ENGLAND) -> PeriodDecision:
    return cal.period_at(at, nation)


def test_the_default_week_is_monday_to_friday_nine_to_five() -> None:
    assert DEFAULT.version == "default-1"
    # 23–29 Nov 2026: Monday to Sunday, no bank holiday in England.
    for offset, expected in enumerate([Period.IN_HOURS] * 5 + [Period.OUT_OF_HOURS] * 2):
        day = datetime(2026, 11, 23, 11, 0, tzinfo=LONDON) + timedelta(days=offset)
        assert period(day).period is expected, day.strftime("%A")
    saturday, sunday = datetime(2026, 11, 28, 11, tzinfo=LONDON), datetime(2026, 11, 29, 11, tzinfo=LONDON)
    assert period(saturday).reason == period(sunday).reason == "weekend"


def test_the_reasons_say_why_in_words_with_the_team_hours() -> None:
    inside = period(datetime(2026, 11, 26, 12, 0, tzinfo=LONDON))
    assert inside == PeriodDecision(Period.IN_HOURS, "weekday within team hours (09:00–17:00)")
    assert str(inside) == "In hours — weekday within team hours (09:00–17:00)"
    evening = period(datetime(2026, 11, 26, 19, 0, tzinfo=LONDON))
    assert evening == PeriodDecision(Period.OUT_OF_HOURS, "outside team hours (09:00–17:00)")
    assert str(evening) == "Out of hours — outside team hours (09:00–17:00)"


@pytest.mark.parametrize(
    "clock,expected",
    [
        (time(0, 0), Period.OUT_OF_HOURS),
        (time(8, 59, 59), Period.OUT_OF_HOURS),
        (time(9, 0), Period.IN_HOURS),
        (time(16, 59, 59), Period.IN_HOURS),
        (time(17, 0), Period.OUT_OF_HOURS),
        (time(23, 59, 59), Period.OUT_OF_HOURS),
    ],
)
def test_team_hours_open_at_the_opening_minute_and_close_at_the_closing_one(clock: time, expected: Period) -> None:
    assert period(datetime.combine(date(2026, 11, 26), clock, LONDON)).period is expected


def test_a_weekday_the_team_does_not_work_is_named_as_such_not_as_a_weekend() -> None:
    four_day = HoursCalendar(weekdays=frozenset({0, 1, 2, 3}))
    friday = period(datetime(2026, 11, 27, 11, 0, tzinfo=LONDON), four_day)
    assert friday == PeriodDecision(Period.OUT_OF_HOURS, "team closed today")
    seven_day = HoursCalendar(weekdays=frozenset(range(7)))
    assert period(datetime(2026, 11, 28, 11, 0, tzinfo=LONDON), seven_day).period is Period.IN_HOURS


def test_the_day_is_londons_day_not_the_utc_one() -> None:
    # 23:30 UTC on Sunday 30 Aug 2026 is 00:30 BST on the August bank holiday Monday (England).
    late = datetime(2026, 8, 30, 23, 30, tzinfo=UTC)
    assert period(late).reason.startswith("bank holiday")
    # 23:30 UTC on Friday 10 July 2026 is already Saturday in London.
    assert period(datetime(2026, 7, 10, 23, 30, tzinfo=UTC)).reason == "weekend"


def test_the_clock_is_londons_whatever_offset_the_device_sent() -> None:
    paris = timezone(timedelta(hours=1))
    # 09:30 in Paris in November is 08:30 in London: not yet open.
    assert period(datetime(2026, 11, 26, 9, 30, tzinfo=paris)).period is Period.OUT_OF_HOURS
    # 17:30 in Paris is 16:30 in London: still open.
    assert period(datetime(2026, 11, 26, 17, 30, tzinfo=paris)).period is Period.IN_HOURS


@pytest.mark.parametrize(
    "utc,expected",
    [
        # Tuesday 31 Mar 2026 (BST, UTC+1): opens at 08:00 UTC, closes at 16:00 UTC.
        (datetime(2026, 3, 31, 7, 59, tzinfo=UTC), Period.OUT_OF_HOURS),
        (datetime(2026, 3, 31, 8, 0, tzinfo=UTC), Period.IN_HOURS),
        (datetime(2026, 3, 31, 15, 59, tzinfo=UTC), Period.IN_HOURS),
        (datetime(2026, 3, 31, 16, 0, tzinfo=UTC), Period.OUT_OF_HOURS),
        # Tuesday 27 Oct 2026 (GMT again): opens at 09:00 UTC, closes at 17:00 UTC.
        (datetime(2026, 10, 27, 8, 59, tzinfo=UTC), Period.OUT_OF_HOURS),
        (datetime(2026, 10, 27, 16, 59, tzinfo=UTC), Period.IN_HOURS),
    ],
)
def test_both_sides_of_the_clock_changes(utc: datetime, expected: Period) -> None:
    assert period(utc).period is expected


def test_a_bank_holiday_is_out_of_hours_even_within_team_hours_and_depends_on_the_nation() -> None:
    st_andrews = datetime(2026, 11, 30, 11, 0, tzinfo=LONDON)  # a Monday; a bank holiday in Scotland only
    assert period(st_andrews, nation=Nation.SCOTLAND).period is Period.OUT_OF_HOURS
    assert period(st_andrews, nation=Nation.ENGLAND).period is Period.IN_HOURS
    assert period(st_andrews, nation="scotland").reason.startswith("bank holiday: ")


def test_a_closure_day_is_out_of_hours_all_day_and_only_that_day() -> None:
    cal = HoursCalendar(closure_days={date(2026, 12, 2): "team training day"})
    day = datetime(2026, 12, 2, 12, 0, tzinfo=LONDON)
    assert period(day, cal) == PeriodDecision(Period.OUT_OF_HOURS, "team closed: team training day")
    assert period(day + timedelta(days=1), cal).period is Period.IN_HOURS
    assert period(day - timedelta(days=1), cal).period is Period.IN_HOURS


def test_each_area_gets_its_own_calendar_and_others_the_default() -> None:
    late_team = HoursCalendar("t@1:west", time(10, 0), time(20, 0))
    calendars = TeamCalendars({"west": late_team}, version="t@1")
    assert calendars.for_area("west") is late_team
    assert calendars.for_area("east") is calendars.default
    assert calendars.for_area(None) is calendars.default
    assert calendars.for_area("") is calendars.default
    assert calendars.default == HoursCalendar()
    assert TeamCalendars().version == "default-1"
    seven_pm = datetime(2026, 11, 26, 19, 0, tzinfo=LONDON)
    assert calendars.for_area("west").period_at(seven_pm, Nation.WALES).period is Period.IN_HOURS
    assert calendars.for_area("east").period_at(seven_pm, Nation.WALES).period is Period.OUT_OF_HOURS


def test_a_time_without_a_zone_or_an_unknown_nation_is_refused_saying_what_to_give() -> None:
    with pytest.raises(InvalidInput) as info:
        period(datetime(2026, 11, 26, 12, 0))
    assert (info.value.field, info.value.problem) == ("Time", "needs a time zone (for example 2026-12-26T10:00+00:00)")
    with pytest.raises(InvalidInput) as info:
        DEFAULT.period_at(datetime(2026, 11, 26, 12, 0, tzinfo=UTC), "cornwall")
    assert (info.value.field, info.value.problem) == ("Nation", "must be england, wales, scotland or northern-ireland")
