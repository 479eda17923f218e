"""Filling the note form as a worker does: the method and the outcome are never chosen for them."""

from __future__ import annotations

from typing import Any

from app.contact_notes import ContactMethod, Outcome


def choose(dialog: Any, method: ContactMethod = ContactMethod.HOME_VISIT, outcome: Outcome = Outcome.SEEN) -> None:
    dialog.method.setCurrentIndex(list(ContactMethod).index(method))
    dialog.outcome.setCurrentIndex(list(Outcome).index(outcome))
