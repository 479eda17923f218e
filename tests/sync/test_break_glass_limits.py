"""Break-glass attempts are rate-limited and refused ones are shown to the team lead (attacker's review): a
stolen or misused duty token must not walk NHS numbers, the limit holds across server processes sharing one
database, and the lead sees each refused attempt by their staff (who, when, which refusal, the written
reason) beside the grants, never the number tried."""

from __future__ import annotations

import html
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from app import nhs_number, sync_health
from sync import engine as engine_mod
from sync import protocol as p
from sync.client import SyncFailure
from sync.engine import SyncEngine
from sync.server.api import create_app
from sync.server.models import AuditEvent, BreakGlass, BreakGlassRefusal, RefusalTally
from sync.server.settings import DEFAULT_BREAK_GLASS_ATTEMPTS, Settings
from tests.conftest import NOW
from tests.sync.conftest import NHS_NUMBERS, V1, Org, nhs_number_of
from tests.sync.inprocess import LEAD, DemoServer

REASON = "Police called the duty line about a welfare concern at the address."


def _unknown(count: int) -> list[str]:
    """Valid NHS numbers (check digit and all) that nobody in the test organisation holds."""
    numbers = (f"{base}{nhs_number.check_digit(str(base))}" for base in range(123456780, 123457780))
    return [n for n in numbers if nhs_number.is_valid(n) and n not in NHS_NUMBERS][:count]


UNKNOWN = _unknown(DEFAULT_BREAK_GLASS_ATTEMPTS + 5)
NEW_CLIENT = {"X-Waymark-Schema": str(p.BREAK_GLASS_REFUSED_SCHEMA)}


def _open(
    client: TestClient, headers: dict[str, str], number: str, reason: str = REASON, schema: str | None = None
) -> tuple[int, dict]:
    """As today's client asks (it announces its schema), unless ``schema`` says otherwise ("" for none)."""
    announced = {"X-Waymark-Schema": schema if schema is not None else str(p.BREAK_GLASS_LIMIT_SCHEMA)}
    answer = client.post(
        f"{V1}/break-glass",
        headers={**headers, **(announced if schema != "" else {})},
        json={"nhs_number": number, "reason": reason},
    )
    return answer.status_code, answer.json()


def test_walking_nhs_numbers_is_stopped_and_a_known_number_then_opens_nobody(org: Org) -> None:
    duty = org.device("duty")
    answers = [_open(org.client, duty.headers, n) for n in UNKNOWN[:DEFAULT_BREAK_GLASS_ATTEMPTS]]
    assert {(status, body["reason"]) for status, body in answers} == {(404, "person_not_visible")}
    status, body = _open(org.client, duty.headers, nhs_number_of(org, org.persons["pc"]))
    assert (status, body["reason"]) == (429, "too_many_break_glass_attempts")
    assert "nothing was opened" in body["message"] and "Phone the duty lead" in body["message"]
    with org.admin.transaction() as session:
        assert session.scalars(select(BreakGlass)).first() is None, "over the limit, even a real number opens nobody"
        audited = [
            e.outcome for e in session.scalars(select(AuditEvent).where(AuditEvent.action == "security.break_glass"))
        ]
        assert audited.count("person_not_visible") == DEFAULT_BREAK_GLASS_ATTEMPTS
        assert audited.count("too_many_break_glass_attempts") == 1
        tallied = session.scalars(select(RefusalTally).where(RefusalTally.reason == "too_many_break_glass_attempts"))
        assert sum(t.count for t in tallied) == 1
    # The window passes: a real call can be dealt with again.
    org.clock.set(org.clock.now() + timedelta(hours=1, minutes=1))
    status, body = _open(org.client, duty.headers, nhs_number_of(org, org.persons["pc"]))
    assert status == 200, body


def test_grants_count_too_and_the_limit_is_per_user_across_their_devices(org: Org) -> None:
    first, second = org.device("duty"), org.device("duty")
    numbers = [nhs_number_of(org, org.persons[name]) for name in ("pa", "pb", "pc")]
    for i in range(DEFAULT_BREAK_GLASS_ATTEMPTS):
        device = first if i % 2 else second
        status, _ = _open(org.client, device.headers, numbers[i % 3] if i < 3 else UNKNOWN[i])
        assert status in (200, 404)
    for device in (first, second):
        status, body = _open(org.client, device.headers, UNKNOWN[-1])
        assert (status, body["reason"]) == (429, "too_many_break_glass_attempts")


