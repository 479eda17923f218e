"""Push: every record stored exactly once, answered per item, nothing clinical ever dropped."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select, text

from sync.server.models import Change, Quarantine, Record
from tests.sync.conftest import Org


def count(org: Org, model: type) -> int:
    with org.admin.transaction() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_a_record_is_accepted_with_its_change_sequence(org: Org) -> None:
    alice = org.device("alice")
    answer = alice.push(alice.record(org.persons["pa"]))
    [result] = answer["results"]
    assert result["status"] == "accepted"
    assert result["server_seq"] == answer["high_water_seq"] >= 1
    assert answer["last_seq"] == 1
    assert count(org, Record) == 1


def test_lost_ack_replays_are_duplicates_with_the_original_result(org: Org) -> None:
    """Scenario 2: the response is lost; the same batch arrives three more times."""
    alice = org.device("alice")
    batch = [alice.record(org.persons["pa"]) for _ in range(3)]
    first = alice.push(*batch)
    changes_before = count(org, Change)
    for _ in range(3):
        again = alice.push(*batch)
        assert [r["status"] for r in again["results"]] == ["duplicate"] * 3
        assert [r["server_seq"] for r in again["results"]] == [r["server_seq"] for r in first["results"]]
    assert count(org, Record) == 3
    assert count(org, Change) == changes_before


def test_same_record_under_a_new_seq_is_a_duplicate_by_id(org: Org) -> None:
    """After an epoch change the client re-sends under new numbers: the record id still catches it."""
    alice = org.device("alice")
    record = alice.record(org.persons["pa"])
    first = alice.push(record)
    resent = {**record, "seq": 2}
    again = alice.push(resent)
    assert again["results"][0]["status"] == "duplicate"
    assert again["results"][0]["server_seq"] == first["results"][0]["server_seq"]
    assert count(org, Record) == 1


def test_same_id_with_other_content_is_quarantined_never_overwritten(org: Org) -> None:
    alice = org.device("alice")
    original = alice.record(org.persons["pa"], payload={"narrative": "the original words"})
    alice.push(original)
    forged = alice.record(
        org.persons["pa"], payload={"narrative": "changed words"}, record_id=uuid.UUID(original["record_id"])
    )
    [result] = alice.push(forged)["results"]
    assert result["status"] == "rejected" and result["reason"] == "id_reuse" and result["quarantine_id"]
    with org.admin.transaction() as session:
        stored = session.get(Record, uuid.UUID(original["record_id"]))
        assert stored is not None and stored.payload == {"narrative": "the original words"}
        assert stored.sha256 == original["sha256"]
        kept = session.get(Quarantine, uuid.UUID(result["quarantine_id"]))
        assert kept is not None and kept.envelope["payload"] == {"narrative": "changed words"}


def test_a_wrong_hash_is_quarantined(org: Org) -> None:
    alice = org.device("alice")
    record = {**alice.record(org.persons["pa"]), "sha256": "0" * 64}
    [result] = alice.push(record)["results"]
    assert (result["status"], result["reason"]) == ("rejected", "hash_mismatch")
    assert count(org, Quarantine) == 1 and count(org, Record) == 0


def test_a_gap_in_the_device_sequence_is_refused_with_the_seq_expected(org: Org) -> None:
    alice = org.device("alice")
    alice.push(alice.record(org.persons["pa"]))
    alice.seq += 5
    answer = alice.push(alice.record(org.persons["pa"]), expect=409)
    assert answer == {"reason": "out_of_order", "message": answer["message"], "expected_seq": 2}
    assert count(org, Record) == 1


def test_an_amendment_of_a_rejected_note_is_quarantined_too(org: Org) -> None:
    alice = org.device("alice")
    note = {**alice.record(org.persons["pa"]), "sha256": "f" * 64}
    amendment = alice.record(
        org.persons["pa"],
        "note_amendment",
        {"kind": "addendum", "reason": "r", "text": "t"},
        refers_to=uuid.UUID(note["record_id"]),
    )
    results = alice.push(note, amendment)["results"]
    assert [r["reason"] for r in results] == ["hash_mismatch", "depends_on_rejected"]
    assert count(org, Quarantine) == 2


def test_rejected_items_do_not_block_the_rest_of_the_batch(org: Org) -> None:
    alice = org.device("alice")
    items = [alice.record(org.persons["pa"]), alice.record(org.persons["pb"]), alice.record(org.persons["pa"])]
    assert [r["status"] for r in alice.push(*items)["results"]] == ["accepted", "rejected", "accepted"]
    assert alice.pull()["high_water_seq"] == 2


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE record SET sha256 = 'x'",
        "DELETE FROM record",
        "UPDATE change SET entity = 'x'",
        "DELETE FROM quarantine",
        "UPDATE audit_event SET action = 'x'",
        "DELETE FROM push_ledger",
    ],
)
def test_the_database_itself_refuses_changes_to_append_only_rows(org: Org, statement: str) -> None:
    """Scenario 6 at the database level: the trigger refuses, whatever the application does."""
    alice = org.device("alice")
    alice.push(alice.record(org.persons["pa"]), {**alice.record(org.persons["pa"]), "sha256": "0" * 64})
    with pytest.raises(Exception, match="append-only"), org.admin.transaction() as session:
        session.execute(text(statement))


def test_concurrent_amendments_from_two_devices_are_both_kept(org: Org) -> None:
    alice = org.device("alice")
    laptop2 = org.device("alice")
    note = alice.record(org.persons["pa"], payload={"narrative": "exact original text"})
    alice.push(note)
    for device in (alice, laptop2):
        amend = device.record(
            org.persons["pa"],
            "note_amendment",
            {"kind": "addendum", "reason": "r", "text": "t"},
            refers_to=uuid.UUID(note["record_id"]),
        )
        assert device.push(amend)["results"][0]["status"] == "accepted"
    with org.admin.transaction() as session:
        stored = session.get(Record, uuid.UUID(note["record_id"]))
        assert stored is not None and stored.payload == {"narrative": "exact original text"}
        assert (
            session.scalar(
                select(func.count()).select_from(Record).where(Record.refers_to == uuid.UUID(note["record_id"]))
            )
            == 2
        )
