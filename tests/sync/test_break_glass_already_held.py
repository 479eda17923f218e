"""Break-glass for a person the duty worker already holds (a new user's finding): the server opened an audited
"opening" of someone on Gareth's own cover, listed to the lead as though he had gone outside it. Now it says
so instead: no grant, no refusal, nothing counted against the limit or listed to the lead, and the laptop
opens the person it already holds."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from sync import engine as engine_mod
from sync.engine import AlreadyHeld, SyncEngine
from sync.server.models import AuditEvent, BreakGlass, BreakGlassRefusal, Person
from sync.server.settings import DEFAULT_BREAK_GLASS_ATTEMPTS
from tests.conftest import NOW
from tests.sync.conftest import V1, Org, nhs_number_of
from tests.sync.inprocess import DemoServer

REASON = "Police called the duty line about a welfare concern at the address."


def _open(org: Org, headers: dict[str, str], number: str) -> tuple[int, dict]:
    answer = org.client.post(f"{V1}/break-glass", headers=headers, json={"nhs_number": number, "reason": REASON})
    return answer.status_code, answer.json()


def _kept(org: Org) -> tuple[int, int]:
    with org.admin.transaction() as session:
        grants = session.scalar(select(func.count()).select_from(BreakGlass)) or 0
        refusals = session.scalar(select(func.count()).select_from(BreakGlassRefusal)) or 0
    return grants, refusals


def test_a_person_on_the_duty_workers_cover_or_caseload_is_not_opened_again(org: Org) -> None:
    org.admin.cover("duty", NOW - timedelta(hours=1), NOW + timedelta(hours=8), team="east")
    org.admin.assign("duty", org.persons["pw"])  # a west person on their own caseload
    duty = org.device("duty")
    for person in ("pa", "pw"):
        status, body = _open(org, duty.headers, nhs_number_of(org, org.persons[person]))
        assert (status, body["reason"]) == (409, "already_held"), body
        assert "already on your caseload or cover" in body["message"]
        by_id = org.client.post(
            f"{V1}/persons/{org.persons[person]}/break-glass", headers=duty.headers, json={"reason": REASON}
        )
        assert (by_id.status_code, by_id.json()["reason"]) == (409, "already_held")
    assert _kept(org) == (0, 0), "neither an opening nor a refused attempt"
    for lead in ("lead.east", "lead.west"):
        health = org.client.get(f"{V1}/team/health", headers=org.device(lead).headers).json()
        assert health["break_glass"] == [], "nothing for the lead: nobody was opened"
    with org.admin.transaction() as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.outcome == "already_held")).all()
        assert len(events) == 4 and {e.person_id for e in events} == {org.persons["pa"], org.persons["pw"]}
        assert all(REASON not in str(e.detail) for e in events), "never the reason's text in the log"


def test_already_held_answers_do_not_use_up_the_limit_and_a_real_opening_still_works(org: Org) -> None:
    org.admin.cover("duty", NOW - timedelta(hours=1), NOW + timedelta(hours=8), team="east")
    duty = org.device("duty")
    for _ in range(DEFAULT_BREAK_GLASS_ATTEMPTS + 2):
        assert _open(org, duty.headers, nhs_number_of(org, org.persons["pa"]))[0] == 409
    status, body = _open(org, duty.headers, nhs_number_of(org, org.persons["pw"]))  # west: outside the cover
    assert status == 200 and body["grant"]["person_id"] == str(org.persons["pw"])


def test_a_cover_that_has_ended_is_no_hold_and_the_opening_is_granted(org: Org) -> None:
    org.admin.cover("duty", NOW - timedelta(hours=10), NOW - timedelta(hours=1), team="east")
    status, body = _open(org, org.device("duty").headers, nhs_number_of(org, org.persons["pa"]))
    assert status == 200, body


def test_the_engine_answers_already_held_and_the_person_is_on_the_laptop(
    demo_server: DemoServer, tmp_path: Path
) -> None:
    with demo_server.admin.transaction() as session:
        team = session.scalars(select(Person.team_id).order_by(Person.id)).first()
        person = session.scalars(select(Person).where(Person.team_id == team).order_by(Person.id)).first()
        assert person is not None
        person_id, number = person.id, str(person.details["nhs_number"])
    now = demo_server.clock.now()
    with demo_server.admin.transaction() as session:
        area = session.scalar(select(Person.details).where(Person.id == person_id))["area"]
    demo_server.admin.cover("gareth.lowe", now - timedelta(hours=1), now + timedelta(hours=8), team=area)
    duty = demo_server.laptop("gareth.lowe", tmp_path / "duty")
    try:
        assert duty.person_with_nhs_number(number) == person_id, "the cover brought them"
        engine = SyncEngine(duty, client_factory=lambda st, _ca: demo_server.factory(st.server, st.token),
                            now=demo_server.clock.now)  # fmt: skip
        typed = f"{number[:3]} {number[3:6]} {number[6:]}"
        answer = engine_mod.request_break_glass_by_nhs_number(engine, typed, REASON)
        assert answer == AlreadyHeld(number)
    finally:
        duty.close()