def test_the_limit_is_shared_by_server_processes_on_one_database(org: Org) -> None:
    """Each create_app is what one server process holds: the count must live in the database."""
    other = TestClient(create_app(org.admin.engine.url.render_as_string(hide_password=False), clock=org.clock))
    try:
        duty = org.device("duty")
        for i, number in enumerate(UNKNOWN[:DEFAULT_BREAK_GLASS_ATTEMPTS]):
            assert _open(org.client if i % 2 else other, duty.headers, number)[0] == 404
        assert _open(other, duty.headers, UNKNOWN[-1])[0] == 429
        assert _open(org.client, duty.headers, UNKNOWN[-1])[0] == 429
    finally:
        other.close()
        other.app.state.engine.dispose()  # type: ignore[attr-defined]


def test_attempts_racing_on_two_processes_cannot_all_slip_under_the_limit(org: Org) -> None:
    other = TestClient(create_app(org.admin.engine.url.render_as_string(hide_password=False), clock=org.clock))
    try:
        duty = org.device("duty")
        numbers = _unknown(2 * DEFAULT_BREAK_GLASS_ATTEMPTS)
        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = list(pool.map(
                lambda i: _open(org.client if i % 2 else other, duty.headers, numbers[i])[0], range(len(numbers))
            ))  # fmt: skip
        assert sorted(statuses) == [404] * DEFAULT_BREAK_GLASS_ATTEMPTS + [429] * DEFAULT_BREAK_GLASS_ATTEMPTS
    finally:
        other.close()
        other.app.state.engine.dispose()  # type: ignore[attr-defined]


def test_the_limit_and_its_window_are_server_settings(org: Org) -> None:
    settings = Settings(break_glass_attempts=2, break_glass_window=timedelta(minutes=10))
    strict = TestClient(
        create_app(org.admin.engine.url.render_as_string(hide_password=False), clock=org.clock, settings=settings)
    )
    try:
        duty = org.device("duty")
        assert [_open(strict, duty.headers, n)[0] for n in UNKNOWN[:3]] == [404, 404, 429]
        assert "last 10 minutes" in _open(strict, duty.headers, UNKNOWN[3])[1]["message"]
        org.clock.set(org.clock.now() + timedelta(minutes=11))
        assert _open(strict, duty.headers, UNKNOWN[4])[0] == 404
    finally:
        strict.close()
        strict.app.state.engine.dispose()  # type: ignore[attr-defined]
    env = {"WAYMARK_SERVER_BREAK_GLASS_ATTEMPTS": "4", "WAYMARK_SERVER_BREAK_GLASS_WINDOW": "30m"}
    assert (Settings.from_env(env).break_glass_attempts, Settings.from_env(env).break_glass_window) == (
        4,
        timedelta(minutes=30),
    )
    assert (Settings.from_env({}).break_glass_attempts, Settings.from_env({}).break_glass_window) == (
        10,
        timedelta(hours=1),
    )


def test_a_flood_past_the_limit_keeps_one_refusal_for_the_lead(org: Org) -> None:
    duty = org.device("duty")
    for number in UNKNOWN[:DEFAULT_BREAK_GLASS_ATTEMPTS]:
        _open(org.client, duty.headers, number)
    for _ in range(30):
        assert _open(org.client, duty.headers, UNKNOWN[-1])[0] == 429
    with org.admin.transaction() as session:
        kept = [r.refusal for r in session.scalars(select(BreakGlassRefusal))]
    assert kept.count("too_many_break_glass_attempts") == 1 and len(kept) == DEFAULT_BREAK_GLASS_ATTEMPTS + 1


