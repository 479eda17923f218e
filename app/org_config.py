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
from app.hours import TeamCalendars
from app.hours_files import load_calendars
from app.missed_contact_policy_file import load_policy
from app.missed_contacts import MissedContactPolicy
from app.pathway_files import load_library
from app.pathways import PathwayLibrary

# The bundled configuration (the demo organisation and the national lines). Data files, not code: app
# reads them by path, so the one-way dependency on code stays intact.
BUNDLED = Path(__file__).resolve().parents[1] / "resources"


@dataclass(frozen=True)
class OrgConfig:
    directory: Directory
    pathways: PathwayLibrary
    calendars: TeamCalendars
    problems: tuple[Problem, ...] = field(default=())
    missed_contacts: MissedContactPolicy = field(default_factory=MissedContactPolicy)

    @classmethod
    def load(
        cls,
        today: date,
        *,
        pathways_dir: Path = BUNDLED / "pathways",
        contacts_dir: Path = BUNDLED / "contacts",
        hours_file: Path = BUNDLED / "hours" / "teams.toml",
        policy_file: Path = BUNDLED / "missed-contacts" / "policy.toml",
        previous: OrgConfig | None = None,
    ) -> OrgConfig:
        calendars, hour_problems = load_calendars(hours_file)
        directory, contact_problems = load_directory([contacts_dir], calendars=calendars)
        loaded = load_library(pathways_dir, directory, today, previous.pathways if previous else None)
        policy, policy_problems = load_policy(policy_file, today)
        problems = (*hour_problems, *contact_problems, *loaded.problems, *policy_problems)
        return cls(directory, loaded.library, calendars, problems, policy)

    @property
    def versions(self) -> dict[str, str]:
        """What a record cites so an audit can replay the decision it was based on."""
        criteria = self.pathways.criteria
        return {
            "calendar": self.calendars.version,
            "directory": self.directory.version,
            "criteria": criteria.ref if criteria else "none",
        }
