"""The organisation's configuration documents (pathways, threshold criteria, contacts directory) as a laptop
receives them from its sync server, and the check each must pass before it is kept.

A received document is refused whole when its text does not match its hash or when the app's own readers
(app/pathway_files.py, app/directory.py) find any error in it: the laptop keeps what it had, and the sync
report says which file was refused and why. Nothing here is personal data.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from app.config_files import Problem, errors
from app.directory import (
    Directory,
    DirectoryEntry,
    directory_from_texts,
    load_directory,
    national_id_words,
    redefined_national_lines,
    with_emergency_line,
    with_national_lines,
)
from app.hours import TeamCalendars
from app.pathway_files import read_text

KINDS = ("pathways", "directory")


@dataclass(frozen=True, slots=True)
class ReceivedFile:
    kind: str  # pathways | directory
    name: str  # the file's name at the organisation (never a path on this laptop)
    document_id: int  # the server's id of this version: a newer version has a larger one
    sha256: str
    text: str


def in_force(files: Sequence[ReceivedFile]) -> dict[str, list[ReceivedFile]]:
    """The newest version of each (kind, name), by kind, in name order."""
    newest: dict[tuple[str, str], ReceivedFile] = {}
    for f in files:
        held = newest.get((f.kind, f.name))
        if held is None or f.document_id > held.document_id:
            newest[(f.kind, f.name)] = f
    by_kind: dict[str, list[ReceivedFile]] = {kind: [] for kind in KINDS}
    for (kind, _name), f in sorted(newest.items()):
        by_kind.setdefault(kind, []).append(f)
    return by_kind


@dataclass(frozen=True, slots=True)
class Checked:
    accepted: list[ReceivedFile]  # new versions to keep
    refused: list[str]  # one plain sentence per refused file


def check_arrivals(
    arriving: Sequence[ReceivedFile],
    held: Sequence[ReceivedFile],
    bundled_directory: Directory,
    today: date,
    calendars: TeamCalendars | None = None,
) -> Checked:
    """Which of the documents the server says are in force are new here and may be kept.

    Directory files are checked first; pathway files against the directory that will then be in force
    (the built-in one until the first directory file arrives), as the server's import checked them."""
    current = {(f.kind, f.name): f for files in in_force(held).values() for f in files}
    accepted: list[ReceivedFile] = []
    refused: list[str] = []
    fresh = [f for f in arriving if (held_f := current.get((f.kind, f.name))) is None or held_f.sha256 != f.sha256]
    for f in sorted(fresh, key=lambda f: (f.kind != "directory", f.name)):
        if f.kind not in KINDS:
            refused.append(_refusal(f, f"it is of a kind this version of Waymark does not know ({f.kind})"))
            continue
        if hashlib.sha256(f.text.encode()).hexdigest() != f.sha256:
            refused.append(_refusal(f, "it was damaged on the way (its content does not match its hash)"))
            continue
        problems: list[Problem] = []
        kept_out: list[tuple[DirectoryEntry, DirectoryEntry]] = []
        if f.kind == "directory":
            parsed, problems = directory_from_texts([(f.name, f.text)], calendars=calendars)
            # An entry redefining a national line is refused, not the file: the rest of it is what the
            # organisation sent, and the built-in line stays offered (app.directory.with_national_lines).
            kept_out = redefined_national_lines(parsed, national_lines(calendars))
        else:
            read_text(f.text, f.name, _directory_then(held, accepted, bundled_directory, calendars), today, problems)
        found = errors(problems)
        if found:
            refused.append(_refusal(f, f"{found[0]}" + (f" (and {len(found) - 1} more)" if len(found) > 1 else "")))
            continue
        accepted.append(f)
        refused.extend(_entry_refusal(f, own, built_in) for own, built_in in kept_out)
    return Checked(accepted, refused)


def _directory_then(
    held: Sequence[ReceivedFile],
    accepted: Sequence[ReceivedFile],
    bundled: Directory,
    calendars: TeamCalendars | None,
) -> Directory:
    files = in_force([*held, *accepted])["directory"]
    if not files:
        return bundled
    return received_directory(files, national_lines(calendars), calendars)[0]


BUNDLED_CONTACTS = Path(__file__).resolve().parents[1] / "resources" / "contacts"
NATIONAL_FILE = "national.toml"  # the built-in national lines every organisation's directory keeps


def national_lines(calendars: TeamCalendars | None = None) -> Directory:
    """The built-in national lines, for checking what arrives against the directory a laptop will hold: with
    999 even when the file cannot be read, as app.org_config holds it (where its problems are said)."""
    return with_emergency_line(load_directory([BUNDLED_CONTACTS / NATIONAL_FILE], calendars=calendars)[0])


def received_directory(
    files: Sequence[ReceivedFile], national: Directory, calendars: TeamCalendars | None = None
) -> tuple[Directory, list[Problem]]:
    """The directory in force from the organisation's files with every built-in national line, which they may
    not redefine (app.directory.with_national_lines); the problems are the files' and any entry refused."""
    directory, problems = directory_from_texts([(f.name, f.text) for f in files], calendars=calendars)
    directory, refused = with_national_lines(directory, national)
    return directory, [*problems, *refused]


def _entry_refusal(f: ReceivedFile, own: DirectoryEntry, built_in: DirectoryEntry) -> str:
    return (
        f"The organisation's contacts directory file {f.name} is in use, except its entry {own.id}: it "
        f"{national_id_words(built_in)}, so the built-in line is offered instead. Tell your team lead or administrator."
    )


def _refusal(f: ReceivedFile, why: str) -> str:
    what = "contacts directory file" if f.kind == "directory" else "pathway file"
    return (
        f"The organisation's {what} {f.name} was refused: {why}. This laptop keeps using the version it had; "
        "tell your team lead or administrator."
    )
