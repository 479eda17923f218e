"""Device tokens and enrolment codes are stored only as hashes."""

from __future__ import annotations

import hashlib


def hash_secret(value: str) -> str:
    # Tokens carry 256 random bits and codes 80: one SHA-256 is enough, there is nothing to brute-force.
    return hashlib.sha256(value.encode()).hexdigest()


def normalise_code(code: str) -> str:
    return code.upper().replace("-", "").replace(" ", "")
