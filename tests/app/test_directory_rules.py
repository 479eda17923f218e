"""The contacts directory at its edges, from contacts/README.md and DESIGN §3: weekly windows in UK time
(opening minute in, closing minute out, "24:00" the end of the day, overnight windows credited to the day
they start, across the week's end and the clock changes), team-hours entries following the area's own
calendar, an entry stale only after its review day (a UK date), nation and area filtering, and files
refused when they would mislead."""

import tomllib
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from app.directory import (
    Availability,
    Channel,
    Directory,
    DirectoryEntry,
    UseBy,
    Window,
    load_directory,
    read_entry,
)
from app.hours import LONDON, HoursCalendar, TeamCalendars
from app.persons import Nation

MON, TUE, WED, THU, FRI, SAT, SUN = range(7)
DEFAULT = HoursCalendar()


def entry_toml(entry_id: str = "line", availability: str = '"always"', **extra: str) -> str:
    fields = {
        "service": '"A line"',
        "channels": '[{ kind = "voice", value = "0800 000 0000" }]',
        "availability": availability,
        "nations": '["england", "wales"]',
        "audience": '"anyone"',
        "purpose": '"listening"',
        "for_use_by": '"person"',
        "source": '"https://example.org"',
        "verified_on": "2026-11-01",
        "review_due": "2027-02-01",
        **extra,
    }
    return f'[[entries]]\nid = "{entry_id}"\n' + "".join(f"{k} = {v}\n" for k, v in fields.items())


def load(tmp_path: Path, *entries: str, version: str = 'version = "1"\n', calendars: TeamCalendars | None = None):
    (tmp_path / "c.toml").write_text(version + "".join(entries))
    return load_directory([tmp_path / "c.toml"], calendars=calendars)


def open_at(entry: DirectoryEntry, local: datetime, nation: Nation = Nation.ENGLAND) -> bool:
    return entry.availability.open_at(local, nation, DEFAULT)


def at(day: int, hh: int, mm: int = 0, ss: int = 0) -> datetime:
    """London local time on a day of the week of 23–29 Nov 2026 (Monday = 0)."""
    return datetime(2026, 11, 23 + day, hh, mm, ss, tzinfo=LONDON)


# -- windows -------------------------------------------------------------------------------------------


def test_a_day_window_opens_at_its_first_minute_and_closes_at_its_last() -> None:
    w = Window(frozenset({MON, TUE}), time(9, 0), time(17, 0))
    assert not w.contains(at(MON, 8, 59, 59))
    assert w.contains(at(MON, 9, 0))
    assert w.contains(at(TUE, 16, 59, 59))
    assert not w.contains(at(TUE, 17, 0))
    assert not w.contains(at(WED, 12, 0)), "a day not listed"


def test_an_overnight_window_belongs_to_the_day_it_starts_including_across_the_weeks_end() -> None:
    sunday_night = Window(frozenset({SUN}), time(22, 0), time(2, 0))
    assert sunday_night.contains(datetime(2026, 11, 29, 22, 0, tzinfo=LONDON))  # Sunday evening
    assert sunday_night.contains(datetime(2026, 11, 30, 1, 59, tzinfo=LONDON))  # Monday small hours
    assert not sunday_night.contains(datetime(2026, 11, 30, 2, 0, tzinfo=LONDON))
    assert not sunday_night.contains(at(MON, 23, 0)), "Monday evening is not Sunday's window"
    assert not sunday_night.contains(at(SUN, 1, 0)), "Sunday's small hours belong to Saturday"
    assert not sunday_night.contains(at(SUN, 21, 59))


def test_a_window_closing_at_midnight_runs_to_the_very_end_of_the_day(tmp_path: Path) -> None:
    directory, problems = load(tmp_path, entry_toml(availability='[{ days = ["fri"], from = "18:00", to = "24:00" }]'))
    assert problems == []
    line = directory.entries["line"]
    assert open_at(line, at(FRI, 23, 59, 59))
    assert open_at(line, at(FRI, 18, 0))
    assert not open_at(line, at(SAT, 0, 0)), "Friday's window is not Saturday's"
    assert not open_at(line, at(FRI, 17, 59))
    assert str(line.availability) == "Fri 18:00–24:00"


