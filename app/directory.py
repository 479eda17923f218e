"""The crisis and partner contacts directory: who can be reached, how, by whom, where and when.

Numbers are data with a source, a verification date and a review date, never constants: they change
(Samaritans' text line closed in 2020 and still circulates). An entry past its review date is still
offered, flagged as stale wherever it is shown.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from app.config_files import Fields, Problem, errors, parse_toml, read_toml
from app.hours import LONDON, HoursCalendar, Period, TeamCalendars, bank_holidays
from app.persons import Nation

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# How far ahead a closed service's next opening is looked for: past Christmas and New Year's closures.
NEXT_OPEN_DAYS = 15
ALL_NATIONS = tuple(n.value for n in Nation)


class UseBy(enum.StrEnum):
    PERSON = "person"
    STAFF = "staff"
    BOTH = "both"


# What an entry can be marked as not for; a staff pathway may not route these kinds of call to it.
NOT_FOR = frozenset({"professional-handover", "routine-referral"})
CHANNELS = frozenset({"voice", "text", "textphone", "webchat", "email"})
PURPOSES = frozenset({"emergency", "urgent_mental_health", "listening", "professional_line", "partner_agency"})
# Who can act on an escalation once reached: a service, a duty or crisis team, a manager, emergency
# services. A listening line supports the person but takes no action for them, so reaching it does not
# mean anybody has been told (issue 9, finding 2).
ACTING_PURPOSES = frozenset({"emergency", "urgent_mental_health", "professional_line", "partner_agency"})


@dataclass(frozen=True, slots=True)
class Channel:
    kind: str
    value: str
    note: str | None = None

    def __str__(self) -> str:
        label = "Phone" if self.kind == "voice" else self.kind.capitalize()
        return f"{label} {self.value}"


@dataclass(frozen=True, slots=True)
class Window:
    """A weekly window in London local time; ``closes`` at or before ``opens`` runs past midnight."""

    days: frozenset[int]
    opens: time
    closes: time

    def contains(self, local: datetime) -> bool:
        t, day = local.time(), local.weekday()
        if self.opens < self.closes:
            return day in self.days and self.opens <= t < self.closes
        # Overnight: the evening part belongs to the listed day, the small hours to the day before.
        return (day in self.days and t >= self.opens) or ((day - 1) % 7 in self.days and t < self.closes)

    def __str__(self) -> str:
        names = [DAYS[d].capitalize() for d in sorted(self.days)]
        closes = "24:00" if self.closes == time.max else f"{self.closes:%H:%M}"
        return f"{_day_ranges(names)} {self.opens:%H:%M}–{closes}"


@dataclass(frozen=True, slots=True)
class Availability:
    """'always', the team's in-hours or out-of-hours periods, or weekly windows."""

    kind: str  # always | in-hours | out-of-hours | windows
    windows: tuple[Window, ...] = ()
    open_on_bank_holidays: bool = False  # weekly windows only; says the service keeps its hours then

    def open_at(self, at: datetime, nation: Nation, calendar: HoursCalendar) -> bool:
        if self.kind == "always":
            return True
        if self.kind in ("in-hours", "out-of-hours"):
            return calendar.period_at(at, nation).period is Period(self.kind)
        local = at.astimezone(LONDON)
        # A service with weekly hours is closed on the bank holidays of the nation it works in unless its
        # entry says otherwise (issue 9, finding 8): offering it as open then would send someone to a
        # closed door. The team's nation when the entry is a team's, else the person's.
        holidays_of = calendar.nation or nation
        if not self.open_on_bank_holidays and bank_holidays(Nation(holidays_of), local.year).get(local.date()):
            return False
        return any(w.contains(local) for w in self.windows)

    def next_open(self, at: datetime, nation: Nation, calendar: HoursCalendar) -> datetime | None:
        """When a service closed at ``at`` next opens, within a fortnight; None if it does not (or is open).

        Whether it is open changes only at a window's or the team's opening or closing time, or at midnight
        (a weekday, a bank holiday, a closure day): the first of those after ``at`` at which it is open is
        when it opens."""
        if self.kind == "always" or self.open_at(at, nation, calendar):
            return None
        edges = {time(0, 0), calendar.opens, calendar.closes}
        for w in self.windows:
            edges |= {w.opens, w.closes if w.closes != time.max else time(0, 0)}
        first = at.astimezone(LONDON).date()
        for day in range(NEXT_OPEN_DAYS):
            for edge in sorted(edges):
                moment = datetime.combine(first + timedelta(days=day), edge, tzinfo=LONDON)
                if moment > at and self.open_at(moment, nation, calendar):
                    return moment
        return None

    def __str__(self) -> str:
        return {
            "always": "24 hours, every day",
            "in-hours": "Team hours only",
            "out-of-hours": "Out of hours only",
        }.get(self.kind) or "; ".join(str(w) for w in self.windows)


