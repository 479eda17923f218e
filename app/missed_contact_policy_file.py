"""Reading the missed-contact policy's approved, versioned file (resources/missed-contacts/README.md).

A file that is missing, broken or not approved is never half-used: the built-in policy stands and the
problem is reported, so Waymark always has a policy and never one nobody approved.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from app.config_files import Approval, Fields, Problem, errors, read_toml
from app.missed_contacts import MissedContactPolicy


def load_policy(path: Path, today: date) -> tuple[MissedContactPolicy, list[Problem]]:
    problems: list[Problem] = []
    if not path.exists():
        return MissedContactPolicy(), [Problem(path.name, None, "does not exist; the built-in policy is used")]
    doc = read_toml(path, problems)
    if doc is None:
        return MissedContactPolicy(), problems
    f = Fields(doc, path.name, None, problems)
    version = f.text("version")
    recontact = f.whole_number("recontact_within_hours", required=True)
    window = f.whole_number("welfare_window_hours", required=True)
    start = f.whole_number("welfare_check_start_within_minutes", required=True)
    days = f.whole_number("increased_contact_days", required=True)
    approval = Approval.read(f, today)
    if errors(problems) or None in (version, recontact, window, start, days):
        return MissedContactPolicy(), problems
    assert version is not None and recontact is not None and window is not None
    assert start is not None and days is not None
    try:
        policy = MissedContactPolicy(
            f"{path.stem}@{version}", timedelta(hours=recontact), timedelta(hours=window),
            timedelta(minutes=start), days,
        )  # fmt: skip
    except ValueError as exc:
        f.problem(str(exc))
        return MissedContactPolicy(), problems
    if not approval.effective_on(today):
        f.problem("is not approved for use today, so it is not used; the built-in policy stands")
        return MissedContactPolicy(), problems
    return policy, problems
