"""A line offered with no person in mind (the contacts pane, the lock screen) is worked out on its team's own
calendar; a line serving teams whose hours differ is said open only when it is open for every one of them, and
to open when the last of them does, so nobody is told a line is open when their team's is not."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from app.directory import load_directory
from app.hours import Nation
from app.hours_files import load_calendars

RESOURCES = Path(__file__).parents[2] / "resources"
SHARED_LINE = """
version = "test-1"

[[entries]]
id = "shared-duty"
service = "Shared duty line"
channels = [{ kind = "voice", value = "01632 960999" }]
availability = "in-hours"
nations = ["england"]
areas = ["eastmoor", "westdale"]
audience = "Both teams' staff"
purpose = "professional_line"
for_use_by = "staff"
source = "test"
verified_on = 2026-11-01
review_due = 2027-02-01
"""


def _shared_line(tmp_path: Path, at: datetime):
    calendars, problems = load_calendars(RESOURCES / "hours" / "teams.toml")
    assert not problems
    path = tmp_path / "shared.toml"
    path.write_text(SHARED_LINE, encoding="utf-8")
    directory, problems = load_directory([path], calendars=calendars)
    assert not problems
    [offer] = directory.search("Shared duty", at, Nation.ENGLAND)
    return offer


def test_open_only_when_open_for_every_team_it_serves(tmp_path: Path) -> None:
    # 08:45 on a Wednesday: Westdale (08:30) is open, Eastmoor (09:00) is not.
    offer = _shared_line(tmp_path, datetime(2026, 12, 2, 8, 45, tzinfo=UTC))
    assert not offer.open_now
    assert offer.opens_at == datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
    assert _shared_line(tmp_path, datetime(2026, 12, 2, 9, 0, tzinfo=UTC)).open_now
    # 17:15: Eastmoor has closed, Westdale (17:30) has not; next opening is when the later team opens.
    evening = _shared_line(tmp_path, datetime(2026, 12, 2, 17, 15, tzinfo=UTC))
    assert not evening.open_now and evening.opens_at == datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


def test_a_closure_day_of_one_team_keeps_the_line_closed_until_that_team_is_back(tmp_path: Path) -> None:
    # Christmas Eve is an Eastmoor closure day: the shared line is not said open, and opens when Eastmoor does.
    offer = _shared_line(tmp_path, datetime(2026, 12, 24, 10, 0, tzinfo=UTC))
    assert not offer.open_now
    assert offer.opens_at == datetime(2026, 12, 29, 9, 0, tzinfo=UTC)


def test_the_second_teams_closure_day_keeps_the_line_closed_too(tmp_path: Path) -> None:
    # Westdale's training day (14 January 2027): Eastmoor is open, Westdale is not, so the line is not said open,
    # and it opens when Westdale is back the next morning at 08:30.
    offer = _shared_line(tmp_path, datetime(2027, 1, 14, 10, 0, tzinfo=UTC))
    assert not offer.open_now
    assert offer.opens_at == datetime(2027, 1, 15, 8, 30, tzinfo=UTC)


def test_a_line_past_its_review_date_says_so_whichever_teams_it_serves(tmp_path: Path) -> None:
    # review_due 2027-02-01: from that day the shared line is flagged for checking, as any entry is.
    assert not _shared_line(tmp_path, datetime(2027, 1, 31, 12, 0, tzinfo=UTC)).stale
    stale = _shared_line(tmp_path, datetime(2027, 2, 2, 12, 0, tzinfo=UTC))
    assert stale.stale and stale.caution == "details may be out of date"
