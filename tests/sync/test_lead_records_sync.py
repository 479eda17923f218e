"""A team lead's records over the wire: accepted from the team's lead for the team's persons, refused from
anyone else (role_may_not_write, quarantined and audited), and pulled by whoever holds the person, so a
worker sees the lead's review of their note."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from storage import records
from sync.server.models import AuditEvent, Quarantine
from tests.sync.conftest import DeviceClient, Org

GOLDEN = Path(__file__).parents[1] / "fixtures" / "records"


def _payload(record_type: str) -> dict[str, Any]:
    return json.loads((GOLDEN / f"{record_type}.json").read_text())["payload"]


def _records_of(changes: list[dict[str, Any]], record_type: str) -> list[dict[str, Any]]:
    return [c["data"] for c in changes if c["entity"] == "record" and c["data"]["record_type"] == record_type]


def _one(device: DeviceClient, item: dict[str, Any]) -> dict[str, Any]:
    [result] = device.push(item)["results"]
    return result  # type: ignore[no-any-return]


def test_the_lead_reviews_a_workers_note_and_the_worker_pulls_the_review(org: Org) -> None:
    alice, bob, lead = org.device("alice"), org.device("bob"), org.device("lead.east")
    note = alice.record(org.persons["pa"])
    assert _one(alice, note)["status"] == "accepted"
    review = lead.record(org.persons["pa"], "record_review", _payload("record_review"), uuid.UUID(note["record_id"]))
    assert _one(lead, review)["status"] == "accepted"
    [pulled] = _records_of(alice.pull_all(), "record_review")
    assert pulled["refers_to"] == note["record_id"] and pulled["sha256"] == review["sha256"]
    assert _records_of(bob.pull_all(), "record_review") == [], "bob does not hold that person"


@pytest.mark.parametrize("record_type", sorted(records.LEAD_ONLY))
def test_a_worker_writing_a_lead_record_is_refused_quarantined_and_audited(org: Org, record_type: str) -> None:
    alice = org.device("alice")
    refers = None
    if record_type in ("record_review", "action_update", "learning_review"):
        base = alice.record(org.persons["pa"])  # something of her own to refer to
        alice.push(base)
        refers = uuid.UUID(base["record_id"])
    item = alice.record(org.persons["pa"], record_type, _payload(record_type), refers)
    result = _one(alice, item)
    assert (result["status"], result["reason"]) == ("rejected", "role_may_not_write")
    with org.admin.transaction() as session:
        assert session.get(Quarantine, uuid.UUID(result["quarantine_id"])) is not None
        [event] = session.scalars(select(AuditEvent).where(AuditEvent.record_id == uuid.UUID(item["record_id"])))
        assert (event.action, event.outcome, event.detail["record_type"]) == (
            "security.write_refused", "role_may_not_write", record_type
        )  # fmt: skip


def test_the_lead_writes_supervision_and_closes_its_action_for_a_person_they_do_not_hold(org: Org) -> None:
    lead, alice = org.device("lead.east"), org.device("alice")
    supervision = lead.record(org.persons["pa"], "supervision", _payload("supervision"))
    assert _one(lead, supervision)["status"] == "accepted"
    update = lead.record(
        org.persons["pa"], "action_update", _payload("action_update"), uuid.UUID(supervision["record_id"])
    )
    assert _one(lead, update)["status"] == "accepted"
    for record_type in ("learning_review", "case_audit"):
        assert _one(lead, lead.record(org.persons["pa"], record_type, _payload(record_type)))["status"] == "accepted"
    # The worker who holds the person sees them (their own supervision and the actions agreed with them).
    changes = alice.pull_all()
    kinds = ("supervision", "action_update", "learning_review", "case_audit")
    assert [len(_records_of(changes, t)) for t in kinds] == [1, 1, 1, 1]


def test_another_teams_lead_may_not_write_or_read_them(org: Org) -> None:
    west = org.device("lead.west")
    result = _one(west, west.record(org.persons["pa"], "supervision", _payload("supervision")))
    assert (result["status"], result["reason"]) == ("rejected", "not_authorised_for_person")
    lead = org.device("lead.east")
    _one(lead, lead.record(org.persons["pa"], "supervision", _payload("supervision")))
    assert _records_of(west.pull_all(), "supervision") == []