def test_a_whole_day_window_leaves_no_gap_at_midnight(tmp_path: Path) -> None:
    whole = '[{ days = ["sat", "sun"], from = "00:00", to = "24:00" }]'
    directory, problems = load(tmp_path, entry_toml(availability=whole))
    assert problems == []
    line = directory.entries["line"]
    assert all(open_at(line, at(SAT, 0, 0) + timedelta(minutes=m)) for m in range(0, 2 * 24 * 60, 7))
    assert not open_at(line, at(MON, 0, 0) + timedelta(days=7))
    assert not open_at(line, at(FRI, 23, 59))


def test_windows_are_read_in_uk_time_whatever_the_offset_of_the_time_asked(tmp_path: Path) -> None:
    directory, _ = load(tmp_path, entry_toml(availability='[{ days = ["tue"], from = "09:00", to = "10:00" }]'))
    line = directory.entries["line"]
    # Tuesday 7 July 2026, BST: 08:30 UTC is 09:30 in the UK, 09:30 UTC is 10:30.
    assert line.availability.open_at(datetime(2026, 7, 7, 8, 30, tzinfo=UTC), Nation.ENGLAND, DEFAULT)
    assert not line.availability.open_at(datetime(2026, 7, 7, 9, 30, tzinfo=UTC), Nation.ENGLAND, DEFAULT)


def test_an_evening_window_on_a_clock_change_night_follows_the_uk_clock(tmp_path: Path) -> None:
    overnight = '[{ days = ["sat"], from = "22:00", to = "06:00" }]'
    directory, _ = load(tmp_path, entry_toml(availability=overnight))
    line = directory.entries["line"]
    # Night of Sat 28 Mar 2026: clocks go forward at 01:00 UTC. 05:30 UTC is 06:30 BST: closed.
    assert line.availability.open_at(datetime(2026, 3, 29, 4, 30, tzinfo=UTC), Nation.ENGLAND, DEFAULT)
    assert not line.availability.open_at(datetime(2026, 3, 29, 5, 30, tzinfo=UTC), Nation.ENGLAND, DEFAULT)
    # Night of Sat 24 Oct 2026: clocks go back. 05:30 UTC is 05:30 GMT: still open.
    assert line.availability.open_at(datetime(2026, 10, 25, 5, 30, tzinfo=UTC), Nation.ENGLAND, DEFAULT)


@pytest.mark.parametrize(
    "window,text",
    [
        (Window(frozenset({MON, TUE, WED, THU}), time(18, 0), time(2, 0)), "Mon–Thu 18:00–02:00"),
        (Window(frozenset({SAT, SUN}), time(0, 0), time.max), "Sat, Sun 00:00–24:00"),
        (Window(frozenset({MON, WED, FRI}), time(9, 30), time(12, 0)), "Mon, Wed, Fri 09:30–12:00"),
        (Window(frozenset({FRI}), time(9, 0), time(17, 0)), "Fri 09:00–17:00"),
        (Window(frozenset({MON, TUE, WED}), time(9, 0), time(17, 0)), "Mon–Wed 09:00–17:00"),
        (Window(frozenset({WED, THU, FRI, SAT}), time(9, 0), time(17, 0)), "Wed–Sat 09:00–17:00"),
        (Window(frozenset({SAT, SUN}), time(9, 0), time(17, 0)), "Sat, Sun 09:00–17:00"),
    ],
)
def test_windows_are_shown_as_a_worker_reads_them(window: Window, text: str) -> None:
    assert str(window) == text


def test_availability_is_described_in_words() -> None:
    assert str(Availability("always")) == "24 hours, every day"
    assert str(Availability("in-hours")) == "Team hours only"
    assert str(Availability("out-of-hours")) == "Out of hours only"
    two = Availability(
        "windows", (Window(frozenset({MON}), time(9), time(12)), Window(frozenset({TUE}), time(13), time(14)))
    )
    assert str(two) == "Mon 09:00–12:00; Tue 13:00–14:00"


