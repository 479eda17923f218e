"""Signed commands to devices with audited acknowledgements, heartbeat, and the hash-chained audit log."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select, text

from sync.protocol import Command
from sync.server import audit, commands
from sync.server.models import AuditEvent, Device
from tests.sync.conftest import V1, Org


def test_revoke_is_signed_heard_acknowledged_and_audited(org: Org) -> None:
    alice = org.device("alice")
    org.admin.revoke(str(alice.device_id))
    assert org.client.get(f"{V1}/pull", headers=alice.headers).json()["reason"] == "device_revoked"
    state = org.client.get(f"{V1}/commands", headers=alice.headers).json()
    assert state["device_status"] == "revoked"
    [command] = [Command.model_validate(c) for c in state["commands"]]
    assert command.kind == "revoke" and commands.verify(alice.public_key, command)
    forged = command.model_copy(update={"kind": "purge_person"})
    assert not commands.verify(alice.public_key, forged)
    answer = org.client.post(
        f"{V1}/commands/{command.command_id}/ack", headers=alice.headers, json={"outcome": "done", "detail": None}
    )
    assert answer.status_code == 200 and answer.json()["commands"] == []
    with org.admin.transaction() as session:
        actions = [
            (e.action, e.outcome)
            for e in session.scalars(
                select(AuditEvent).where(AuditEvent.device_id == alice.device_id).order_by(AuditEvent.id)
            )
        ]
    assert ("command.revoke", "issued") in actions and ("command.revoke", "acked_done") in actions


def test_retire_lets_the_device_push_then_wipe(org: Org) -> None:
    alice = org.device("alice")
    pending = [alice.record(org.persons["pa"]) for _ in range(7)]
    org.admin.retire(str(alice.device_id))
    answer = alice.push(*pending)
    assert [r["status"] for r in answer["results"]] == ["accepted"] * 7
    [command] = answer["commands"]
    assert command["kind"] == "retire" and answer["device_status"] == "retire_pending"
    org.client.post(
        f"{V1}/commands/{command['command_id']}/ack", headers=alice.headers, json={"outcome": "done", "detail": None}
    )
    assert alice.pull(expect=403)["reason"] == "device_retired"
    with org.admin.transaction() as session:
        device = session.get(Device, alice.device_id)
        assert device is not None and device.status == "retired"


def test_a_device_cannot_acknowledge_anothers_command(org: Org) -> None:
    alice, bob = org.device("alice"), org.device("bob")
    org.admin.purge_person(str(bob.device_id), str(org.persons["pb"]))
    [command] = org.client.get(f"{V1}/commands", headers=bob.headers).json()["commands"]
    answer = org.client.post(
        f"{V1}/commands/{command['command_id']}/ack", headers=alice.headers, json={"outcome": "done", "detail": None}
    )
    assert (answer.status_code, answer.json()["reason"]) == (404, "command_not_found")
    assert org.client.get(f"{V1}/commands", headers=bob.headers).json()["commands"] != []


def test_heartbeat_records_sync_health_and_clock_offset(org: Org) -> None:
    alice = org.device("alice")
    device_time = org.clock.now() + timedelta(minutes=3)
    answer = org.client.post(
        f"{V1}/heartbeat",
        headers=alice.headers,
        json={
            "unsent": 4,
            "quarantined": 1,
            "app_version": "0.1",
            "schema_version": 1,
            "device_time": commands.stamp(device_time),
        },
    )
    assert answer.status_code == 200 and answer.json()["clock_offset_ms"] == 180_000
    [row] = org.admin.devices()
    assert (row.unsent, row.quarantined) == (4, 0)


def test_the_audit_chain_holds_and_shows_tampering(org: Org) -> None:
    alice = org.device("alice")
    alice.push(alice.record(org.persons["pa"]))
    alice.pull_all()
    with org.admin.transaction() as session:
        assert audit.verify(session) is None
        middle = session.scalars(select(AuditEvent.id).order_by(AuditEvent.id)).all()[2]
    # Only by getting past the trigger (dropping it, as an attacker with the database might) can a row
    # change; the chain then names the first broken link.
    with org.admin.transaction() as session:
        dialect = session.get_bind().dialect.name
        if dialect == "postgresql":
            session.execute(text("ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only"))
        else:
            session.execute(text("DROP TRIGGER audit_event_no_update"))
        session.execute(text("UPDATE audit_event SET outcome = 'edited' WHERE id = :i"), {"i": middle})
    with org.admin.transaction() as session:
        assert audit.verify(session) == middle


def test_unknown_command_id_is_404(org: Org) -> None:
    alice = org.device("alice")
    answer = org.client.post(
        f"{V1}/commands/{uuid.uuid4()}/ack", headers=alice.headers, json={"outcome": "done", "detail": None}
    )
    assert answer.status_code == 404


def test_a_stolen_device_cannot_turn_revoked_into_retired_or_clear_the_revoke(org: Org) -> None:
    """Found by an attacker's review: retire, then revoke (reported stolen); the thief acks the retire as done
    and the revoke as failed. The device must stay revoked, with the revoke still waiting to be done."""
    alice = org.device("alice")
    org.admin.retire(str(alice.device_id))
    org.admin.revoke(str(alice.device_id))
    pending = org.client.get(f"{V1}/commands", headers=alice.headers).json()["commands"]
    by_kind = {c["kind"]: c for c in pending}
    for kind, outcome in (("retire", "done"), ("revoke", "failed")):
        org.client.post(
            f"{V1}/commands/{by_kind[kind]['command_id']}/ack",
            headers=alice.headers,
            json={"outcome": outcome, "detail": None},
        )
    state = org.client.get(f"{V1}/commands", headers=alice.headers).json()
    assert state["device_status"] == "revoked"
    assert [c["kind"] for c in state["commands"]] == ["revoke"]
    with org.admin.transaction() as session:
        device = session.get(Device, alice.device_id)
        assert device is not None and device.status == "revoked"
