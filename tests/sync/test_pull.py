"""Pull: changes after a signed cursor, only for persons visible now, paged by count and bytes."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import timedelta

from sqlalchemy import func, select

from storage import records
from sync.server.models import AuditEvent
from tests.conftest import NOW
from tests.sync.conftest import V1, Org


def test_pages_by_count_resume_without_gaps_or_repeats(org: Org) -> None:
    alice = org.device("alice")
    sent = [alice.record(org.persons["pa"]) for _ in range(7)]
    alice.push(*sent)
    reader = org.device("alice")
    seen = []
    pages = 0
    while True:
        page = reader.pull(limit=3)
        pages += 1
        seen.extend(c["entity_id"] for c in page["changes"])
        if not page["has_more"]:
            break
    assert pages == 3
    assert seen == [r["record_id"] for r in sent]


# Text a JSON encoder must escape and text it must leave alone, every kind of JSON value, nesting, odd keys.
AWKWARD = {
    "narrative": 'Said "I\'m fine" \\ then left.\nNext line\ttab \x01 \x7f \u2028 é ☃ 𝄞 </script>',
    "ünïcode kéy": [None, True, False, 0, -(2**63), 2**63 - 1, "", [], {}],
    "nested": {"a": {"b": [1, {"c": "d"}]}, "": "empty key"},
}


def test_a_pulled_record_is_the_record_pushed_value_for_value(org: Org) -> None:
    """The server sends a record's stored JSON as it is, not decoded and written again: what arrives must be
    what was sent, every field, and hash to the same sha256 on the receiving laptop."""
    alice = org.device("alice")
    earlier = alice.record(org.persons["pa"])
    sent = alice.record(org.persons["pa"], payload=AWKWARD, refers_to=uuid.UUID(earlier["record_id"]))
    alice.push(earlier, sent)
    [_, change] = org.device("alice").pull()["changes"]
    assert (change["entity"], change["entity_id"], change["person_id"]) == (
        "record",
        sent["record_id"],
        str(org.persons["pa"]),
    )
    data = change["data"]
    assert set(data) == {*sent, "received_at", "flags"} - {"seq"}
    assert {key: data[key] for key in sent if key != "seq"} == {key: sent[key] for key in sent if key != "seq"}
    assert data["payload"] == AWKWARD and data["flags"] == []
    hashed = {key: data[key] for key in sent if key not in ("seq", "sha256")}
    assert records.sha256(hashed) == sent["sha256"]


def test_pages_by_bytes(org: Org) -> None:
    alice = org.device("alice")
    alice.push(*[alice.record(org.persons["pa"], payload={"narrative": "x" * 600}) for _ in range(4)])
    page = alice.pull(max_bytes=1024)
    assert len(page["changes"]) == 1 and page["has_more"]
    assert len(alice.pull_all()) == 3


def test_a_worker_pulls_only_their_own_persons(org: Org) -> None:
    alice, bob = org.device("alice"), org.device("bob")
    alice.push(alice.record(org.persons["pa"]))
    bob.push(bob.record(org.persons["pb"]))
    assert {c["person_id"] for c in alice.pull_all()} == {str(org.persons["pa"])}
    assert alice.pull()["scope"] == [str(org.persons["pa"])]


def test_a_team_lead_reads_their_team_and_not_another(org: Org) -> None:
    alice, carol = org.device("alice"), org.device("carol")
    alice.push(alice.record(org.persons["pa"]))
    carol.push(carol.record(org.persons["pw"]))
    lead = org.device("lead.east")
    assert {c["person_id"] for c in lead.pull_all()} == {str(org.persons["pa"])}
    lead.snapshot(org.persons["pw"], expect=404)


def test_an_admin_reads_no_clinical_records(org: Org) -> None:
    alice = org.device("alice")
    alice.push(alice.record(org.persons["pa"]))
    admin = org.device("admin")
    page = admin.pull()
    assert page["changes"] == [] and page["scope"] == []
    admin.snapshot(org.persons["pa"], expect=404)


def test_cover_shows_the_team_for_the_shift_only(org: Org) -> None:
    alice = org.device("alice")
    alice.push(alice.record(org.persons["pa"]))
    org.admin.cover("duty", NOW - timedelta(hours=1), NOW + timedelta(hours=8), team="east")
    duty = org.device("duty")
    assert set(duty.pull()["scope"]) == {str(org.persons[p]) for p in ("pa", "pb", "pc")}
    assert duty.snapshot(org.persons["pa"])["count"] == 1
    org.clock.set(NOW + timedelta(hours=9))
    # The cover has ended: nothing of the team is visible, and a record pushed now goes through as written by
    # someone who held the person before (flagged), not as a fresh right to write.
    assert duty.pull()["scope"] == []
    duty.snapshot(org.persons["pa"], expect=404)
    [result] = duty.push(duty.record(org.persons["pa"]))["results"]
    assert result["flags"] == ["after_reassignment"]


def test_cover_for_listed_persons(org: Org) -> None:
    org.admin.cover("duty", NOW - timedelta(hours=1), NOW + timedelta(hours=8), persons=[str(org.persons["pc"])])
    duty = org.device("duty")
    assert duty.pull()["scope"] == [str(org.persons["pc"])]


def _tamper(cursor: str, **changes: object) -> str:
    body, mac = cursor.split(".")
    fields = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    fields.update(changes)
    forged = base64.urlsafe_b64encode(json.dumps(fields, separators=(",", ":")).encode()).rstrip(b"=").decode()
    return forged + "." + mac


def test_forged_edited_and_borrowed_cursors_are_refused(org: Org) -> None:
    """Scenario 9: a cursor is bound to its user and device by the server's HMAC."""
    alice, bob = org.device("alice"), org.device("bob")
    alice.push(alice.record(org.persons["pa"]))
    cursor = alice.pull()["next_cursor"]
    for bad, status, reason in (
        ("not-a-cursor", 400, "cursor_invalid"),
        (_tamper(cursor, s=0), 400, "cursor_invalid"),
        (_tamper(cursor, u=str(bob.user_id)), 400, "cursor_invalid"),
        (cursor, 403, "cursor_not_yours"),
    ):
        answer = org.client.get(f"{V1}/pull", headers=bob.headers, params={"cursor": bad})
        assert (answer.status_code, answer.json()["reason"]) == (status, reason)


