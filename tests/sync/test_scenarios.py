"""sync-reference.md c3 scenarios at the protocol level: 4, 5, 7, 8, 13 and 14.

(2, 6, 9 and 10 are in test_push.py and test_pull.py; 15 in test_concurrency_postgres.py.)
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from sync.protocol import seal
from sync.server.api import create_app
from sync.server.models import AuditEvent, PlanConflict, PlanHead, Quarantine, Record
from tests.sync.conftest import V1, DeviceClient, Org, TestClient


def revision(
    device: DeviceClient, person: uuid.UUID, plan: uuid.UUID, parents: list[str], sections: list[Any]
) -> dict[str, Any]:
    payload = {
        "plan_id": str(plan),
        "parent_ids": parents,
        "co_produced": True,
        "present": [],
        "shared_with": [],
        "sections": sections,
        "preferences": {},
        "change_summary": "edit",
    }
    return device.record(person, "safety_plan_revision", payload)


def plan_state(org: Org, plan: uuid.UUID) -> tuple[PlanHead, list[PlanConflict]]:
    with org.admin.transaction() as session:
        head = session.get(PlanHead, plan)
        assert head is not None
        conflicts = list(session.scalars(select(PlanConflict).where(PlanConflict.plan_id == plan)))
        return head, conflicts


def test_scenario_4_concurrent_plan_edits_conflict_and_merge(org: Org) -> None:
    alice = org.device("alice")
    office = org.device("alice")  # the same worker at the office desktop, online
    person, plan = org.persons["pa"], uuid.uuid4()
    base = revision(alice, person, plan, [], [{"step": 1, "items": ["base"]}])
    alice.push(base)
    office_edit = revision(office, person, plan, [base["record_id"]], [{"step": 1, "items": ["office words"]}])
    assert office.push(office_edit)["results"][0]["flags"] == []
    offline = revision(alice, person, plan, [base["record_id"]], [{"step": 1, "items": ["offline words"]}])
    [result] = alice.push(offline)["results"]
    assert result["status"] == "accepted" and result["flags"] == ["plan_conflict"] and result["conflict_id"]
    head, [conflict] = plan_state(org, plan)
    assert head.head_revision_id == uuid.UUID(office_edit["record_id"]) and head.state == "conflicted"
    assert (conflict.base_revision_id, conflict.theirs_revision_id, conflict.ours_revision_id) == (
        uuid.UUID(base["record_id"]),
        uuid.UUID(office_edit["record_id"]),
        uuid.UUID(offline["record_id"]),
    )
    # Both sides see it after one sync.
    for device in (alice, office):
        states = [c for c in device.pull_all() if c["entity"] == "plan_state"]
        assert states[-1]["data"]["state"] == "conflicted"
        listed = org.client.get(f"{V1}/conflicts", headers=device.headers).json()["conflicts"]
        assert [c["conflict_id"] for c in listed] == [result["conflict_id"]]
    merge = revision(
        alice,
        person,
        plan,
        [office_edit["record_id"], offline["record_id"]],
        [{"step": 1, "items": ["office words", "offline words"]}],
    )
    assert alice.push(merge)["results"][0]["status"] == "accepted"
    head, [conflict] = plan_state(org, plan)
    assert head.head_revision_id == uuid.UUID(merge["record_id"]) and head.state == "ok"
    assert conflict.status == "resolved" and conflict.resolution_revision_id == uuid.UUID(merge["record_id"])
    with org.admin.transaction() as session:
        stored = {
            r.record_id for r in session.scalars(select(Record).where(Record.record_type == "safety_plan_revision"))
        }
    assert stored == {uuid.UUID(r["record_id"]) for r in (base, office_edit, offline, merge)}


def test_scenario_5_chained_offline_revisions_make_one_conflict_on_the_tip(org: Org) -> None:
    alice, office = org.device("alice"), org.device("alice")
    person, plan = org.persons["pa"], uuid.uuid4()
    base = revision(alice, person, plan, [], [])
    alice.push(base)
    office_edit = revision(office, person, plan, [base["record_id"]], [{"step": 2, "items": ["h"]}])
    office.push(office_edit)
    r1 = revision(alice, person, plan, [base["record_id"]], [{"step": 2, "items": ["r1"]}])
    r2 = revision(alice, person, plan, [r1["record_id"]], [{"step": 2, "items": ["r2"]}])
    results = alice.push(r1, r2)["results"]
    assert results[0]["conflict_id"] == results[1]["conflict_id"]
    head, [conflict] = plan_state(org, plan)
    assert head.head_revision_id == uuid.UUID(office_edit["record_id"])  # never fast-forwarded over H
    assert conflict.ours_revision_id == uuid.UUID(r2["record_id"]) and conflict.status == "open"
    assert r1["record_id"] in {r["record_id"] for r in alice.snapshot(person)["records"]}


def test_scenario_7_note_for_a_person_reassigned_meanwhile_is_kept_flagged_and_routed(org: Org) -> None:
    alice = org.device("alice")
    offline_note = alice.record(org.persons["pa"])
    org.admin.unassign("alice", org.persons["pa"])
    org.admin.assign("bob", org.persons["pa"])
    [result] = alice.push(offline_note)["results"]
    assert result["status"] == "accepted" and result["flags"] == ["after_reassignment"]
    page = alice.pull()
    assert str(org.persons["pa"]) not in page["scope"]  # the device lets the person go once pushed
    for holder in ("bob", "lead.east"):
        changes = org.device(holder).pull_all()
        notices = [c for c in changes if c["entity"] == "notice"]
        assert [n["data"]["record_id"] for n in notices] == [offline_note["record_id"]]
        assert offline_note["record_id"] in {c["entity_id"] for c in changes if c["entity"] == "record"}


def test_scenario_8_a_record_for_a_person_never_held_is_quarantined_and_audited(org: Org) -> None:
    alice = org.device("alice")
    forged = alice.record(org.persons["pw"])
    [result] = alice.push(forged)["results"]
    assert (result["status"], result["reason"]) == ("rejected", "not_authorised_for_person")
    with org.admin.transaction() as session:
        assert session.get(Record, uuid.UUID(forged["record_id"])) is None
        kept = session.get(Quarantine, uuid.UUID(result["quarantine_id"]))
        assert kept is not None and kept.reason == "not_authorised_for_person"
        events = session.scalars(select(AuditEvent).where(AuditEvent.action == "security.write_refused")).all()
        assert [e.record_id for e in events] == [uuid.UUID(forged["record_id"])]
    for other in ("carol", "lead.west", "lead.east", "bob"):
        device = org.device(other)
        assert forged["record_id"] not in {c["entity_id"] for c in device.pull_all()}


def test_a_team_lead_writes_reviews_for_their_team_but_not_notes(org: Org) -> None:
    lead = org.device("lead.east")
    review = lead.record(org.persons["pa"], "safety_review", {"trigger": "care_plan_review"})
    note = lead.record(org.persons["pa"])
    other_team = lead.record(org.persons["pw"], "safety_review", {"trigger": "care_plan_review"})
    results = lead.push(review, note, other_team)["results"]
    assert [(r["status"], r["reason"]) for r in results] == [
        ("accepted", None),
        ("rejected", "role_may_not_write"),
        ("rejected", "not_authorised_for_person"),
    ]


def test_records_of_a_newer_schema_are_kept_in_quarantine_not_guessed_at(org: Org) -> None:
    """Scenario 13, push side: the server keeps what it cannot read yet; nothing is lost."""
    alice = org.device("alice")
    record = alice.record(org.persons["pa"])
    newer = {**record, "schema_version": 2}
    newer = seal({k: v for k, v in newer.items() if k not in ("seq", "sha256")}, record["seq"])
    [result] = alice.push(newer)["results"]
    assert (result["status"], result["reason"]) == ("rejected", "unsupported_schema_version")


def test_scenario_14_restored_server_tells_clients_to_resync_and_ends_with_every_record(org: Org) -> None:
    alice = org.device("alice")
    kept = [alice.record(org.persons["pa"]) for _ in range(2)]
    alice.push(*kept)
    alice.pull_all()
    org.admin.new_epoch()  # what an operator runs after restoring a backup
    assert alice.pull(expect=410)["reason"] == "resync_required"
    lost_after_backup = alice.record(org.persons["pa"])
    assert alice.push(lost_after_backup, expect=410)["reason"] == "resync_required"
    # The client re-pushes everything it still holds (acked and pending) under the new epoch.
    alice.epoch = org.client.post(
        f"{V1}/heartbeat",
        headers=alice.headers,
        json={
            "unsent": 1,
            "quarantined": 0,
            "app_version": "0.1",
            "schema_version": 1,
            "device_time": "2026-11-26T14:30:00.000000Z",
        },
    ).json()["server_epoch"]
    results = alice.push(*kept, lost_after_backup, resync=True)["results"]
    assert [r["status"] for r in results] == ["duplicate", "duplicate", "accepted"]
    alice.cursor = None
    assert {c["entity_id"] for c in alice.pull_all()} == {r["record_id"] for r in (*kept, lost_after_backup)}


def test_scenario_13_a_client_below_the_supported_schema_pushes_but_may_not_pull(org: Org) -> None:
    strict = TestClient(
        create_app(org.admin.engine.url.render_as_string(hide_password=False), clock=org.clock, min_client_schema=2)
    )
    alice = org.device("alice")
    old = {**alice.headers, "X-Waymark-Schema": "1"}
    answer = strict.get(f"{V1}/pull", headers=old)
    assert (answer.status_code, answer.json()["reason"]) == (426, "upgrade_required")
    pushed = strict.post(
        f"{V1}/push",
        headers=old,
        json={"server_epoch": None, "resync": False, "items": [alice.record(org.persons["pa"])]},
    )
    assert pushed.json()["results"][0]["status"] == "accepted"
    assert strict.get(f"{V1}/pull", headers={**alice.headers, "X-Waymark-Schema": "2"}).status_code == 200
    strict.close()
    strict.app.state.engine.dispose()  # type: ignore[attr-defined]
