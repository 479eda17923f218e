"""A directory received by sync (app/directory.py: ``directory_from_texts``, ``with_national_lines``,
``with_emergency_line``), asked directly: it follows the team calendars it was read with, a file that is not TOML
is named in the problem said, every national line is in it and none is redefined (even when the file carries all
of them), and the version an escalation cites names both the organisation's file and the built-in lines."""

from __future__ import annotations

from datetime import UTC, datetime, time

from app.config_files import errors
from app.directory import (
    EMERGENCY_999,
    Directory,
    directory_from_texts,
    with_emergency_line,
    with_national_lines,
)
from app.hours import HoursCalendar, TeamCalendars
from app.org_config import BUNDLED
from app.persons import Nation

NATIONAL_TEXT = (BUNDLED / "contacts" / "national.toml").read_text(encoding="utf-8")
TEAM_LINE = """
[[entries]]
id = "westdale-duty"
service = "Westdale duty worker"
channels = [{ kind = "voice", value = "01632 960202" }]
availability = "in-hours"
nations = ["england"]
areas = ["westdale"]
audience = "Westdale team"
purpose = "professional_line"
for_use_by = "staff"
source = "https://example.org"
verified_on = 2026-11-01
review_due = 2027-11-01
"""


def _national() -> Directory:
    national, problems = directory_from_texts([("national.toml", NATIONAL_TEXT)])
    assert not errors(problems) and EMERGENCY_999 in national.entries
    return national


def test_a_received_directory_follows_the_team_calendars_it_was_read_with() -> None:
    westdale = HoursCalendar(version="westdale-1", opens=time(8, 30), closes=time(17, 30))
    calendars = TeamCalendars({"westdale": westdale})
    directory, problems = directory_from_texts([("ours.toml", 'version = "4"\n' + TEAM_LINE)], calendars=calendars)
    assert problems == [] and directory.calendars is calendars
    # 08:45 on a Wednesday: open by Westdale's own hours (08:30), not by the default 09:00.
    offer = directory.offer("westdale-duty", datetime(2026, 12, 2, 8, 45, tzinfo=UTC), Nation.ENGLAND, "westdale")
    assert offer is not None and offer.open_now


def test_a_received_file_that_is_not_toml_is_named_in_the_problem() -> None:
    directory, problems = directory_from_texts([("broken.toml", "version = \n[[entries]")])
    assert directory.entries == {}
    assert [p.file for p in errors(problems)] == ["broken.toml"]
    assert "is not valid TOML" in str(problems[0])


def test_a_file_carrying_every_national_line_with_one_redefined_still_offers_the_built_in_line() -> None:
    national = _national()
    redefined = NATIONAL_TEXT.replace('value = "999" }', 'value = "01632 000999" }', 1)
    assert redefined != NATIONAL_TEXT
    theirs, problems = directory_from_texts([("ours.toml", redefined)])
    assert not errors(problems) and set(theirs.entries) == set(national.entries), "nothing is missing"
    kept, said = with_national_lines(theirs, national)
    assert kept.entries[EMERGENCY_999].first_number == "999"
    assert [(p.file, p.node) for p in said] == [("ours.toml", EMERGENCY_999)]
    # The same lines exactly as built in: nothing to add or refuse, and the directory is used as it is.
    same, nothing = with_national_lines(national, national)
    assert same is national and nothing == []


def test_the_version_cited_names_the_organisations_file_and_the_built_in_lines() -> None:
    national = _national()
    theirs, _ = directory_from_texts([("ours.toml", 'version = "4"\n' + TEAM_LINE)])
    assert theirs.version == "ours@4"
    combined, _ = with_national_lines(theirs, national)
    assert combined.version == f"ours@4+built-in {national.version}"
    assert with_emergency_line(theirs).version == "ours@4+built-in 999"
    assert with_emergency_line(Directory({}, "")).version == "built-in 999"
    assert with_emergency_line(national) is national, "a directory with its own 999 entry is used as it is"