@dataclass(frozen=True, slots=True)
class DirectoryEntry:
    id: str
    service: str
    channels: tuple[Channel, ...]
    availability: Availability
    nations: frozenset[str]
    areas: frozenset[str]  # empty: every area
    audience: str
    purpose: str
    for_use_by: UseBy
    not_for: frozenset[str]
    source: str
    verified_on: date | None  # None only when the entry is marked unverified
    review_due: date
    caveat: str | None = None
    file: str = field(default="", compare=False)

    def is_stale(self, today: date) -> bool:
        return today > self.review_due

    @property
    def unverified(self) -> bool:
        """Nobody has checked these details against the service's own page: shown wherever offered."""
        return self.verified_on is None

    def serves(self, nation: Nation | str, area: str | None = None) -> bool:
        """A team's line (an entry for areas) serves its areas whatever the person's nation (a Scottish
        resident on an English team, say); any other line serves the nations it lists."""
        if self.areas and area is not None:
            return area in self.areas
        return Nation(nation).value in self.nations

    def usable_by_staff(self) -> bool:
        return self.for_use_by in (UseBy.STAFF, UseBy.BOTH)

    @property
    def can_act(self) -> bool:
        return self.purpose in ACTING_PURPOSES

    @property
    def first_number(self) -> str:
        return self.channels[0].value

    def matches(self, text: str) -> bool:
        needle = text.casefold().strip()
        haystack = " ".join([self.service, self.purpose, self.audience, *(c.value for c in self.channels)])
        return not needle or needle in haystack.casefold()


@dataclass(frozen=True, slots=True)
class Offer:
    """One entry as offered at a moment: whether it is open then and whether its details are stale."""

    entry: DirectoryEntry
    open_now: bool
    stale: bool
    opens_at: datetime | None = None  # when closed: when it next opens, if within a fortnight

    def closed_words(self, now: datetime) -> str | None:
        """What to say beside it when it is closed now: "closed now — opens Mon 09:00"; None when open."""
        if self.open_now:
            return None
        if self.opens_at is None:
            return "closed now"
        local = self.opens_at.astimezone(LONDON)
        # A weekday name alone would be read as this week's: past that, the date too.
        far = (local.date() - now.astimezone(LONDON).date()).days >= 6
        return f"closed now — opens {local:%a %d %b %H:%M}" if far else f"closed now — opens {local:%a %H:%M}"

    @property
    def caution(self) -> str | None:
        """What to say beside the entry when its details may not be right, or None."""
        if self.stale:
            return "details may be out of date"
        if self.entry.unverified:
            return "not yet checked against the service's own page"
        return None


