"""A closed service says so, with when it opens (a new user's overnight review, finding 2): at 02:00 the Westdale
team duty worker on a person's plan showed no "closed now" though the directory knew its hours."""

from dataclasses import replace
from datetime import UTC, datetime, time

from app.directory import Availability, Window
from app.hours import LONDON, HoursCalendar
from app.persons import Nation
from app.plan_references import shown
from app.safety_plans import PlanItem
from app.workspace import Workspace

# Wednesday 2 December 2026, 02:00 in London: a night shift.
NIGHT = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)
TEAM = HoursCalendar()


def test_a_team_hours_line_closed_at_night_opens_at_nine_the_same_day() -> None:
    hours = Availability("in-hours")
    assert hours.next_open(NIGHT, Nation.ENGLAND, TEAM) == datetime(2026, 12, 2, 9, 0, tzinfo=LONDON)
    assert hours.next_open(datetime(2026, 12, 2, 10, 0, tzinfo=UTC), Nation.ENGLAND, TEAM) is None, "open: no time"


def test_friday_evening_opens_monday_and_christmas_is_skipped() -> None:
    hours = Availability("in-hours")
    friday = datetime(2026, 12, 4, 18, 0, tzinfo=UTC)
    assert hours.next_open(friday, Nation.ENGLAND, TEAM) == datetime(2026, 12, 7, 9, 0, tzinfo=LONDON)
    christmas_eve = datetime(2026, 12, 24, 18, 0, tzinfo=UTC)  # Thu; Fri 25 and Mon 28 (Boxing Day's) closed
    assert hours.next_open(christmas_eve, Nation.ENGLAND, TEAM) == datetime(2026, 12, 29, 9, 0, tzinfo=LONDON)


def test_an_evening_window_and_one_past_midnight() -> None:
    evenings = Availability("windows", (Window(frozenset({0, 1, 2, 3, 4}), time(18, 0), time(2, 0)),))
    assert evenings.next_open(datetime(2026, 12, 2, 3, 0, tzinfo=UTC), Nation.ENGLAND, TEAM) == datetime(
        2026, 12, 2, 18, 0, tzinfo=LONDON
    )
    assert evenings.next_open(datetime(2026, 12, 2, 1, 0, tzinfo=UTC), Nation.ENGLAND, TEAM) is None
    assert Availability("always").next_open(NIGHT, Nation.ENGLAND, TEAM) is None


def test_a_plan_line_from_the_directory_says_closed_now_and_when_it_opens(workspace: Workspace) -> None:
    assert workspace.config is not None
    directory = workspace.config.directory
    entry = directory.get("westdale-duty-worker")
    assert entry is not None
    item = PlanItem(entry.service, entry.first_number, str(entry.availability), entry.id)
    line = shown(item, directory, NIGHT, Nation.ENGLAND, "westdale")
    # Westdale's team hours are its own (08:30–17:30, resources/hours/teams.toml).
    assert line.closed == "closed now — opens Wed 08:30" and line.open_now is False
    day = shown(item, directory, datetime(2026, 12, 2, 10, 0, tzinfo=UTC), Nation.ENGLAND, "westdale")
    assert day.closed is None and day.open_now is True
    typed = shown(PlanItem("Drop-in café", "01632 123456", "Tue 10-12"), directory, NIGHT, Nation.ENGLAND, "westdale")
    assert typed.closed is None and typed.open_now is None, "hours typed by hand are not read as known"
    # The demo's plans hold the team's duty number typed by hand: it is the directory's number, with its hours.
    duty = PlanItem("Eastmoor team duty worker", "01632 960101", "Mon–Fri 09:00–17:00")
    said = shown(duty, directory, NIGHT, Nation.ENGLAND, "eastmoor")
    assert said.closed == "closed now — opens Wed 09:00"
    assert said.label == "typed by hand; the directory's number for Eastmoor team duty worker"
    far = directory.offer("westdale-duty-worker", datetime(2026, 12, 24, 18, 0, tzinfo=UTC), Nation.ENGLAND, "westdale")
    assert far is not None and far.closed_words(datetime(2026, 12, 24, 18, 0, tzinfo=UTC)) == (
        "closed now — opens Tue 08:30"  # Christmas and Boxing Day's substitute skipped
    )
    # A weekday name alone would be read as this week's: a week or more away, the date too.
    later = replace(far, opens_at=datetime(2027, 1, 4, 8, 30, tzinfo=LONDON))
    assert later.closed_words(datetime(2026, 12, 24, 18, 0, tzinfo=UTC)) == "closed now — opens Mon 04 Jan 08:30"
