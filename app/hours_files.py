"""Reading the teams' hours calendars (resources/hours/README.md); a file with errors is not used and
every area falls back to the default Mon–Fri 09:00–17:00, with the problem reported."""

from __future__ import annotations

from datetime import date, time
from pathlib import Path

from app.config_files import Fields, Problem, errors, read_toml
from app.hours import HoursCalendar, TeamCalendars
from app.persons import Nation

_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def load_calendars(path: Path) -> tuple[TeamCalendars, list[Problem]]:
    problems: list[Problem] = []
    if not path.exists():
        return TeamCalendars(), [Problem(path.name, None, "does not exist; every team uses Mon–Fri 09:00–17:00")]
    doc = read_toml(path, problems)
    if doc is None:
        return TeamCalendars(), problems
    top = Fields(doc, path.name, None, problems)
    version = top.text("version")
    by_area: dict[str, HoursCalendar] = {}
    for table in top.tables("calendars"):
        area = table.get("area")
        if not isinstance(area, str) or not area:
            top.problem("a calendar has no 'area'")
            continue
        f = Fields(table, path.name, area, problems)
        if area in by_area:
            f.problem("has more than one calendar")
        opens, closes = _time(f, "opens"), _time(f, "closes")
        team_nation = f.text("nation", required=False)
        if team_nation is not None and team_nation not in {n.value for n in Nation}:
            f.problem(f"'nation' is '{team_nation}'; expected one of: {', '.join(n.value for n in Nation)}")
            continue
        days = f.texts("weekdays")
        if any(d not in _DAYS for d in days):
            f.problem(f"'weekdays' must use {', '.join(_DAYS)}")
            continue
        closures: dict[date, str] = {}
        for closure in table.get("closures", []):
            sub = Fields(closure, path.name, area, problems)
            day, reason = sub.day("date"), sub.text("reason")
            if day and reason:
                closures[day] = reason
        if opens and closes:
            if closes <= opens:
                f.problem("'closes' must be after 'opens'")
                continue
            by_area[area] = HoursCalendar(
                f"{path.stem}@{version}:{area}",
                opens,
                closes,
                frozenset(_DAYS.index(d) for d in days),
                closures,
                Nation(team_nation) if team_nation else None,
            )
    if errors(problems) or version is None:
        return TeamCalendars(), problems
    return TeamCalendars(by_area, HoursCalendar(), f"{path.stem}@{version}"), problems


def _time(f: Fields, key: str) -> time | None:
    value = f.text(key)
    if value is None:
        return None
    try:
        return time.fromisoformat(value)
    except ValueError:
        f.problem(f"'{key}' must be a time such as 09:00")
        return None