def test_a_newly_assigned_person_is_backfilled_by_snapshot(org: Org) -> None:
    """Scenario 10: bob's history of pb predates alice's cursor; alice gets it by snapshot, not the feed."""
    bob, alice = org.device("bob"), org.device("alice")
    history = [bob.record(org.persons["pb"]) for _ in range(3)]
    bob.push(*history)
    alice.pull_all()
    assert str(org.persons["pb"]) not in alice.pull()["scope"]
    org.admin.assign("alice", org.persons["pb"])
    page = alice.pull()
    assert str(org.persons["pb"]) in page["scope"] and page["changes"] == []
    snap = alice.snapshot(org.persons["pb"])
    assert [r["record_id"] for r in snap["records"]] == [r["record_id"] for r in history]
    lead_view = org.device("lead.east").snapshot(org.persons["pb"])
    assert (snap["count"], snap["digest"]) == (lead_view["count"], lead_view["digest"]) == (3, snap["digest"])
    # New records after the assignment arrive through the feed as usual.
    bob.push(bob.record(org.persons["pb"]))
    assert len(alice.pull_all()) == 1


def test_reads_are_audited_without_clinical_text(org: Org) -> None:
    alice = org.device("alice")
    alice.push(alice.record(org.persons["pa"], payload={"narrative": "SECRET-NARRATIVE"}))
    alice.pull_all()
    alice.snapshot(org.persons["pa"])
    with org.admin.transaction() as session:
        actions = list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
        details = json.dumps([e.detail for e in session.scalars(select(AuditEvent))])
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == len(actions)
    assert actions[-3:] == ["record.write", "record.read", "record.read"]
    assert "SECRET" not in details


def test_no_op_pull_moves_nothing(org: Org) -> None:
    alice = org.device("alice")
    first = alice.pull()
    second = alice.pull()
    assert second["changes"] == [] and not second["has_more"]
    assert second["high_water_seq"] == first["high_water_seq"]


def test_unknown_person_and_bad_ids_are_4xx(org: Org) -> None:
    alice = org.device("alice")
    alice.snapshot(uuid.uuid4(), expect=404)
    answer = org.client.get(f"{V1}/persons/not-a-uuid/snapshot", headers=alice.headers)
    assert (answer.status_code, answer.json()["reason"]) == (422, "invalid_parameter")
