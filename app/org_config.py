"""The organisation's configuration in force: contacts directory, pathways, criteria, hours calendar.

Loaded from folders of approved files (the bundled demo organisation's unless told otherwise). Problems
never stop Waymark opening: they are kept here for the UI to show, and a broken file is simply not used.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from app.config_files import Problem
from app.directory import EMERGENCY_999, Directory, load_directory, with_emergency_line
from app.documents import NATIONAL_FILE, ReceivedFile, in_force, received_directory
from app.hours import TeamCalendars
from app.hours_files import load_calendars
from app.missed_contact_policy_file import load_policy
from app.missed_contacts import MissedContactPolicy
from app.pathway_files import library_from_texts, load_library, read_text
from app.pathways import Pathway, PathwayLibrary

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
    # Which kinds of document came from the organisation's server (the rest are the built-in files).
    received: frozenset[str] = field(default=frozenset())

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
        received: Sequence[ReceivedFile] = (),
    ) -> OrgConfig:
        """``received``: every version of the organisation's documents this laptop was sent (sync). Of each
        kind, the newest version of each file replaces the built-in files once the first has arrived; every
        version stays readable so an open escalation keeps the pathway version it started on."""
        calendars, hour_problems = load_calendars(hours_file)
        current = in_force(received)
        if current["directory"]:
            national, national_problems = load_directory([contacts_dir / NATIONAL_FILE], calendars=calendars)
            national, lost = _with_999(national)
            directory, contact_problems = received_directory(current["directory"], national, calendars)
            contact_problems = [*national_problems, *lost, *contact_problems]
        else:
            directory, contact_problems = load_directory([contacts_dir], calendars=calendars)
            directory, lost = _with_999(directory)
            contact_problems = [*contact_problems, *lost]
        before = previous.pathways if previous else None
        bundled = load_library(pathways_dir, directory, today, before)
        if current["pathways"]:
            loaded = library_from_texts([(d.name, d.text) for d in current["pathways"]], directory, today, before)
        else:
            loaded = bundled
        archive = _archive(bundled.library.by_file.values(), received, directory, today)
        library = replace(loaded.library, archive=archive)
        if library.criteria is None:
            # Pathways sent without their threshold criteria file must not leave a worker unable to escalate.
            library = replace(library, criteria=bundled.library.criteria)
        policy, policy_problems = load_policy(policy_file, today)
        problems = (*hour_problems, *contact_problems, *loaded.problems, *policy_problems)
        kinds = frozenset(kind for kind, files in current.items() if files)
        return cls(directory, library, calendars, problems, policy, kinds)

    @property
    def versions(self) -> dict[str, str]:
        """What a record cites so an audit can replay the decision it was based on."""
        criteria = self.pathways.criteria
        return {
            "calendar": self.calendars.version,
            "directory": self.directory.version,
            "criteria": criteria.ref if criteria else "none",
        }


NATIONAL_LINES_LOST = (
    "Waymark's built-in national crisis lines could not be read, so 999 is still offered but the other national "
    "lines (NHS 111, NHS 24, Samaritans…) only where your organisation's own contacts have them. Nothing you "
    "recorded is affected. Tell your administrator: this laptop's copy of Waymark needs repairing."
)


def _with_999(directory: Directory) -> tuple[Directory, list[Problem]]:
    """The directory with 999 in it whatever happened to the national file (app.directory.BUILT_IN_999): the
    lock screen, escalation notices and the pathways' 999 steps must never be left without it. Said as a
    problem when it had to be added, so the worker knows the other national lines may be missing."""
    if EMERGENCY_999 in directory.entries:
        return directory, []
    return with_emergency_line(directory), [Problem(NATIONAL_FILE, None, NATIONAL_LINES_LOST)]


def _archive(
    bundled: Iterable[Pathway], received: Sequence[ReceivedFile], directory: Directory, today: date
) -> dict[str, Pathway]:
    """Every pathway version this laptop has held, by ``id@version``: the built-in files and each version
    received. A version that no longer reads against today's directory is left out (its escalation then
    shows the current version, and says so)."""
    archive: dict[str, Pathway] = {p.ref: p for p in bundled}
    for document in received:
        if document.kind != "pathways":
            continue
        parsed = read_text(document.text, document.name, directory, today, [])
        if isinstance(parsed, Pathway):
            archive.setdefault(parsed.ref, parsed)
    return archive
