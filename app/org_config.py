"""The organisation's configuration in force: contacts directory, pathways, criteria, hours calendar.

Loaded from folders of approved files (the bundled demo organisation's unless told otherwise). Problems
never stop Waymark opening: they are kept here for the UI to show, and a broken file is simply not used.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from app.config_files import Problem
from app.directory import Directory, load_directory
from app.hours import HoursCalendar
from app.pathway_files import load_library
from app.pathways import PathwayLibrary

# The bundled configuration (the demo organisation and the national lines). Data files, not code: app
# reads them by path, so the one-way dependency on code stays intact.
BUNDLED = Path(__file__).resolve().parents[1] / "resources"


@dataclass(frozen=True)
class OrgConfig:
    directory: Directory
    pathways: PathwayLibrary
    calendar: HoursCalendar
    problems: tuple[Problem, ...] = field(default=())

    @classmethod
    def load(
        cls,
        today: date,
        *,
        pathways_dir: Path = BUNDLED / "pathways",
        contacts_dir: Path = BUNDLED / "contacts",
        calendar: HoursCalendar | None = None,
        previous: OrgConfig | None = None,
    ) -> OrgConfig:
        calendar = calendar or HoursCalendar()
        directory, contact_problems = load_directory([contacts_dir], calendar=calendar)
        loaded = load_library(pathways_dir, directory, today, previous.pathways if previous else None)
        return cls(directory, loaded.library, calendar, (*contact_problems, *loaded.problems))

    @property
    def versions(self) -> dict[str, str]:
        """What a record cites so an audit can replay the decision it was based on."""
        criteria = self.pathways.criteria
        return {
            "calendar": self.calendar.version,
            "directory": self.directory.version,
            "criteria": criteria.ref if criteria else "none",
        }