@dataclass(frozen=True)
class Directory:
    entries: Mapping[str, DirectoryEntry]
    version: str
    calendars: TeamCalendars = field(default_factory=TeamCalendars)

    def get(self, entry_id: str) -> DirectoryEntry | None:
        return self.entries.get(entry_id)

    def offers(
        self,
        ids: Iterable[str],
        at: datetime,
        nation: Nation,
        area: str | None = None,
    ) -> list[Offer]:
        """The named entries that serve this nation and area, in the order given, open ones first."""
        found = [self.entries[i] for i in ids if i in self.entries and self.entries[i].serves(nation, area)]
        offers = [self._offer(e, at, nation, area) for e in found]
        return sorted(offers, key=lambda o: not o.open_now)  # stable: keeps the pathway's order within each

    def search(self, text: str, at: datetime, nation: Nation | None = None) -> list[Offer]:
        """Entries matching ``text`` (every entry when blank), open now first, then by service name."""
        chosen = [e for e in self.entries.values() if e.matches(text) and (nation is None or e.serves(nation))]
        offers = [self._served_offer(e, at, nation or Nation(next(iter(sorted(e.nations))))) for e in chosen]
        return sorted(offers, key=lambda o: (not o.open_now, o.entry.service.casefold()))

    def _served_offer(self, entry: DirectoryEntry, at: datetime, nation: Nation) -> Offer:
        """An entry offered with no person in mind (the contacts pane, the lock screen). A team's line keeps its
        own team's calendar, closure days and hours included: on the default one, Eastmoor's line read "opens
        Thu 09:00" on the evening of 23 December when the team was closed until the 29th. A line serving several
        teams whose hours differ is open only when it is open for each, and opens when the last of them does."""
        areas: list[str | None] = [*sorted(entry.areas)] or [None]
        offers = [self._offer(entry, at, nation, area) for area in areas]
        if len(offers) == 1:
            return offers[0]
        open_now = all(o.open_now for o in offers)
        opening = [o.opens_at for o in offers if not o.open_now]
        opens_at = None if open_now or None in opening else max(o for o in opening if o is not None)
        return Offer(entry, open_now, offers[0].stale, opens_at)

    def national_lines(self, nation: Nation, at: datetime) -> list[Offer]:
        """Lines a person can use themselves (safety plan step 5; the lock screen), for their nation."""
        lines = [e for e in self.entries.values() if not e.areas and e.for_use_by is not UseBy.STAFF]
        return [self._offer(e, at, nation) for e in lines if e.serves(nation)]

    def _offer(self, entry: DirectoryEntry, at: datetime, nation: Nation, area: str | None = None) -> Offer:
        calendar = self.calendars.for_area(area)
        # Review dates are UK dates: just after midnight in summer the UTC date is still the day before.
        today = at.astimezone(LONDON).date()
        open_now = entry.availability.open_at(at, nation, calendar)
        opens_at = None if open_now else entry.availability.next_open(at, nation, calendar)
        return Offer(entry, open_now, entry.is_stale(today), opens_at)

    def offer(self, entry_id: str, at: datetime, nation: Nation, area: str | None = None) -> Offer | None:
        """One entry as offered at ``at`` to a person of this nation and area (open now, when it opens)."""
        entry = self.entries.get(entry_id)
        return self._offer(entry, at, nation, area) if entry is not None else None


# The id the lock screen, every escalation notice and the pathways' 999 steps name.
EMERGENCY_999 = "emergency-999"

# The last resort when Waymark's own national file cannot be read (a damaged or incomplete install): no screen
# that offers crisis numbers is ever left without 999. As the national file has it; never due for review,
# because the number is set in law, not by a service that may change it. The file's entry is used whenever it
# loads.
BUILT_IN_999 = DirectoryEntry(
    id=EMERGENCY_999,
    service="Emergency services",
    channels=(
        Channel("voice", "999"),
        Channel(
            "text",
            "999",
            "emergencySMS: for deaf, hard of hearing or speech-impaired people; register first by texting "
            "'register' to 999",
        ),
    ),
    availability=Availability("always"),
    nations=frozenset(ALL_NATIONS),
    areas=frozenset(),
    audience="Everyone",
    purpose="emergency",
    for_use_by=UseBy.BOTH,
    not_for=frozenset(),
    source="https://www.southtees.nhs.uk/services/audiology/emergencysms/",
    verified_on=date(2026, 11, 1),
    review_due=date.max,
    caveat="When life is at risk now, or someone has seriously harmed themselves.",
    file="built into Waymark",
)


def with_emergency_line(directory: Directory) -> Directory:
    """``directory`` with 999 in it: its own entry when it has one, otherwise ``BUILT_IN_999``."""
    if EMERGENCY_999 in directory.entries:
        return directory
    version = "+".join(v for v in (directory.version, "built-in 999") if v)
    return replace(directory, entries={EMERGENCY_999: BUILT_IN_999, **directory.entries}, version=version)


def with_national_lines(directory: Directory, national: Directory) -> tuple[Directory, list[Problem]]:
    """``directory`` (an organisation's, received by sync) with every built-in national line in it. The national
    crisis lines (999, NHS 111's mental health option, NHS 24, Samaritans…) are the same for every UK
    organisation and ship with the app: an organisation's directory sent without them must never leave a worker
    with no 999 to offer. Nor may it redefine them: the lock screen, every escalation notice and the pathways'
    999 steps name these ids, so an entry under one of them that differs from the built-in line is refused (the
    rest of its file stays in use) and said as a problem. A file carrying a national line exactly as built in
    (the demo server sends the national file itself) redefines nothing."""
    refused = redefined_national_lines(directory, national)
    problems = [
        Problem(
            own.file,
            own.id,
            f"{national_id_words(built_in)}, so it was not used and the built-in line is offered instead; give the "
            "organisation's own entry an id of its own",
        )
        for own, built_in in refused
    ]
    missing = {k: v for k, v in national.entries.items() if k not in directory.entries}
    if not missing and not refused:
        return directory, []
    entries = {
        **missing,
        **{k: national.entries.get(k, v) for k, v in directory.entries.items()},
    }
    version = "+".join(v for v in (directory.version, f"built-in {national.version}") if v)
    return replace(directory, entries=entries, version=version), problems


