"""Issue 9, finding 9: the missed-contact policy's timings are an approved, versioned file, validated,
cited on every welfare check it raises."""

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from app.contact_notes import ContactMethod, NoteDraft, Outcome
from app.missed_contact_policy_file import load_policy
from app.missed_contacts import MissedContactPolicy
from app.org_config import BUNDLED, OrgConfig
from tests.app.test_escalation_closing import _fresh_person

TODAY = date(2026, 11, 26)
GOOD = """version = "2026.2"
recontact_within_hours = 12
welfare_window_hours = 36
welfare_check_start_within_minutes = 30
increased_contact_days = 21

[approval]
approved_by = "Dr Priya Natarajan, clinical safety officer (demo)"
approved_on = 2026-10-01
review_due = 2027-04-01
"""


def _file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.toml"
    path.write_text(text)
    return path


def test_the_bundled_policy_is_approved_and_loads_cleanly() -> None:
    policy, problems = load_policy(BUNDLED / "missed-contacts" / "policy.toml", TODAY)
    assert problems == []
    assert policy.version == "policy@2026-11-01"
    assert policy.welfare_window == timedelta(hours=48) and policy.recontact_within == timedelta(hours=24)


def test_a_valid_file_sets_every_timing(tmp_path) -> None:
    policy, problems = load_policy(_file(tmp_path, GOOD), TODAY)
    assert problems == []
    assert policy == MissedContactPolicy(
        "policy@2026.2", timedelta(hours=12), timedelta(hours=36), timedelta(minutes=30), 21
    )


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (("welfare_window_hours = 36", "welfare_window_hours = 72"), "between 24 and 48"),
        (("recontact_within_hours = 12", "recontact_within_hours = 40"), "shorter than the welfare-check window"),
        (("increased_contact_days = 21", 'increased_contact_days = "two weeks"'), "whole number"),
        (('version = "2026.2"\n', ""), "'version' is missing"),
        (("approved_on = 2026-10-01", "approved_on = 2027-01-01"), "not used"),
    ],
)
def test_a_broken_or_unapproved_file_is_named_and_the_built_in_policy_is_used(tmp_path, change, says) -> None:
    policy, problems = load_policy(_file(tmp_path, GOOD.replace(*change)), TODAY)
    assert policy == MissedContactPolicy(), "the built-in policy (24 h, 48 h) stands"
    assert any(says in str(p) for p in problems), [str(p) for p in problems]
    assert any("policy.toml" in str(p) for p in problems)


def test_the_workspace_uses_the_file_and_every_welfare_check_cites_it(workspace, clock) -> None:
    ws = workspace
    assert isinstance(ws.config, OrgConfig) and ws.missed_contacts.policy.version == "policy@2026-11-01"
    pid = _fresh_person(ws)
    first = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    for at in (first, first + timedelta(hours=30)):
        clock.set(at + timedelta(minutes=15))
        ws.notes.record(NoteDraft(pid, at, at + timedelta(minutes=10), ContactMethod.PHONE, Outcome.NO_ANSWER, "No"))
    (check,) = ws.escalations.for_person(pid)
    assert check.versions["missed_contact_policy"] == "policy@2026-11-01"