def test_a_window_whose_end_is_its_start_runs_a_full_day_past_midnight() -> None:
    # The format: a window whose `to` is at or before `from` runs past midnight (files refuse equal times,
    # as a likely typing slip, but the rule itself is a whole day).
    w = Window(frozenset({MON}), time(9, 0), time(9, 0))
    assert w.contains(at(MON, 9, 0)) and w.contains(at(MON, 23, 0)) and w.contains(at(TUE, 8, 59))
    assert not w.contains(at(TUE, 9, 0)) and not w.contains(at(MON, 8, 59))


def test_always_means_always() -> None:
    assert Availability("always").open_at(at(SUN, 3, 33), Nation.WALES, HoursCalendar(weekdays=frozenset()))


# -- team hours ----------------------------------------------------------------------------------------


def test_team_hours_lines_follow_the_areas_own_calendar(tmp_path: Path) -> None:
    early = HoursCalendar("t@1:west", time(8, 0), time(16, 0))
    calendars = TeamCalendars({"west": early}, version="t@1")
    directory, problems = load(
        tmp_path,
        entry_toml("duty", '"in-hours"', areas='["west", "east"]', for_use_by='"staff"'),
        entry_toml("on-call", '"out-of-hours"', areas='["west", "east"]', for_use_by='"staff"'),
        calendars=calendars,
    )
    assert problems == []
    half_eight = datetime(2026, 11, 26, 8, 30, tzinfo=UTC)
    west = {o.entry.id: o.open_now for o in directory.offers(["duty", "on-call"], half_eight, Nation.ENGLAND, "west")}
    east = {o.entry.id: o.open_now for o in directory.offers(["duty", "on-call"], half_eight, Nation.ENGLAND, "east")}
    assert west == {"duty": True, "on-call": False}
    assert east == {"duty": False, "on-call": True}


def test_team_hours_lines_are_closed_on_the_nations_bank_holidays(tmp_path: Path) -> None:
    directory, _ = load(tmp_path, entry_toml("duty", '"in-hours"', nations='["scotland", "england"]'))
    st_andrews_day = datetime(2026, 11, 30, 11, 0, tzinfo=UTC)  # Monday: a bank holiday in Scotland only
    assert [o.open_now for o in directory.offers(["duty"], st_andrews_day, Nation.SCOTLAND)] == [False]
    assert [o.open_now for o in directory.offers(["duty"], st_andrews_day, Nation.ENGLAND)] == [True]


# -- stale entries -------------------------------------------------------------------------------------


def test_an_entry_is_current_on_its_review_day_and_stale_the_day_after(tmp_path: Path) -> None:
    directory, _ = load(tmp_path, entry_toml(review_due="2027-02-01"))
    line = directory.entries["line"]
    assert not line.is_stale(date(2027, 1, 31))
    assert not line.is_stale(date(2027, 2, 1))
    assert line.is_stale(date(2027, 2, 2))
    on_the_day = directory.national_lines(Nation.ENGLAND, datetime(2027, 2, 1, 23, 59, tzinfo=UTC))
    after = directory.national_lines(Nation.ENGLAND, datetime(2027, 2, 2, 0, 0, tzinfo=UTC))
    assert [o.stale for o in on_the_day] == [False] and [o.stale for o in after] == [True]


def test_the_review_day_is_a_uk_date(tmp_path: Path) -> None:
    directory, _ = load(tmp_path, entry_toml(review_due="2027-06-30"))
    # 23:30 UTC on 30 June is 00:30 BST on 1 July in the UK: the review day has passed.
    offers = directory.national_lines(Nation.ENGLAND, datetime(2027, 6, 30, 23, 30, tzinfo=UTC))
    assert [o.stale for o in offers] == [True]
    assert [o.stale for o in directory.search("", datetime(2027, 6, 30, 22, 30, tzinfo=UTC))] == [False]


# -- who is offered what -------------------------------------------------------------------------------