def redefined_national_lines(directory: Directory, national: Directory) -> list[tuple[DirectoryEntry, DirectoryEntry]]:
    """Each entry of ``directory`` under a national line's id that a worker would act on differently from that
    line as built in (its name, numbers, hours, who it serves or is not for), with the line. Review dates, sources
    and caveats are left out: a copy of the national file from another release differs in those every quarter,
    and a warning raised for nothing, each time, teaches workers to ignore the warning. The built-in line is
    offered either way."""
    return [
        (entry, national.entries[entry_id])
        for entry_id, entry in directory.entries.items()
        if entry_id in national.entries and _acted_on(entry) != _acted_on(national.entries[entry_id])
    ]


def _acted_on(entry: DirectoryEntry) -> tuple[object, ...]:
    return (
        entry.service,
        entry.channels,
        entry.availability,
        entry.nations,
        entry.areas,
        entry.for_use_by,
        entry.not_for,
    )


def national_id_words(built_in: DirectoryEntry) -> str:
    return f"has the id of a national line built into Waymark ({built_in.service})"


def load_directory(paths: Sequence[Path], *, calendars: TeamCalendars | None = None) -> tuple[Directory, list[Problem]]:
    """Read contact files (a folder's ``*.toml`` or single files). A file with errors contributes nothing."""
    problems: list[Problem] = []
    docs: list[tuple[str, Mapping[str, Any] | None, list[Problem]]] = []
    for path in _toml_files(paths, problems):
        file_problems: list[Problem] = []
        docs.append((path.name, read_toml(path, file_problems), file_problems))
    return _directory(docs, calendars, problems)


def directory_from_texts(
    files: Sequence[tuple[str, str]], *, calendars: TeamCalendars | None = None
) -> tuple[Directory, list[Problem]]:
    """The same as ``load_directory`` for files' texts in hand, each ``(file name, text)`` (received by sync)."""
    docs: list[tuple[str, Mapping[str, Any] | None, list[Problem]]] = []
    for name, text in files:
        file_problems: list[Problem] = []
        docs.append((name, parse_toml(text, name, file_problems), file_problems))
    return _directory(docs, calendars, [])


def _directory(
    docs: Sequence[tuple[str, Mapping[str, Any] | None, list[Problem]]],
    calendars: TeamCalendars | None,
    problems: list[Problem],
) -> tuple[Directory, list[Problem]]:
    entries: dict[str, DirectoryEntry] = {}
    versions: list[str] = []
    for name, doc, file_problems in docs:
        parsed: list[DirectoryEntry] = []
        version = None
        if doc is not None:
            top = Fields(doc, name, None, file_problems)
            version = top.text("version")
            for table in top.tables("entries"):
                entry = _read_entry(table, name, file_problems)
                if entry is None:
                    continue
                if entry.id in entries or any(e.id == entry.id for e in parsed):
                    file_problems.append(Problem(name, entry.id, "is defined more than once"))
                parsed.append(entry)
        problems.extend(file_problems)
        if not errors(file_problems) and version:
            entries.update({e.id: e for e in parsed})
            versions.append(f"{Path(name).stem}@{version}")
    return Directory(entries, "+".join(versions), calendars or TeamCalendars()), problems


def _toml_files(paths: Sequence[Path], problems: list[Problem]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(path.glob("*.toml")))
        elif path.exists():
            found.append(path)
        else:
            problems.append(Problem(path.name, None, "does not exist"))
    return found


def read_entry(doc: Mapping[str, Any], file: str, problems: list[Problem]) -> DirectoryEntry | None:
    """One ``[[entries]]`` table, validated; None (with problems) when it is not usable. Never raises."""
    return _read_entry(doc, file, problems)


