"""Findings of an attacker's review of push, each pinned: nothing a device sends may be answered "duplicate"
unless the server holds it, and no payload may make the server answer 5xx and block a device's outbox."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select

from sync.protocol import seal
from sync.server.models import AuditEvent, Quarantine, Record
from tests.sync.conftest import Org
from tests.sync.test_scenarios import revision


def test_a_new_record_under_an_already_used_seq_is_stored_never_answered_duplicate(org: Org) -> None:
    """A device restored from an old copy numbers new records from an old seq: they must not vanish."""
    alice = org.device("alice")
    first = alice.record(org.persons["pa"], payload={"narrative": "before the restore"})
    alice.push(first)
    alice.seq = 0  # the restored laptop's outbox counter starts again
    reused = alice.record(org.persons["pa"], payload={"narrative": "written after the restore"})
    assert reused["seq"] == first["seq"] and reused["record_id"] != first["record_id"]
    [result] = alice.push(reused)["results"]
    assert result["status"] == "accepted" and "seq_reused" in result["flags"]
    with org.admin.transaction() as session:
        stored = session.get(Record, uuid.UUID(reused["record_id"]))
        assert stored is not None and stored.payload == {"narrative": "written after the restore"}
        assert session.scalars(select(AuditEvent).where(AuditEvent.action == "security.seq_reused")).first()
    # The same replay again is now a true duplicate of what is stored.
    [again] = alice.push(reused)["results"]
    assert again["status"] == "duplicate" and again["server_seq"] == result["server_seq"]


def test_a_replay_of_the_same_record_is_still_a_duplicate(org: Org) -> None:
    alice = org.device("alice")
    record = alice.record(org.persons["pa"])
    first = alice.push(record)["results"][0]
    [again] = alice.push(record)["results"]
    assert again["status"] == "duplicate" and again["server_seq"] == first["server_seq"]
    assert "seq_reused" not in again["flags"]


def test_a_plan_revision_naming_one_parent_twice_is_quarantined_and_the_batch_goes_on(org: Org) -> None:
    alice = org.device("alice")
    person, plan = org.persons["pa"], uuid.uuid4()
    first = revision(alice, person, plan, [], [{"step": 1, "items": []}])
    alice.push(first)
    twice = revision(alice, person, plan, [first["record_id"], first["record_id"]], [])
    note = alice.record(person)
    answer = alice.push(twice, note)  # answered 200, never a 500 that would block the outbox for good
    outcome = [(r["status"], r["reason"]) for r in answer["results"]]
    assert outcome == [("rejected", "invalid_payload"), ("accepted", None)]


def test_a_plan_revision_whose_parent_the_server_never_saw_is_quarantined(org: Org) -> None:
    alice = org.device("alice")
    person, plan = org.persons["pa"], uuid.uuid4()
    alice.push(revision(alice, person, plan, [], []))
    orphan = revision(alice, person, plan, [str(uuid.uuid4())], [])
    [result] = alice.push(orphan)["results"]
    assert (result["status"], result["reason"]) == ("rejected", "invalid_payload")
    with org.admin.transaction() as session:
        assert session.scalars(select(Quarantine).where(Quarantine.record_id == uuid.UUID(orphan["record_id"]))).one()


def test_a_record_in_the_same_batch_may_not_refer_to_another_persons_record(org: Org) -> None:
    now = org.clock.now()
    org.clock.set(now - timedelta(hours=1))
    org.admin.assign("alice", org.persons["pc"])  # alice may write for both people
    org.clock.set(now)
    alice = org.device("alice")
    note = alice.record(org.persons["pa"])
    amendment = alice.record(
        org.persons["pc"],
        "note_amendment",
        {"kind": "addendum", "reason": "r", "text": "t"},
        refers_to=uuid.UUID(note["record_id"]),
    )
    results = alice.push(note, amendment)["results"]
    assert results[0]["status"] == "accepted"
    assert (results[1]["status"], results[1]["reason"]) == ("rejected", "unknown_reference")


def test_seal_is_what_the_client_sends(org: Org) -> None:
    """The helper the tests use builds the same envelope hash as the wire model (a guard for the tests above)."""
    alice = org.device("alice")
    record = alice.record(org.persons["pa"])
    resealed = seal({k: v for k, v in record.items() if k not in ("seq", "sha256")}, record["seq"])
    assert resealed["sha256"] == record["sha256"]


def _welfare_check(device, person: uuid.UUID, causes: list[uuid.UUID], rationale: str) -> dict:
    from app.ids import derived_id

    record_id = derived_id("welfare-check", person, causes)
    payload = {"kind": "welfare-check", "cause": [str(c) for c in causes], "rationale": rationale}
    return device.record(person, "escalation_opened", payload, record_id=record_id)


def test_a_second_writers_copy_of_a_derived_welfare_check_is_a_duplicate(org: Org) -> None:
    """PROTOCOL §1.4: two writers running the policy over the same notes make one record."""
    alice = org.device("alice")
    causes = [uuid.uuid4(), uuid.uuid4()]
    first = alice.push(_welfare_check(alice, org.persons["pa"], causes, "raised on the laptop"))["results"][0]
    assert first["status"] == "accepted"
    second = alice.push(_welfare_check(alice, org.persons["pa"], causes, "raised again, other words"))["results"][0]
    assert second["status"] == "duplicate" and second["server_seq"] == first["server_seq"]
    assert second["record_id"] == first["record_id"]


def test_a_derived_id_that_does_not_recompute_is_refused_so_it_cannot_pre_claim_another_persons(org: Org) -> None:
    from app.ids import derived_id

    alice = org.device("alice")
    causes = [uuid.uuid4()]
    someone_elses = derived_id("welfare-check", org.persons["pb"], causes)
    squatter = alice.record(org.persons["pa"], payload={"narrative": "x"}, record_id=someone_elses)
    [result] = alice.push(squatter)["results"]
    assert (result["status"], result["reason"]) == ("rejected", "invalid_payload")
    wrong_person = alice.record(
        org.persons["pa"],
        "escalation_opened",
        {"kind": "welfare-check", "cause": [str(causes[0])]},
        record_id=someone_elses,
    )
    [result] = alice.push(wrong_person)["results"]
    assert (result["status"], result["reason"]) == ("rejected", "invalid_payload")
    bob = org.device("bob")
    [real] = bob.push(_welfare_check(bob, org.persons["pb"], causes, "the real one"))["results"]
    assert real["status"] == "accepted", "the real welfare check was not pre-claimed"


def test_cover_that_ended_long_ago_no_longer_lets_a_device_write(org: Org) -> None:
    """Found by an attacker's review: team cover from years ago let a duty worker write into anyone in the team."""
    from sync.server.scope import OFFLINE_GRACE

    now = org.clock.now()
    org.admin.cover("duty", now - timedelta(days=400), now - timedelta(days=399), team="east")
    duty = org.device("duty")
    [old] = duty.push(duty.record(org.persons["pc"]))["results"]
    assert (old["status"], old["reason"]) == ("rejected", "not_authorised_for_person")
    org.admin.cover("duty", now - timedelta(days=3), now - timedelta(days=2), team="east")
    assert timedelta(days=2) < OFFLINE_GRACE
    [recent] = duty.push(duty.record(org.persons["pc"]))["results"]
    assert recent["status"] == "accepted" and "after_reassignment" in recent["flags"]