def test_nation_and_area_decide_who_is_offered_an_entry(tmp_path: Path) -> None:
    directory, _ = load(
        tmp_path,
        entry_toml("national"),
        entry_toml("local", areas='["east"]', for_use_by='"staff"'),
        entry_toml("scottish", nations='["scotland"]'),
    )
    local = directory.entries["local"]
    assert local.serves(Nation.ENGLAND, "east") and local.serves("wales", None)
    assert not local.serves(Nation.ENGLAND, "west")
    # A team's line serves its area whatever the person's nation (issue 9, finding 4: a Scottish
    # resident on an English team is offered the team's lines).
    assert local.serves(Nation.SCOTLAND, "east")
    assert directory.entries["national"].serves(Nation.WALES, "anywhere")
    at_noon = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
    assert [
        o.entry.id for o in directory.offers(["scottish", "local", "national"], at_noon, Nation.ENGLAND, "east")
    ] == [
        "local",
        "national",
    ]
    assert [o.entry.id for o in directory.offers(["local", "missing"], at_noon, Nation.ENGLAND, "west")] == []
    assert [o.entry.id for o in directory.national_lines(Nation.ENGLAND, at_noon)] == ["national"]
    assert [o.entry.id for o in directory.national_lines(Nation.SCOTLAND, at_noon)] == ["scottish"]


def test_a_national_line_open_in_team_hours_is_judged_by_the_persons_nations_holidays(tmp_path: Path) -> None:
    directory, _ = load(tmp_path, entry_toml("office-hours", '"in-hours"', nations='["scotland", "england"]'))
    st_andrews_day = datetime(2026, 11, 30, 11, 0, tzinfo=UTC)
    assert [o.open_now for o in directory.national_lines(Nation.SCOTLAND, st_andrews_day)] == [False]
    assert [o.open_now for o in directory.national_lines(Nation.ENGLAND, st_andrews_day)] == [True]


def test_lines_for_the_person_or_both_are_national_lines_staff_lines_are_not(tmp_path: Path) -> None:
    directory, _ = load(
        tmp_path,
        entry_toml("p", for_use_by='"person"'),
        entry_toml("b", for_use_by='"both"'),
        entry_toml("s", for_use_by='"staff"'),
    )
    at_noon = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
    assert sorted(o.entry.id for o in directory.national_lines(Nation.ENGLAND, at_noon)) == ["b", "p"]
    assert [e.id for e in directory.entries.values() if e.usable_by_staff()] == ["b", "s"]
    assert directory.entries["b"].for_use_by is UseBy.BOTH


def test_offers_keep_the_pathways_order_within_open_and_closed(tmp_path: Path) -> None:
    evenings = '[{ days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], from = "18:00", to = "23:00" }]'
    directory, _ = load(
        tmp_path, entry_toml("a", evenings), entry_toml("b"), entry_toml("c", evenings), entry_toml("d")
    )
    noon, seven_pm = datetime(2026, 11, 26, 12, 0, tzinfo=UTC), datetime(2026, 11, 26, 19, 0, tzinfo=UTC)
    assert [o.entry.id for o in directory.offers("abcd", noon, Nation.ENGLAND)] == ["b", "d", "a", "c"]
    assert [o.entry.id for o in directory.offers("dcba", seven_pm, Nation.ENGLAND)] == ["d", "c", "b", "a"]
    assert directory.get("a") is directory.entries["a"] and directory.get("zz") is None


def test_search_matches_name_purpose_audience_or_number_ignoring_case(tmp_path: Path) -> None:
    directory, _ = load(
        tmp_path,
        entry_toml("a", service='"Moor Crisis Team"', purpose='"urgent_mental_health"', nations='["england"]'),
        entry_toml("b", service='"Listening Line"', audience='"carers and families"', nations='["scotland"]'),
        entry_toml("c", service='"Zeta Helpline"', channels='[{ kind = "text", value = "85258" }]'),
    )
    noon = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)

    def found(text: str, nation: Nation | None = None) -> list[str]:
        return [o.entry.id for o in directory.search(text, noon, nation)]

    assert found("  crisis ") == ["a"]
    assert found("URGENT_MENTAL") == ["a"]
    assert found("Carers") == ["b"]
    assert found("8525") == ["c"]
    assert found("") == ["b", "a", "c"]
    assert found("", Nation.SCOTLAND) == ["b"]
    assert found("nothing like it") == []
    assert found("x") == [], "no entry has an x in any field"
    assert directory.entries["c"].first_number == "85258"
    assert str(directory.entries["c"].channels[0]) == "Text 85258"


