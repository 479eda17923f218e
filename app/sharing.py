"""Consent at the moment of sharing (issue 9, finding 7; domain reference §1.5 and §4.5).

Sharing is a professional judgement within the law (DHSC consensus statement): Waymark never blocks a
share. It shows what the person asked for about this recipient, and asks for what the record must then
say: the capacity decision behind "best interests", and a confirmation when "consent" goes beyond a
preference that says "not details".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from app.errors import InvalidInput

BEST_INTERESTS = "best interests"
CONSENT = "consent"
NONE_RECORDED = "No sharing preference is recorded for this recipient."


@dataclass(frozen=True, slots=True)
class SharingPref:
    recipient: str = field(repr=False)
    what: str = field(repr=False)
    decision: str
    limits_explained: bool
    review_due: date | None

    def describe(self) -> str:
        limits = "limits of confidentiality explained" if self.limits_explained else "limits not recorded as explained"
        due = f"; review due {self.review_due:%d %b %Y}" if self.review_due else ""
        return f"{self.recipient}: {self.decision} — “{self.what}” ({limits}{due})"

    @property
    def not_details(self) -> bool:
        return "not details" in self.what.casefold()


def for_recipient(prefs: Iterable[SharingPref], names: Sequence[str | None]) -> list[SharingPref]:
    """Preferences whose recipient is named in, or names, the contact being told (free text both sides)."""
    wanted = [n.casefold().strip() for n in names if n and n.strip()]
    found = []
    for p in prefs:
        who = p.recipient.casefold().strip()
        if who and any(who in n or n in who for n in wanted):
            found.append(p)
    return found


def describe(prefs: Sequence[SharingPref]) -> str:
    return "; ".join(p.describe() for p in prefs) if prefs else NONE_RECORDED


def checked_basis(
    basis: str, prefs: Sequence[SharingPref], capacity_decision: str | None, consent_confirmed: bool
) -> str:
    """The basis as the record will say it, or InvalidInput naming what is still needed."""
    lowered = basis.casefold()
    if BEST_INTERESTS in lowered:
        decision = (capacity_decision or "").strip()
        if not decision:
            raise InvalidInput(
                "Capacity decision",
                "sharing in someone's best interests needs the capacity decision behind it: write what it was "
                "(for example 'intoxicated; lacks capacity to decide about this now')",
            )
        return f"{basis} — capacity decision: {decision}"
    limited = [p for p in prefs if p.not_details]
    if lowered.startswith(CONSENT) and limited:
        if not consent_confirmed:
            raise InvalidInput(
                "Consent",
                f"their recorded preference for this recipient says “{limited[0].what}” (not details): confirm "
                "the person agreed to share this now, or choose another basis",
            )
        return f"{basis} — confirmed with the person now, beyond their recorded preference “{limited[0].what}”"
    return basis
