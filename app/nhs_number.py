"""NHS numbers: ten digits whose last is a modulus-11 check digit."""

from __future__ import annotations

from app.errors import InvalidInput


def check_digit(first_nine: str) -> int | None:
    """The check digit for nine digits, or None where the remainder makes the number invalid (10)."""
    total = sum(int(d) * w for d, w in zip(first_nine, range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        return 0
    if check == 10:
        return None
    return check


def normalise(raw: str) -> str:
    """Digits only: workers type NHS numbers as 943 476 5919 or 943-476-5919."""
    return "".join(ch for ch in raw if not ch.isspace() and ch != "-")


def validate(raw: str, field: str = "NHS number") -> str:
    digits = normalise(raw)
    if len(digits) != 10 or not digits.isascii() or not digits.isdigit():
        raise InvalidInput(field, "must be 10 digits")
    if check_digit(digits[:9]) != int(digits[9]):
        raise InvalidInput(field, "is not a valid NHS number (its check digit does not match)")
    return digits


def is_valid(raw: str) -> bool:
    try:
        validate(raw)
    except InvalidInput:
        return False
    return True


def formatted(digits: str) -> str:
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}"