@pytest.mark.parametrize(
    "channel,text",
    [
        (Channel("voice", "999"), "Phone 999"),
        (Channel("text", "85258"), "Text 85258"),
        (Channel("textphone", "18001 999"), "Textphone 18001 999"),
        (Channel("webchat", "https://x.example"), "Webchat https://x.example"),
    ],
)
def test_channels_are_labelled_for_a_worker(channel: Channel, text: str) -> None:
    assert str(channel) == text


# -- files that must be refused ------------------------------------------------------------------------


def messages(problems: list) -> list[str]:
    return [str(p) for p in problems]


def test_a_window_that_opens_and_closes_at_the_same_time_is_refused(tmp_path: Path) -> None:
    directory, problems = load(tmp_path, entry_toml(availability='[{ days = ["mon"], from = "09:00", to = "09:00" }]'))
    assert directory.entries == {}
    assert "c.toml: line: an availability window opens and closes at the same time" in messages(problems)


@pytest.mark.parametrize(
    "availability,expected",
    [
        ('[{ days = ["monday"], from = "09:00", to = "17:00" }]', "c.toml: line: unknown day(s) monday; use mon, tue"),
        ('[{ days = ["mon"], from = "25:00", to = "17:00" }]', "c.toml: line: 'from' must be a time such as 09:00"),
        ('[{ days = ["mon"], from = "09:00", to = "5pm" }]', "c.toml: line: 'to' must be a time such as 09:00"),
        ('"sometimes"', 'c.toml: line: \'availability\' must be "always", "in-hours", "out-of-hours" or a list'),
        ("[]", "c.toml: line: 'availability' must be"),
    ],
)
def test_availability_that_cannot_be_read_is_refused(tmp_path: Path, availability: str, expected: str) -> None:
    directory, problems = load(tmp_path, entry_toml(availability=availability))
    assert directory.entries == {}
    assert any(m.startswith(expected) for m in messages(problems)), messages(problems)


@pytest.mark.parametrize(
    "extra,expected",
    [
        ({"nations": '["england", "mars"]'}, "c.toml: line: nation 'mars' is not one of england, wales"),
        ({"not_for": '["gossip"]'}, "c.toml: line: 'not_for' value 'gossip' is not one of professional-handover"),
        ({"review_due": "2026-10-31"}, "c.toml: line: 'review_due' is before 'verified_on'"),
        ({"channels": "[]"}, "c.toml: line: "),
        ({"for_use_by": '"anyone"'}, "c.toml: line: 'for_use_by'"),
        ({"purpose": '"fun"'}, "c.toml: line: 'purpose'"),
    ],
)
def test_an_entry_that_would_mislead_is_refused(tmp_path: Path, extra: dict[str, str], expected: str) -> None:
    directory, problems = load(tmp_path, entry_toml(**extra))
    assert directory.entries == {}
    assert any(m.startswith(expected) for m in messages(problems)), messages(problems)


def test_an_entry_may_be_reviewed_on_the_day_it_was_verified(tmp_path: Path) -> None:
    directory, problems = load(tmp_path, entry_toml(verified_on="2026-11-01", review_due="2026-11-01"))
    assert problems == [] and list(directory.entries) == ["line"]


def test_entry_ids_are_lower_case_words_and_hyphens(tmp_path: Path) -> None:
    for bad in ("Line", "-line", "line one", "", "línea"):
        problems: list = []
        assert read_entry({"id": bad}, "c.toml", problems) is None
        assert messages(problems) == [f"c.toml: an entry has a missing or malformed id ({bad!r})"]
    assert read_entry({"id": 7}, "c.toml", []) is None


