from datetime import UTC, date, datetime, timedelta

import pytest

from app.errors import InvalidInput
from app.hours import LONDON, HoursCalendar, Period, bank_holidays
from app.persons import Nation

CAL = HoursCalendar()

# Published UK bank holidays 2026–2027, substitute days included.
EXPECTED = {
    Nation.ENGLAND: {
        date(2026, 1, 1),
        date(2026, 4, 3),
        date(2026, 4, 6),
        date(2026, 5, 4),
        date(2026, 5, 25),
        date(2026, 8, 31),
        date(2026, 12, 25),
        date(2026, 12, 28),
        date(2027, 1, 1),
        date(2027, 3, 26),
        date(2027, 3, 29),
        date(2027, 5, 3),
        date(2027, 5, 31),
        date(2027, 8, 30),
        date(2027, 12, 27),
        date(2027, 12, 28),
    },
    Nation.SCOTLAND: {
        date(2026, 1, 1),
        date(2026, 1, 2),
        date(2026, 4, 3),
        date(2026, 5, 4),
        date(2026, 5, 25),
        date(2026, 8, 3),
        date(2026, 11, 30),
        date(2026, 12, 25),
        date(2026, 12, 28),
        date(2027, 1, 1),
        date(2027, 1, 4),
        date(2027, 3, 26),
        date(2027, 5, 3),
        date(2027, 5, 31),
        date(2027, 8, 2),
        date(2027, 11, 30),
        date(2027, 12, 27),
        date(2027, 12, 28),
    },
    Nation.NORTHERN_IRELAND: {
        date(2026, 1, 1),
        date(2026, 3, 17),
        date(2026, 4, 3),
        date(2026, 4, 6),
        date(2026, 5, 4),
        date(2026, 5, 25),
        date(2026, 7, 13),
        date(2026, 8, 31),
        date(2026, 12, 25),
        date(2026, 12, 28),
        date(2027, 1, 1),
        date(2027, 3, 17),
        date(2027, 3, 26),
        date(2027, 3, 29),
        date(2027, 5, 3),
        date(2027, 5, 31),
        date(2027, 7, 12),
        date(2027, 8, 30),
        date(2027, 12, 27),
        date(2027, 12, 28),
    },
}
EXPECTED[Nation.WALES] = EXPECTED[Nation.ENGLAND]


@pytest.mark.parametrize("nation", list(Nation))
def test_every_weekday_bank_holiday_of_2026_and_2027_is_out_of_hours(nation: Nation) -> None:
    for day in sorted(EXPECTED[nation]):
        decision = CAL.period_at(datetime(day.year, day.month, day.day, 11, 0, tzinfo=LONDON), nation)
        assert decision.period is Period.OUT_OF_HOURS and decision.reason.startswith("bank holiday"), (nation, day)
    weekday_holidays = {d for y in (2026, 2027) for d in bank_holidays(nation, y) if d.weekday() < 5}
    # The package may add one-off days (e.g. Scotland's 2026 World Cup holiday); every published one is there.
    assert EXPECTED[nation] <= weekday_holidays


def test_boxing_day_reason_names_the_holiday() -> None:
    decision = CAL.period_at(datetime(2027, 12, 27, 10, 0, tzinfo=LONDON), "england")
    assert str(decision).startswith("Out of hours — bank holiday")


@pytest.mark.parametrize(
    "local,period",
    [
        ((16, 59), Period.IN_HOURS),
        ((17, 0), Period.OUT_OF_HOURS),
        ((8, 59), Period.OUT_OF_HOURS),
        ((9, 0), Period.IN_HOURS),
    ],
)
def test_boundaries_at_nine_and_five(local, period) -> None:
    at = datetime(2026, 11, 26, *local, tzinfo=LONDON)
    assert CAL.period_at(at, Nation.ENGLAND).period is period


def test_dst_weekends_use_london_local_time() -> None:
    # Monday after the clocks went forward (29 Mar 2026): 08:30 UTC is 09:30 BST, in hours.
    assert CAL.period_at(datetime(2026, 3, 30, 8, 30, tzinfo=UTC), Nation.ENGLAND).period is Period.IN_HOURS
    # Monday after they went back (25 Oct 2026): 08:30 UTC is 08:30 GMT, out of hours.
    assert CAL.period_at(datetime(2026, 10, 26, 8, 30, tzinfo=UTC), Nation.ENGLAND).period is Period.OUT_OF_HOURS
    # 16:30 UTC on a summer Friday is 17:30 BST: out of hours.
    assert CAL.period_at(datetime(2026, 7, 10, 16, 30, tzinfo=UTC), Nation.ENGLAND).period is Period.OUT_OF_HOURS
    sunday = datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert CAL.period_at(sunday, Nation.ENGLAND).reason == "weekend"
    assert CAL.period_at(sunday + timedelta(hours=1), Nation.ENGLAND).reason == "weekend"


def test_closure_days_and_bad_input() -> None:
    cal = HoursCalendar(closure_days={date(2026, 12, 2): "team training day"})
    assert cal.period_at(datetime(2026, 12, 2, 11, tzinfo=LONDON), "wales").reason == "team closed: team training day"
    with pytest.raises(InvalidInput, match="time zone"):
        cal.period_at(datetime(2026, 12, 2, 11), "wales")
    with pytest.raises(InvalidInput, match="Nation"):
        cal.period_at(datetime(2026, 12, 2, 11, tzinfo=UTC), "mars")


def test_each_team_has_its_own_hours_and_closure_days() -> None:
    from app.hours_files import load_calendars
    from app.org_config import BUNDLED

    calendars, problems = load_calendars(BUNDLED / "hours" / "teams.toml")
    assert problems == [] and calendars.version == "teams@2026-11-01"
    eight_forty_five = datetime(2026, 11, 26, 8, 45, tzinfo=UTC)
    assert calendars.for_area("westdale").period_at(eight_forty_five, "england").period is Period.IN_HOURS
    assert calendars.for_area("eastmoor").period_at(eight_forty_five, "england").period is Period.OUT_OF_HOURS
    christmas_eve = calendars.for_area("eastmoor").period_at(datetime(2026, 12, 24, 11, 0, tzinfo=UTC), "england")
    assert christmas_eve.period is Period.OUT_OF_HOURS and "Christmas Eve" in christmas_eve.reason
    assert calendars.for_area("nowhere") is calendars.default


def test_a_broken_hours_file_falls_back_to_the_default_and_says_so(tmp_path) -> None:
    from app.hours_files import load_calendars

    path = tmp_path / "teams.toml"
    path.write_text(
        'version = "1"\n[[calendars]]\narea = "eastmoor"\nopens = "17:00"\ncloses = "09:00"\nweekdays = ["mon"]\n'
    )
    calendars, problems = load_calendars(path)
    assert [str(p) for p in problems] == ["teams.toml: eastmoor: 'closes' must be after 'opens'"]
    assert calendars.for_area("eastmoor") == calendars.default
