"""Local services on a safety plan are references to the directory, not copies that go stale (HAZ-19).

A line chosen from the directory keeps the entry's id; wherever the plan is shown, it shows the entry's
details of the day. A line typed by hand stays possible (a service not in the directory) and is shown as
typed, so nobody takes it for a checked number. A referenced entry since removed from the directory shows
what it said when chosen, with a warning to check it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime

from app.directory import Directory, DirectoryEntry
from app.hours import LONDON
from app.persons import Nation
from app.safety_plans import PlanItem


class Source(enum.StrEnum):
    DIRECTORY = "directory"
    TYPED = "typed"
    GONE = "gone"  # chosen from the directory, no longer in it


@dataclass(frozen=True, slots=True)
class ShownItem:
    text: str = field(repr=False)
    phone: str | None = field(repr=False)
    hours: str | None
    source: Source
    caution: str | None = None  # said beside it: stale or unchecked details, or a reference gone
    # For a directory line whose hours are known, at the moment shown: None when open or not known.
    closed: str | None = None  # "closed now — opens Mon 09:00"
    open_now: bool | None = None  # None: hours not known (typed by hand, or gone from the directory)
    same_as: str | None = None  # typed by hand, but the number is this directory entry's (its service)

    @property
    def label(self) -> str:
        """How the line's origin is said beside it."""
        if self.source is Source.DIRECTORY:
            return "from the directory"
        if self.source is Source.GONE:
            return "no longer in the directory: check this number"
        if self.same_as:
            return f"typed by hand; the directory's number for {self.same_as}"
        return "typed by hand, not in the directory"


def reference(entry: DirectoryEntry) -> PlanItem:
    """A plan line for a directory entry: its id, and its details as they are when chosen."""
    return PlanItem(entry.service, entry.first_number, str(entry.availability), entry.id)


def shown(
    item: PlanItem, directory: Directory | None, at: datetime, nation: Nation | None = None, area: str | None = None
) -> ShownItem:
    """The line as it is to be shown at ``at``; given the person's nation, also whether it is open then."""
    if item.directory_id is None:
        # A number typed by hand that is a directory entry's own has that entry's hours: plans written before
        # lines were chosen from the directory hold the team's duty number typed, and it is closed at 02:00
        # all the same. The line still says it was typed.
        entry = _entry_with_number(directory, item.phone) if directory is not None and nation is not None else None
        offer = directory.offer(entry.id, at, nation, area) if entry is not None and directory and nation else None
        return ShownItem(
            item.text,
            item.phone,
            item.hours,
            Source.TYPED,
            closed=offer.closed_words(at) if offer is not None else None,
            open_now=offer.open_now if offer is not None else None,
            same_as=entry.service if entry is not None else None,
        )
    entry = directory.get(item.directory_id) if directory is not None else None
    if entry is None:
        return ShownItem(item.text, item.phone, item.hours, Source.GONE, "no longer in the directory")
    caution = None
    if entry.is_stale(at.astimezone(LONDON).date()):
        caution = "details may be out of date"
    elif entry.unverified:
        caution = "not yet checked against the service's own page"
    offer = directory.offer(entry.id, at, nation, area) if directory is not None and nation is not None else None
    return ShownItem(
        entry.service,
        entry.first_number,
        str(entry.availability),
        Source.DIRECTORY,
        caution,
        offer.closed_words(at) if offer is not None else None,
        offer.open_now if offer is not None else None,
    )


def _digits(number: str) -> str:
    return "".join(c for c in number if c.isdigit())


def _entry_with_number(directory: Directory, phone: str | None) -> DirectoryEntry | None:
    """The one directory entry whose phone number this is, or None (none, or more than one: not known)."""
    if not phone or not _digits(phone):
        return None
    found = [
        e
        for e in directory.entries.values()
        if any(c.kind == "voice" and _digits(c.value) == _digits(phone) for c in e.channels)
    ]
    return found[0] if len(found) == 1 else None


def local_services(directory: Directory, nation: str, area: str) -> list[DirectoryEntry]:
    """The directory's local entries serving the person's area, to choose from for step 5."""
    found = [e for e in directory.entries.values() if e.areas and e.serves(nation, area)]
    return sorted(found, key=lambda e: e.service.casefold())
