"""GET /team/health: a team lead's own team only (names and counts, no clinical text); anyone else is
refused and audited."""

from __future__ import annotations

import html
from datetime import timedelta

from sqlalchemy import select

from app import sync_health
from sync.server import team_health
from sync.server.models import AuditEvent
from tests.conftest import NOW
from tests.sync.conftest import V1, Org


def test_the_lead_sees_their_teams_syncs_quarantine_and_heartbeats(org: Org) -> None:
    alice, bob = org.device("alice"), org.device("bob")
    bob.push(bob.record(org.persons["pb"]))
    # A record bob may not write goes to quarantine; his heartbeat says 4 still to send.
    bob.push(bob.record(org.persons["pa"]))
    org.clock.set(NOW + timedelta(days=2))  # alice syncs two days later; bob has not since
    alice.push(alice.record(org.persons["pa"]))
    beat = {"unsent": 4, "quarantined": 1, "app_version": "0.1", "schema_version": 1,
            "device_time": "2026-11-26T14:30:00.000000Z"}  # fmt: skip
    assert org.client.post(f"{V1}/heartbeat", headers=bob.headers, json=beat).status_code == 200
    lead = org.device("lead.east")
    answer = org.client.get(f"{V1}/team/health", headers=lead.headers)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert {s["name"] for s in body["staff"]} == {"Alice", "Bob", "Duty", "Lead.East"}, "east team only"
    workers = {w["name"]: w["last_sync_at"] for w in body["workers"]}
    assert workers == {"Alice": "2026-11-28T14:30:00.000000Z", "Bob": "2026-11-26T14:30:00.000000Z", "Duty": None}
    devices = {d["name"].split("'")[0]: d for d in body["devices"]}
    assert devices["Bob"]["quarantined"] == 1 and devices["Bob"]["unsent"] == 4
    assert devices["Alice"]["quarantined"] == 0 and devices["Alice"]["unsent"] is None
    assert body["break_glass"] == []
    assert "note " not in answer.text, "no clinical text"
    # The banner the lead sees, from that report.
    text = html.unescape(sync_health.describe(body, NOW + timedelta(days=2)))
    assert "Not synced for 24 hours: Duty (never synced), Bob (last synced 2 days ago)" in text
    assert "Records held by the server for review: Bob's laptop (1)" in text
    assert "Waiting to send, by their last heartbeat: Bob's laptop (4)" in text
    with org.admin.transaction() as session:
        assert session.scalars(select(AuditEvent).where(AuditEvent.action == "team.health_read")).first()


def test_a_worker_is_refused_and_audited(org: Org) -> None:
    alice = org.device("alice")
    answer = org.client.get(f"{V1}/team/health", headers=alice.headers)
    assert (answer.status_code, answer.json()["reason"]) == (403, "not_a_team_lead")
    with org.admin.transaction() as session:
        [event] = session.scalars(select(AuditEvent).where(AuditEvent.action == "security.read_refused"))
        assert event.outcome == "not_a_team_lead"


def test_the_banner_names_who_has_not_synced_for_a_day_and_never_guesses_without_a_report() -> None:
    assert "no team report from the server" in sync_health.describe(None, NOW)
    report = {
        "as_of": "2026-11-26T14:00:00.000000Z",
        "workers": [
            {"name": "Ann", "last_sync_at": "2026-11-26T09:00:00.000000Z"},
            {"name": "Ben", "last_sync_at": "2026-11-24T13:00:00.000000Z"},
            {"name": "Cat", "last_sync_at": None},
        ],
        "devices": [{"name": "Ann's laptop", "quarantined": 2, "unsent": 0}],
        "break_glass": [],
    }
    text = html.unescape(sync_health.describe(report, NOW))
    assert "Not synced for 24 hours: Cat (never synced), Ben (last synced 2 days ago)" in text
    assert "Ann (" not in text.split("Not synced")[1].split(";")[0]
    assert "Records held by the server for review: Ann's laptop (2)" in text
    assert "No break-glass openings" in text


