"""Open escalations that have reached nobody, said where a worker might walk away (locking, quitting) and
at the top of the unlocked main window, where a duty worker must not find one only by reading a count.

An escalation recorded on this laptop tells nobody (sync is never notification); a worker who locks or quits
with one open must be told plainly, with the number to phone. The lock screen never shows personal data
(DESIGN §7), so it gives a count and the numbers only; the quit question, asked of the unlocked worker,
names the person briefly ("Alex P.").
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from app.escalations import EscalationKind, EscalationService
from app.hours import LONDON
from app.persons import Person


@dataclass(frozen=True, slots=True)
class Unreached:
    """One open escalation or welfare check that has reached nobody who can act."""

    escalation_id: uuid.UUID
    kind: EscalationKind
    short_name: str = field(repr=False)  # personal: for the quit question and the main window, never the lock screen
    phone: str | None = None  # "service, number" to phone now, when one is open now
    person_id: uuid.UUID | None = None  # to open it from the main window
    since: datetime | None = None  # when it was identified: how long nobody has been told


def short_name(person: Person) -> str:
    """The preferred first name and the family name's initial: "Alex P."."""
    first = (person.preferred_name.split() or [person.given_name])[0]
    initial = person.family_name.strip()[:1]
    return f"{first} {initial}." if initial else first


def reaching_nobody(
    escalations: EscalationService, person: Callable[[uuid.UUID], Person], at: datetime | None = None
) -> list[Unreached]:
    """Every open escalation and welfare check on this laptop that has reached nobody yet, oldest first."""
    found = []
    for escalation in escalations.reaching_nobody():
        offer = escalations.phone_now(escalation, at)
        phone = f"{offer.entry.service}, {offer.entry.first_number}" if offer is not None else None
        name = short_name(person(escalation.person_id))
        found.append(
            Unreached(escalation.id, escalation.kind, name, phone, escalation.person_id, escalation.identified_at)
        )
    return found


def _what(kind: EscalationKind) -> str:
    return "welfare check" if kind is EscalationKind.WELFARE_CHECK else "escalation"


def _numbers(items: Sequence[Unreached]) -> str:
    phones = list(dict.fromkeys(i.phone for i in items if i.phone))
    return f" Phone now: {'; '.join(phones)}." if phones else ""


def lock_notice(items: Sequence[Unreached]) -> str | None:
    """For the lock screen: how many, of what kind, and the numbers to phone; never who."""
    if not items:
        return None
    kinds = (EscalationKind.ESCALATION, EscalationKind.WELFARE_CHECK)
    counts = [(k, sum(1 for i in items if i.kind is k)) for k in kinds]
    said = " and ".join(f"{n} open {_what(k)}{'s' if n != 1 else ''}" for k, n in counts if n)
    has = "has" if len(items) == 1 else "have"
    return f"{said} {has} reached nobody yet: nobody has been told.{_numbers(items)}"


def quit_notice(items: Sequence[Unreached]) -> str | None:
    """For the quit question: each by the person's short name, with the number to phone where one is open."""
    if not items:
        return None
    lines = []
    for item in items:
        what = _what(item.kind)
        article = "An" if what[0] in "aeiou" else "A"
        phone = f" Phone {item.phone} now." if item.phone else ""
        lines.append(f"{article} {what} for {item.short_name} has reached nobody yet.{phone}")
    return "\n".join(lines) + "\nQuitting tells nobody: if someone needs to be told, phone them before you go."


def _since(at: datetime, now: datetime) -> str:
    local, today = at.astimezone(LONDON), now.astimezone(LONDON).date()
    # The day as well once it is not today: "since 16:45" read at 02:00 would hide that a night has passed.
    return f"{local:%H:%M} today" if local.date() == today else f"{local:%a %d %b %H:%M}"


def main_notice(items: Sequence[Unreached], now: datetime) -> str | None:
    """For the top of the unlocked main window: how many, for whom (briefly), since when, and the numbers."""
    if not items:
        return None
    each = [
        f"the {_what(i.kind)} for {i.short_name}" + (f", open since {_since(i.since, now)}," if i.since else "")
        for i in items
    ]
    if len(items) == 1:
        head = f"{each[0][0].upper()}{each[0][1:]} has reached nobody who can act yet"
    else:
        kinds = {i.kind for i in items}
        what = f"{_what(next(iter(kinds)))}s" if len(kinds) == 1 else "escalations and welfare checks"
        listed = "; ".join(e.rstrip(",") for e in each)
        head = f"{len(items)} open {what} have reached nobody who can act yet: {listed}"
    return f"{head.rstrip(',')}. Nobody has been told.{_numbers(items)}"