def test_the_lead_sees_each_refused_attempt_by_their_staff_never_the_number(org: Org) -> None:
    duty, alice = org.device("duty"), org.device("alice")
    missing = "Caller gave a number for someone in crisis on the high street."
    assert _open(org.client, duty.headers, UNKNOWN[0], missing)[0] == 404
    org.clock.set(org.clock.now() + timedelta(minutes=5))
    assert _open(org.client, alice.headers, UNKNOWN[1])[0] == 403  # a worker trying it is shown too
    org.clock.set(org.clock.now() + timedelta(minutes=5))
    assert _open(org.client, duty.headers, nhs_number_of(org, org.persons["pc"]))[0] == 200
    lead = org.device("lead.east")
    answer = org.client.get(f"{V1}/team/health", headers={**lead.headers, **NEW_CLIENT})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    refused = [(r["user_name"], r["refusal"], r["reason"]) for r in body["break_glass_refused"]]
    assert refused == [("Alice", "role_may_not_break_glass", REASON), ("Duty", "person_not_visible", missing)]
    assert body["break_glass_refused"][1]["at"] == "2026-11-26T14:30:00.000000Z"
    assert len(body["break_glass"]) == 1, "the grant is listed beside them"
    assert UNKNOWN[0] not in answer.text and UNKNOWN[1] not in answer.text, "never the number tried"
    p.TeamHealth.model_validate_json(answer.text)  # what this client reads
    banner = html.unescape(sync_health.describe(body, org.clock.now()))
    assert (
        "No break-glass openings" not in banner
        and "Refused break-glass attempts by the team's staff in the last 30 days (2): "
        f"Alice 26 Nov 14:35, not duty staff: “{REASON}”; Duty 26 Nov 14:30, found nobody: “{missing}”"
        in banner
    )
    assert UNKNOWN[0] not in banner
    west = org.client.get(f"{V1}/team/health", headers={**org.device("lead.west").headers, **NEW_CLIENT}).json()
    assert west["break_glass_refused"] == [], "another team's staff are not this lead's to see"
    with org.admin.transaction() as session:
        logged = str([e.detail for e in session.scalars(select(AuditEvent))])
    assert UNKNOWN[0] not in logged and missing not in logged, "the audit log holds neither number nor reason"


def test_an_older_client_is_not_sent_the_refused_attempts(org: Org) -> None:
    duty, lead = org.device("duty"), org.device("lead.east")
    assert _open(org.client, duty.headers, UNKNOWN[0])[0] == 404
    for schema in (None, str(p.DOCUMENTS_SCHEMA)):
        headers = lead.headers if schema is None else {**lead.headers, "X-Waymark-Schema": schema}
        answer = org.client.get(f"{V1}/team/health", headers=headers)
        assert answer.status_code == 200
        # An older client's strict model is this one without the field: it reads every field sent.
        assert set(answer.json()) <= set(p.TeamHealth.model_fields) - {"break_glass_refused"}


def test_the_banner_says_nothing_of_refused_attempts_a_server_did_not_report() -> None:
    report = {"as_of": "2026-11-26T14:00:00.000000Z", "workers": [], "devices": [], "break_glass": []}
    assert "No break-glass openings." in html.unescape(sync_health.describe(report, NOW))
    none = html.unescape(sync_health.describe({**report, "break_glass_refused": []}, NOW))
    assert "No break-glass openings or refused attempts" in none
    odd = {"user_name": "Dee", "at": "2026-11-26T03:10:00.000000Z", "refusal": "new_kind", "reason": "<b>x</b>"}
    raw = sync_health.describe({**report, "break_glass_refused": [odd]}, NOW)
    assert "Dee 26 Nov 03:10, new_kind: “&lt;b&gt;x&lt;/b&gt;”" in raw, "a refusal it does not know, by name; escaped"


def test_a_leads_laptop_keeps_the_refused_attempts_from_its_sync(demo_server: DemoServer, tmp_path: Path) -> None:
    duty = demo_server.laptop("gareth.lowe", tmp_path / "duty")
    lead = demo_server.laptop(LEAD, tmp_path / "lead")
    try:
        engine = SyncEngine(duty, client_factory=lambda st, _ca: demo_server.factory(st.server, st.token),
                            now=demo_server.clock.now)  # fmt: skip
        with pytest.raises(SyncFailure):
            engine_mod.request_break_glass_by_nhs_number(engine, UNKNOWN[0], REASON)
        demo_server.sync(lead)
        text = html.unescape(lead.team_health_text())
        assert f"Gareth Lowe 26 Nov 14:30, found nobody: “{REASON}”" in text
        assert UNKNOWN[0] not in text
    finally:
        duty.close()
        lead.close()


@pytest.mark.parametrize("schema", ["", "1", "2"])
def test_a_laptop_from_before_the_limit_is_told_it_as_a_refusal_it_quotes(org: Org, schema: str) -> None:
    """A laptop from before the limit words every 429 as wrong enrolment codes ("wait 15 minutes"): it is sent
    a 403, whose message it shows as the server wrote it, saying whom to phone."""
    duty = org.device("duty")
    for n in UNKNOWN[:DEFAULT_BREAK_GLASS_ATTEMPTS]:
        _open(org.client, duty.headers, n, schema=schema)
    status, body = _open(org.client, duty.headers, UNKNOWN[-1], schema=schema)
    assert (status, body["reason"]) == (403, "too_many_break_glass_attempts")
    assert "Phone the duty lead" in body["message"]
