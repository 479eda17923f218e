"""On a duty worker's laptop, notes by the covered team said "by a colleague not known on this laptop", so the
duty worker could not tell who the care coordinator was (a new user's overnight review, finding 6). Pull pages
now carry the names of the staff whose records the caller can see (PROTOCOL.md §2.5 ``staff``), to clients of
schema 4 or later only: an older client, whose bodies are strict, is not sent the field."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sync import protocol as p
from tests.conftest import NOW
from tests.sync.conftest import V1, Org
from tests.sync.inprocess import DemoServer


def _pull(org: Org, device, schema: int | None) -> dict:
    headers = dict(device.headers)
    if schema is not None:
        headers["X-Waymark-Schema"] = str(schema)
    answer = org.client.get(f"{V1}/pull", headers=headers)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_a_duty_worker_covering_a_team_is_sent_its_staff_names(org: Org) -> None:
    alice = org.device("alice")
    alice.push(alice.record(org.persons["pa"]))
    org.admin.cover("duty", NOW - timedelta(hours=1), NOW + timedelta(hours=8), team="east")
    duty = org.device("duty")
    page = p.PullResponse.model_validate(_pull(org, duty, p.STAFF_NAMES_SCHEMA))
    assert page.staff is not None
    named = {s.name: (s.role, s.team.area) for s in page.staff}
    assert named == {
        "Alice": ("worker", "east"),
        "Bob": ("worker", "east"),
        "Duty": ("duty", "east"),
        "Lead.East": ("team_lead", "east"),
    }, "the covered team's staff; nobody from a team whose persons are not in scope"


def test_a_worker_from_another_team_who_wrote_a_visible_record_is_named(org: Org) -> None:
    org.admin.cover("carol", NOW - timedelta(hours=1), NOW + timedelta(hours=8), persons=[str(org.persons["pa"])])
    carol = org.device("carol")
    carol.push(carol.record(org.persons["pa"]))
    alice = org.device("alice")
    page = _pull(org, alice, p.STAFF_NAMES_SCHEMA)
    assert "Carol" in {s["name"] for s in page["staff"]}


def test_an_older_client_is_not_sent_the_field(org: Org) -> None:
    alice = org.device("alice")
    for schema in (None, p.DOCUMENTS_SCHEMA, p.BREAK_GLASS_REFUSED_SCHEMA):
        page = _pull(org, alice, schema)
        assert "staff" not in page, schema
        alice.cursor = None


def test_on_the_duty_laptop_the_teams_notes_say_who_wrote_them(demo_server: DemoServer, tmp_path: Path) -> None:
    worker = demo_server.laptop("sam.okafor", tmp_path / "sam")
    persons = [r.person_id for r in worker.caseload.rows()]
    worker.close()
    demo_server.admin.cover("gareth.lowe", NOW - timedelta(hours=1), NOW + timedelta(hours=8), team="eastmoor")
    duty = demo_server.laptop("gareth.lowe", tmp_path / "gareth")
    try:
        names = duty.staff_names()
        authors = {n.author_id for pid in persons if duty.has_person(pid) for n in duty.notes.timeline(pid)}
        assert authors, "the covered team's notes reached the duty laptop"
        assert authors <= names.keys(), "every note's author is known by name"
        assert "Sam Okafor" in names.values()
    finally:
        duty.close()
