"""What a passphrase must be. Kept apart from the store code so the unlock window opens without it."""

from __future__ import annotations

from app.errors import InvalidInput

MIN_PASSPHRASE_LENGTH = 8


def check_new_passphrase(passphrase: str) -> None:
    if len(passphrase) < MIN_PASSPHRASE_LENGTH:
        raise InvalidInput("Passphrase", f"must be at least {MIN_PASSPHRASE_LENGTH} characters")
