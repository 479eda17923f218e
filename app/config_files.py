"""Reading the organisation's configuration files (pathways, criteria, contacts) without ever crashing on them.

Every problem names the file and, where there is one, the node or entry, so an administrator can find it.
"""

from __future__ import annotations

import enum
import tomllib
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any


class Severity(enum.StrEnum):
    ERROR = "error"  # the file is not used
    WARNING = "warning"  # the file is used (or, unapproved, is valid but not effective); someone should look


@dataclass(frozen=True, slots=True)
class Problem:
    file: str
    node: str | None
    message: str
    severity: Severity = Severity.ERROR

    def __str__(self) -> str:
        where = f"{self.file}: {self.node}" if self.node else self.file
        prefix = "warning: " if self.severity is Severity.WARNING else ""
        return f"{where}: {prefix}{self.message}"


def errors(problems: Collection[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity is Severity.ERROR]


def read_toml(path: Path, problems: list[Problem]) -> dict[str, Any] | None:
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except tomllib.TOMLDecodeError as e:
        problems.append(Problem(path.name, None, f"is not valid TOML ({e})"))
    except OSError as e:
        problems.append(Problem(path.name, None, f"cannot be read ({e.strerror})"))
    except UnicodeDecodeError:
        problems.append(Problem(path.name, None, "is not UTF-8 text"))
    return None


def parse_toml(text: str, file: str, problems: list[Problem]) -> dict[str, Any] | None:
    """The same as ``read_toml`` for a file's text already in hand (a document received by sync)."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        problems.append(Problem(file, None, f"is not valid TOML ({e})"))
    return None


class Fields:
    """Typed access to one table of a file; a missing or wrong value becomes a Problem, not an exception."""

    def __init__(self, doc: Mapping[str, Any], file: str, node: str | None, problems: list[Problem]) -> None:
        self.doc = doc
        self.file = file
        self.node = node
        self.problems = problems

    def problem(self, message: str, severity: Severity = Severity.ERROR) -> None:
        self.problems.append(Problem(self.file, self.node, message, severity))

    def text(self, key: str, *, required: bool = True) -> str | None:
        value = self.doc.get(key)
        if value is None:
            if required:
                self.problem(f"'{key}' is missing")
            return None
        if not isinstance(value, str) or not value.strip():
            self.problem(f"'{key}' must be non-empty text")
            return None
        return value.strip()

    def choice(self, key: str, allowed: Collection[str], *, default: str | None = None) -> str | None:
        value = self.text(key, required=default is None)
        if value is None:
            return default
        if value not in allowed:
            self.problem(f"'{key}' is '{value}'; expected one of: {', '.join(sorted(allowed))}")
            return None
        return value

    def day(self, key: str, *, required: bool = True) -> date | None:
        value = self.doc.get(key)
        if value is None:
            if required:
                self.problem(f"'{key}' is missing")
            return None
        if not isinstance(value, date):
            self.problem(f"'{key}' must be a date such as 2026-11-01 (no quotes)")
            return None
        return value

    def whole_number(self, key: str, *, required: bool = False) -> int | None:
        value = self.doc.get(key)
        if value is None:
            if required:
                self.problem(f"'{key}' is missing")
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            self.problem(f"'{key}' must be a whole number of 0 or more")
            return None
        return value

    def texts(self, key: str, *, required: bool = True) -> tuple[str, ...]:
        value = self.doc.get(key)
        if value is None:
            if required:
                self.problem(f"'{key}' is missing")
            return ()
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            self.problem(f"'{key}' must be a list of non-empty text")
            return ()
        return tuple(v.strip() for v in value)

    def tables(self, key: str) -> list[Mapping[str, Any]]:
        value = self.doc.get(key)
        if value is None:
            self.problem(f"'{key}' is missing")
            return []
        if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
            self.problem(f"'{key}' must be a list of tables ([[{key}]])")
            return []
        return value

    def table(self, key: str) -> Mapping[str, Any] | None:
        value = self.doc.get(key)
        if value is None:
            self.problem(f"'[{key}]' is missing")
            return None
        if not isinstance(value, Mapping):
            self.problem(f"'{key}' must be a table ([{key}])")
            return None
        return value


@dataclass(frozen=True, slots=True)
class Approval:
    """Who approved a configuration file's version, and until when it is trusted without review."""

    approved_by: str | None
    approved_on: date | None
    review_due: date | None

    def effective_on(self, today: date) -> bool:
        return bool(self.approved_by) and self.approved_on is not None and self.approved_on <= today

    @classmethod
    def read(cls, fields: Fields, today: date) -> Approval:
        table = fields.doc.get("approval")
        if not isinstance(table, Mapping):
            fields.problem("is not approved ([approval] is missing), so it will not be used", Severity.WARNING)
            return cls(None, None, None)
        sub = Fields(table, fields.file, fields.node, fields.problems)
        approval = cls(sub.text("approved_by"), sub.day("approved_on"), sub.day("review_due"))
        if approval.approved_on and approval.approved_on > today:
            fields.problem(f"is approved from {approval.approved_on}; until then it is not used", Severity.WARNING)
        if approval.review_due and approval.review_due < today:
            fields.problem(f"was due for review on {approval.review_due}", Severity.WARNING)
        return approval