def test_the_lead_sees_unsent_escalations_and_the_teams_break_glass_openings(org: Org) -> None:
    """Sync health (issue 14 item 5): escalations a heartbeat says are not yet sent, and who opened which of
    the team's persons by break-glass, when and why; another team's openings are not shown."""
    bob, duty = org.device("bob"), org.device("duty")
    beat = {"unsent": 3, "quarantined": 0, "unsent_escalations": 2, "app_version": "0.1", "schema_version": 1,
            "device_time": "2026-11-26T14:30:00.000000Z"}  # fmt: skip
    assert org.client.post(f"{V1}/heartbeat", headers=bob.headers, json=beat).status_code == 200
    reason = "Called by police at 02:10: person found distressed, plan needed now."
    opened = org.client.post(f"{V1}/persons/{org.persons['pc']}/break-glass", headers=duty.headers,
                             json={"reason": reason})  # fmt: skip
    assert opened.status_code == 200, opened.text
    body = org.client.get(f"{V1}/team/health", headers=org.device("lead.east").headers).json()
    devices = {d["name"].split("'")[0]: d for d in body["devices"]}
    assert (devices["Bob"]["unsent"], devices["Bob"]["unsent_escalations"]) == (3, 2)
    assert devices["Duty"]["unsent_escalations"] is None  # no heartbeat yet: unknown, not zero
    [grant] = body["break_glass"]
    assert (grant["user_name"], grant["person_id"], grant["reason"]) == ("Duty", str(org.persons["pc"]), reason)
    assert grant["ends_at"] > grant["granted_at"]
    west = org.client.get(f"{V1}/team/health", headers=org.device("lead.west").headers).json()
    assert west["break_glass"] == [] and "Bob" not in str(west["devices"])


def test_a_heartbeat_from_an_older_client_without_the_escalation_count_is_accepted(org: Org) -> None:
    bob = org.device("bob")
    beat = {"unsent": 1, "quarantined": 0, "app_version": "0.1", "schema_version": 1,
            "device_time": "2026-11-26T14:30:00.000000Z"}  # fmt: skip
    assert org.client.post(f"{V1}/heartbeat", headers=bob.headers, json=beat).status_code == 200
    body = org.client.get(f"{V1}/team/health", headers=org.device("lead.east").headers).json()
    assert {d["name"].split("'")[0]: d["unsent_escalations"] for d in body["devices"]}["Bob"] == 0


def test_the_banner_says_this_laptops_last_sync_from_the_store_and_what_never_means() -> None:
    report = {
        "as_of": "2026-11-26T13:00:00.000000Z",
        "workers": [{"name": "Cat", "last_sync_at": None}, {"name": "Ann", "last_sync_at": "2026-11-26T12:00:00Z"}],
        "devices": [],
        "break_glass": [],
    }
    synced = NOW - timedelta(hours=3, minutes=10)
    text = html.unescape(sync_health.describe(report, NOW, synced))
    assert text.startswith(
        "<b>Sync health</b> (the server's report at this laptop's last sync, 26 Nov 2026 11:20 UTC, 3 hours ago)"
    )
    assert sync_health.last_sync_words(synced) == "26 Nov 2026 11:20 UTC"
    assert "Cat (never synced)" in text and text.endswith(
        "“Never synced” means no laptop of theirs has reached the server since it was enrolled: nothing they have "
        "recorded has reached the server or this laptop."
    )
    everyone_synced = {**report, "workers": report["workers"][1:]}
    assert "Never synced" not in html.unescape(sync_health.describe(everyone_synced, NOW, synced))
    nothing = html.unescape(sync_health.describe(None, NOW, None))
    assert "this laptop's last sync: never: this laptop has not completed a sync with the server" in nothing