def _read_entry(doc: Mapping[str, Any], file: str, problems: list[Problem]) -> DirectoryEntry | None:
    entry_id = doc.get("id")
    if not isinstance(entry_id, str) or not re.fullmatch(r"[a-z0-9][a-z0-9-]*", entry_id):
        problems.append(Problem(file, None, f"an entry has a missing or malformed id ({entry_id!r})"))
        return None
    f = Fields(doc, file, entry_id, problems)
    before = len(errors(problems))
    service = f.text("service")
    channels = _read_channels(f)
    availability = _read_availability(f)
    nations = f.texts("nations")
    for n in nations:
        if n not in ALL_NATIONS:
            f.problem(f"nation '{n}' is not one of {', '.join(ALL_NATIONS)}")
    use_by = f.choice("for_use_by", [u.value for u in UseBy])
    not_for = f.texts("not_for", required=False)
    for n in not_for:
        if n not in NOT_FOR:
            f.problem(f"'not_for' value '{n}' is not one of {', '.join(sorted(NOT_FOR))}")
    purpose = f.choice("purpose", PURPOSES)
    audience = f.text("audience")
    source = f.text("source")
    unverified = f.doc.get("unverified", False)
    if not isinstance(unverified, bool):
        f.problem("'unverified' must be true or false")
    verified_on = f.day("verified_on", required=False)
    review_due = f.day("review_due")
    if unverified is True and "verified_on" in f.doc:
        f.problem("has both 'verified_on' and 'unverified = true': set the date only for what was checked")
    elif unverified is not True and "verified_on" not in f.doc:
        f.problem("needs 'verified_on' (the date it was checked against its source) or 'unverified = true'")
    if verified_on and review_due and review_due < verified_on:
        f.problem("'review_due' is before 'verified_on'")
    if len(errors(problems)) > before:
        return None
    assert service and availability and use_by and purpose and audience and source and review_due
    return DirectoryEntry(
        id=entry_id,
        service=service,
        channels=channels,
        availability=availability,
        nations=frozenset(nations),
        areas=frozenset(f.texts("areas", required=False)),
        audience=audience,
        purpose=purpose,
        for_use_by=UseBy(use_by),
        not_for=frozenset(not_for),
        source=source,
        verified_on=verified_on,
        review_due=review_due,
        caveat=f.text("caveat", required=False),
        file=file,
    )


def _read_channels(f: Fields) -> tuple[Channel, ...]:
    channels = []
    for table in f.tables("channels"):
        sub = Fields(table, f.file, f.node, f.problems)
        kind, value = sub.choice("kind", CHANNELS), sub.text("value")
        if kind and value:
            channels.append(Channel(kind, value, sub.text("note", required=False)))
    if not channels and not any(p.node == f.node and "channels" in p.message for p in f.problems):
        f.problem("has no channels")
    return tuple(channels)


def _read_availability(f: Fields) -> Availability | None:
    value = f.doc.get("availability")
    on_holidays = f.doc.get("open_on_bank_holidays", False)
    if not isinstance(on_holidays, bool):
        f.problem("'open_on_bank_holidays' must be true or false")
        on_holidays = False
    if value in ("always", "in-hours", "out-of-hours"):
        return Availability(value)
    if isinstance(value, list) and value and all(isinstance(v, Mapping) for v in value):
        windows = []
        for table in value:
            sub = Fields(table, f.file, f.node, f.problems)
            days = sub.texts("days")
            opens, closes = _clock(sub, "from"), _clock(sub, "to")
            bad = [d for d in days if d not in DAYS]
            if bad:
                sub.problem(f"unknown day(s) {', '.join(bad)}; use {', '.join(DAYS)}")
            elif days and opens and closes:
                if opens == closes:
                    sub.problem("an availability window opens and closes at the same time")
                windows.append(Window(frozenset(DAYS.index(d) for d in days), opens, closes))
        return Availability("windows", tuple(windows), on_holidays) if windows else None
    f.problem('\'availability\' must be "always", "in-hours", "out-of-hours" or a list of {days, from, to}')
    return None


def _clock(f: Fields, key: str) -> time | None:
    value = f.text(key)
    if value is None:
        return None
    if value == "24:00":  # the end of the day, so a window can run to midnight without a gap
        return time.max
    try:
        return time.fromisoformat(value)
    except ValueError:
        f.problem(f"'{key}' must be a time such as 09:00")
        return None


def _day_ranges(names: list[str]) -> str:
    if len(names) > 2 and [DAYS.index(n.lower()) for n in names] == list(
        range(DAYS.index(names[0].lower()), DAYS.index(names[-1].lower()) + 1)
    ):
        return f"{names[0]}–{names[-1]}"
    return ", ".join(names)
