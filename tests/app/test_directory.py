"""The contacts directory: nation filtering, availability (team hours, bank holidays, overnight
windows), stale entries flagged, malformed files named."""

from datetime import UTC, datetime
from pathlib import Path

from app.directory import load_directory
from app.org_config import BUNDLED
from app.persons import Nation

DIRECTORY, PROBLEMS = load_directory([BUNDLED / "contacts"])
THURSDAY_2PM = datetime(2026, 11, 26, 14, 0, tzinfo=UTC)
BOXING_DAY_2PM = datetime(2026, 12, 28, 14, 0, tzinfo=UTC)  # Monday: the substitute Boxing Day


def ids(offers: list) -> list[str]:
    return [o.entry.id for o in offers]


def test_bundled_files_load_cleanly_with_sources_and_review_dates() -> None:
    assert PROBLEMS == []
    assert DIRECTORY.version == "demo-local@2026-11-01+national@2026-11-01"
    for entry in DIRECTORY.entries.values():
        assert entry.source and (entry.verified_on is None or entry.verified_on <= entry.review_due)


def test_the_persons_nation_chooses_the_national_lines() -> None:
    assert ids(DIRECTORY.national_lines(Nation.ENGLAND, THURSDAY_2PM)) == [
        "emergency-999",
        "nhs-111-mental-health",
        "samaritans",
        "shout",
    ]
    scotland = ids(DIRECTORY.national_lines(Nation.SCOTLAND, THURSDAY_2PM))
    assert "nhs-24-mental-health" in scotland and "breathing-space" in scotland
    assert "nhs-111-mental-health" not in scotland
    ni = ids(DIRECTORY.national_lines(Nation.NORTHERN_IRELAND, THURSDAY_2PM))
    assert "lifeline-ni" in ni and "nhs-111-mental-health" not in ni and "breathing-space" not in ni
    assert all("police-101" not in ids(DIRECTORY.national_lines(n, THURSDAY_2PM)) for n in Nation), "staff only"


def test_team_hours_contacts_follow_the_calendar_including_bank_holidays() -> None:
    wanted = ["eastmoor-duty-manager", "moorland-on-call-manager"]
    weekday = DIRECTORY.offers(wanted, THURSDAY_2PM, Nation.ENGLAND, "eastmoor")
    assert [(o.entry.id, o.open_now) for o in weekday] == [
        ("eastmoor-duty-manager", True),
        ("moorland-on-call-manager", False),
    ]
    holiday = DIRECTORY.offers(wanted, BOXING_DAY_2PM, Nation.ENGLAND, "eastmoor")
    assert [(o.entry.id, o.open_now) for o in holiday] == [
        ("moorland-on-call-manager", True),
        ("eastmoor-duty-manager", False),
    ], "open contacts come first; closed ones stay listed"


def test_area_filters_local_contacts() -> None:
    offers = DIRECTORY.offers(
        ["eastmoor-duty-worker", "westdale-duty-worker"], THURSDAY_2PM, Nation.ENGLAND, "westdale"
    )
    assert ids(offers) == ["westdale-duty-worker"]


def test_an_overnight_window_belongs_to_the_day_it_starts() -> None:
    bs = DIRECTORY.get("breathing-space")
    assert bs is not None
    cal = DIRECTORY.calendars.default

    def open_at(text: str) -> bool:
        return bs.availability.open_at(datetime.fromisoformat(text), Nation.SCOTLAND, cal)

    assert open_at("2026-11-24T19:00+00:00")  # Tuesday evening
    assert open_at("2026-11-25T01:30+00:00")  # Wednesday small hours: Tuesday's window
    assert not open_at("2026-11-25T03:00+00:00")
    assert not open_at("2026-11-25T12:00+00:00")
    assert open_at("2026-11-28T12:00+00:00")  # Saturday
    assert open_at("2026-11-30T05:00+00:00")  # Monday before 06:00
    assert not open_at("2026-11-30T07:00+00:00")
    assert str(bs.availability).startswith("Mon–Thu 18:00–02:00")


def test_an_entry_past_its_review_date_is_flagged_stale_wherever_offered() -> None:
    later = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
    assert all(o.stale for o in DIRECTORY.national_lines(Nation.ENGLAND, later))
    assert not any(o.stale for o in DIRECTORY.national_lines(Nation.ENGLAND, THURSDAY_2PM))


def test_search_finds_by_name_or_number_and_lists_open_first() -> None:
    assert ids(DIRECTORY.search("samar", THURSDAY_2PM)) == ["samaritans"]
    assert ids(DIRECTORY.search("960102", THURSDAY_2PM)) == ["eastmoor-duty-manager"]
    everyone = DIRECTORY.search("", BOXING_DAY_2PM, Nation.ENGLAND)
    first_closed = next(i for i, o in enumerate(everyone) if not o.open_now)
    assert all(not o.open_now for o in everyone[first_closed:])


def test_a_malformed_contacts_file_is_named_and_contributes_nothing(tmp_path: Path) -> None:
    (tmp_path / "bad.toml").write_text(
        'version = "1"\n[[entries]]\nid = "x"\nservice = "X"\nchannels = [{ kind = "pigeon", value = "1" }]\n'
        'availability = "sometimes"\nnations = ["atlantis"]\naudience = "a"\npurpose = "listening"\n'
        'for_use_by = "person"\nsource = "s"\nverified_on = 2026-01-01\nreview_due = 2025-01-01\n'
    )
    (tmp_path / "broken.toml").write_text("version = ")
    directory, problems = load_directory([tmp_path])
    messages = [str(p) for p in problems]
    assert directory.entries == {}
    assert any(m.startswith("bad.toml: x: 'kind' is 'pigeon'") for m in messages), messages
    assert any(m.startswith("bad.toml: x: 'availability' must be") for m in messages)
    assert any(m.startswith("bad.toml: x: nation 'atlantis'") for m in messages)
    assert "bad.toml: x: 'review_due' is before 'verified_on'" in messages
    assert any(m.startswith("broken.toml: is not valid TOML") for m in messages)