def test_the_banner_puts_unsent_escalations_first_and_names_each_break_glass_opening() -> None:
    person = "0190a0c5-0000-7000-8000-000000000001"
    report = {
        "as_of": "2026-11-26T14:00:00.000000Z",
        "workers": [{"name": "Ann", "last_sync_at": "2026-11-26T13:00:00.000000Z"}],
        "devices": [
            {"name": "Ann's laptop", "quarantined": 0, "unsent": 3, "unsent_escalations": 1,
             "heartbeat_at": "2026-11-26T13:55:00.000000Z"},
        ],
        "break_glass": [
            {"user_name": "Dee", "person_id": person, "reason": "Police called <urgent>",
             "granted_at": "2026-11-26T02:10:00.000000Z", "ends_at": "2026-11-26T04:10:00.000000Z"},
        ],
    }  # fmt: skip
    raw = sync_health.describe(report, NOW, NOW, {person: "Robin"})
    assert "&lt;urgent&gt;" in raw  # the reason is the duty worker's text: escaped, never markup
    text = html.unescape(raw)
    first = text.split(": ", 1)[1]
    assert first.startswith("<b>Escalations recorded but not yet on the server</b> (or with steps not yet sent), "
                            "by their last heartbeat: Ann's laptop (1 escalation, reported 26 Nov 13:55)")  # fmt: skip
    two = {**report, "devices": [{**report["devices"][0], "unsent_escalations": 2}]}
    assert "Ann's laptop (2 escalations, reported" in html.unescape(sync_health.describe(two, NOW, NOW))
    assert "every worker synced" not in text
    assert (
        "Break-glass openings in the last 30 days (1): Dee opened Robin 26 Nov 02:10–04:10: “Police called <urgent>”"
        in text
    )
    unnamed = sync_health.describe(report, NOW, NOW)
    assert "Dee opened a person not on this laptop" in unnamed


def test_an_opening_of_another_teams_person_is_seen_by_both_leads_and_by_no_other(org: Org) -> None:
    """A new user's finding: the east duty worker opened a west person and their own lead saw nothing, though
    the dialog had told them "Your team lead sees who you opened". The opener's lead sees it (supervision of
    their staff), the person's team lead sees it (their person's record was read), an unrelated lead neither;
    the opener's lead, who may not read the west person, is given no more of them than the id."""
    org.admin.create_team("North team", "north", "england")
    org.admin.create_user("lead.north", "Lead.North", "team_lead", "north")
    duty = org.device("duty")
    reason = "Police called about the west person at 02:10, needs the plan now."
    assert org.client.post(f"{V1}/persons/{org.persons['pw']}/break-glass", headers=duty.headers,
                           json={"reason": reason}).status_code == 200  # fmt: skip
    own = org.client.post(f"{V1}/persons/{org.persons['pc']}/break-glass", headers=duty.headers,
                          json={"reason": reason}).json()["grant"]  # fmt: skip

    def openings(lead: str) -> tuple[list[tuple[str, str]], list[str]]:
        device = org.device(lead)
        health = org.client.get(f"{V1}/team/health", headers=device.headers).json()["break_glass"]
        listed = org.client.get(f"{V1}/break-glass", headers=device.headers).json()["grants"]
        assert health == listed, "the banner and GET /break-glass agree"
        return [(g["user_name"], g["person_id"]) for g in health], [g["reason"] for g in health]

    east, east_reasons = openings("lead.east")
    assert sorted(east) == sorted([("Duty", str(org.persons["pw"])), ("Duty", str(org.persons["pc"]))])
    # The written reason names the west person and what happened: the person's own lead reads it, the opener's
    # lead sees that it was written but not the text (they can ask their worker).
    assert sorted(east_reasons) == sorted([reason, team_health.WITHHELD_REASON])
    west, west_reasons = openings("lead.west")
    assert west == [("Duty", str(org.persons["pw"]))], "the person's team lead, not the east person's opening"
    assert west_reasons == [reason]
    assert openings("lead.north")[0] == [], "a lead of an unrelated team sees neither"
    # The east lead's laptop does not hold the west person: the banner names nobody, and says whose opening.
    body = org.client.get(f"{V1}/team/health", headers=org.device("lead.east").headers).json()
    text = html.unescape(sync_health.describe(body, NOW, persons={own["person_id"]: "Cee Person"}))
    assert "Duty opened Cee Person" in text and "Duty opened a person not on this laptop" in text
    assert "PW" not in text, "no name of a person the lead may not read"
