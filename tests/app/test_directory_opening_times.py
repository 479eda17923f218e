"""When a closed service next opens, and the words shown beside it (app/directory.py: ``next_open``,
``Offer.closed_words``, ``Directory.offer``), from the rule's meaning: whether a service is open changes only at a
window's opening, a team's opening or closing, or midnight (a bank holiday ends); the first of those after now at
which it is open is when it opens. Times are shown in UK time whatever the machine's zone, and a day a week or
nearly away is given its date as well as its weekday, so it is not read as a day of this week."""

from datetime import UTC, datetime, time

from app.directory import Availability, Channel, Directory, DirectoryEntry, Offer, UseBy, Window
from app.hours import LONDON, HoursCalendar
from app.persons import Nation

TEAM = HoursCalendar()
MON, TUE, WED, THU, FRI, SAT, SUN = range(7)


def _entry(availability: Availability, entry_id: str = "line") -> DirectoryEntry:
    return DirectoryEntry(
        id=entry_id,
        service="A line",
        channels=(Channel("voice", "0800 000 0000"),),
        availability=availability,
        nations=frozenset({"england", "scotland"}),
        areas=frozenset(),
        audience="anyone",
        purpose="listening",
        for_use_by=UseBy.PERSON,
        not_for=frozenset(),
        source="https://example.org",
        verified_on=datetime(2026, 11, 1).date(),
        review_due=datetime(2027, 11, 1).date(),
    )


def test_a_window_that_is_not_the_last_listed_still_gives_its_opening_time() -> None:
    weekdays = Window(frozenset({MON, TUE, WED, THU, FRI}), time(9, 0), time(12, 0))
    saturday = Window(frozenset({SAT}), time(10, 0), time(14, 0))
    line = Availability("windows", (weekdays, saturday))
    wednesday_afternoon = datetime(2026, 12, 2, 13, 0, tzinfo=LONDON)
    assert line.next_open(wednesday_afternoon, Nation.ENGLAND, TEAM) == datetime(2026, 12, 3, 9, 0, tzinfo=LONDON)
    friday_afternoon = datetime(2026, 12, 4, 13, 0, tzinfo=LONDON)
    assert line.next_open(friday_afternoon, Nation.ENGLAND, TEAM) == datetime(2026, 12, 5, 10, 0, tzinfo=LONDON)


def test_a_night_line_closed_for_a_bank_holiday_opens_again_at_midnight() -> None:
    # Monday nights 20:00–06:00; Monday 31 August 2026 is England's summer bank holiday, so that evening it is
    # closed, and it is open again from midnight, when the bank holiday is over (British Summer Time).
    nights = Availability("windows", (Window(frozenset({MON}), time(20, 0), time(6, 0)),))
    holiday_evening = datetime(2026, 8, 31, 21, 0, tzinfo=LONDON)
    assert not nights.open_at(holiday_evening, Nation.ENGLAND, TEAM)
    assert nights.next_open(holiday_evening, Nation.ENGLAND, TEAM) == datetime(2026, 9, 1, 0, 0, tzinfo=LONDON)
    assert nights.open_at(datetime(2026, 9, 1, 0, 0, tzinfo=LONDON), Nation.ENGLAND, TEAM)


def test_a_closed_service_with_no_opening_in_the_fortnight_just_says_closed_now() -> None:
    offer = Offer(_entry(Availability("windows", ())), open_now=False, stale=False, opens_at=None)
    assert offer.closed_words(datetime(2026, 12, 2, 2, 0, tzinfo=UTC)) == "closed now"
    assert Offer(offer.entry, open_now=True, stale=False).closed_words(datetime(2026, 12, 2, 2, 0, tzinfo=UTC)) is None


def test_the_opening_time_is_said_in_uk_summer_time_not_the_machines_zone() -> None:
    # 09:00 in London on Wednesday 3 June 2026 is 08:00 UTC.
    opens = datetime(2026, 6, 3, 8, 0, tzinfo=UTC)
    offer = Offer(_entry(Availability("in-hours")), open_now=False, stale=False, opens_at=opens)
    assert offer.closed_words(datetime(2026, 6, 3, 1, 0, tzinfo=UTC)) == "closed now — opens Wed 09:00"


def test_an_opening_six_days_ahead_or_more_is_given_its_date_five_days_ahead_its_weekday_only() -> None:
    entry = _entry(Availability("in-hours"))
    thursday_evening = datetime(2026, 12, 3, 18, 0, tzinfo=UTC)
    five = Offer(entry, False, False, datetime(2026, 12, 8, 9, 0, tzinfo=LONDON))
    six = Offer(entry, False, False, datetime(2026, 12, 9, 9, 0, tzinfo=LONDON))
    assert five.closed_words(thursday_evening) == "closed now — opens Tue 09:00"
    assert six.closed_words(thursday_evening) == "closed now — opens Wed 09 Dec 09:00"


def test_how_far_ahead_is_counted_in_uk_days() -> None:
    # 23:30 UTC on Tuesday 2 June 2026 is already Wednesday 3 June in London (00:30 BST): an opening on
    # Monday 8 June is five UK days ahead, so its weekday alone is enough.
    just_after_midnight = datetime(2026, 6, 2, 23, 30, tzinfo=UTC)
    offer = Offer(_entry(Availability("in-hours")), False, False, datetime(2026, 6, 8, 9, 0, tzinfo=LONDON))
    assert offer.closed_words(just_after_midnight) == "closed now — opens Mon 09:00"


def test_an_entry_is_offered_by_id_with_the_persons_nations_bank_holidays_and_an_unknown_id_is_none() -> None:
    # St Andrew's Day, Monday 30 November 2026, is a bank holiday in Scotland, not in England.
    daytime = Availability("windows", (Window(frozenset({MON, TUE, WED, THU, FRI}), time(9, 0), time(17, 0)),))
    directory = Directory({"line": _entry(daytime)}, "1")
    st_andrews_day = datetime(2026, 11, 30, 11, 0, tzinfo=UTC)
    scotland = directory.offer("line", st_andrews_day, Nation.SCOTLAND)
    england = directory.offer("line", st_andrews_day, Nation.ENGLAND)
    assert scotland is not None and not scotland.open_now
    assert scotland.opens_at == datetime(2026, 12, 1, 9, 0, tzinfo=LONDON)
    assert england is not None and england.open_now and england.opens_at is None
    assert directory.offer("no-such-line", st_andrews_day, Nation.ENGLAND) is None