def test_an_id_defined_twice_is_refused_across_files_too(tmp_path: Path) -> None:
    directory, problems = load(tmp_path, entry_toml("line"), entry_toml("line"))
    assert "c.toml: line: is defined more than once" in messages(problems) and directory.entries == {}
    (tmp_path / "a.toml").write_text('version = "2"\n' + entry_toml("line"))
    (tmp_path / "b.toml").write_text('version = "3"\n' + entry_toml("line"))
    directory, problems = load_directory([tmp_path / "a.toml", tmp_path / "b.toml"])
    assert messages(problems) == ["b.toml: line: is defined more than once"]
    assert directory.version == "a@2"


def test_the_directory_version_names_every_file_used(tmp_path: Path) -> None:
    (tmp_path / "one.toml").write_text('version = "5"\n' + entry_toml("a"))
    (tmp_path / "two.toml").write_text('version = "2026-11-01"\n' + entry_toml("b"))
    (tmp_path / "unversioned.toml").write_text(entry_toml("c"))
    directory, problems = load_directory([tmp_path, tmp_path / "gone.toml"])
    assert directory.version == "one@5+two@2026-11-01"
    assert sorted(directory.entries) == ["a", "b"]
    assert "gone.toml: does not exist" in messages(problems)
    assert any(m.startswith("unversioned.toml: 'version'") for m in messages(problems)), messages(problems)


def test_a_directory_without_calendars_uses_the_default_hours() -> None:
    assert Directory({}, "v").calendars == TeamCalendars()


def test_every_broken_entry_in_a_file_is_named_not_only_the_first(tmp_path: Path) -> None:
    directory, problems = load(
        tmp_path,
        entry_toml("first", nations='["mars"]'),
        entry_toml("second", purpose='"fun"'),
        entry_toml("third"),
    )
    named = {p.node for p in problems}
    assert {"first", "second"} <= named and directory.entries == {}


def test_each_entry_without_channels_is_named(tmp_path: Path) -> None:
    _, problems = load(tmp_path, entry_toml("a", channels="[]"), entry_toml("b", channels="[]"))
    assert messages(problems) == ["c.toml: a: has no channels", "c.toml: b: has no channels"]


def test_an_entry_with_no_channels_key_is_told_so_once() -> None:
    # Said once, in the words that name the missing key: a second "has no channels" for the same entry would
    # only be noise in the list a team lead reads to put the file right.
    doc = tomllib.loads(entry_toml())["entries"][0]
    del doc["channels"]
    problems: list = []
    assert read_entry(doc, "c.toml", problems) is None
    assert messages(problems) == ["c.toml: line: 'channels' is missing"]


def test_a_channels_note_is_kept_for_the_worker(tmp_path: Path) -> None:
    channels = (
        '[{ kind = "voice", value = "111", note = "choose the mental health option" }, '
        '{ kind = "text", value = "85258" }]'
    )
    directory, problems = load(tmp_path, entry_toml(channels=channels))
    assert problems == []
    assert directory.entries["line"].channels == (
        Channel("voice", "111", "choose the mental health option"),
        Channel("text", "85258", None),
    )


def test_an_entry_keeps_where_its_number_was_checked_and_its_caveat(tmp_path: Path) -> None:
    directory, problems = load(
        tmp_path,
        entry_toml(
            areas='["east"]',
            not_for='["professional-handover", "routine-referral"]',
            caveat='"Not for professional handovers"',
            source='"https://www.example.org/contact"',
            verified_on="2026-10-02",
            review_due="2027-04-02",
        ),
    )
    assert problems == []
    line = directory.entries["line"]
    assert (line.source, line.verified_on, line.review_due) == (
        "https://www.example.org/contact",
        date(2026, 10, 2),
        date(2027, 4, 2),
    )
    assert line.caveat == "Not for professional handovers" and line.file == "c.toml"
    assert line.areas == frozenset({"east"})
    assert line.not_for == frozenset({"professional-handover", "routine-referral"})
    assert (line.service, line.audience, line.purpose, line.nations) == (
        "A line",
        "anyone",
        "listening",
        frozenset({"england", "wales"}),
    )


def test_an_unknown_not_for_names_every_allowed_value(tmp_path: Path) -> None:
    _, problems = load(tmp_path, entry_toml(not_for='["gossip"]'))
    assert messages(problems) == [
        "c.toml: line: 'not_for' value 'gossip' is not one of professional-handover, routine-referral"
    ]
