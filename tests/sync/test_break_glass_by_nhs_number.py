"""Break-glass by NHS number (issue 13 item 6): a duty worker called out of hours about someone outside their
cover knows the NHS number, not Waymark's id. The reason comes first; a number that finds someone is a
grant the lead sees; one that finds nobody is refused exactly as a person not visible; only duty staff."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from sqlalchemy import select

from app.workspace import Workspace
from storage import models
from sync import engine as engine_mod
from sync.client import SyncFailure
from sync.engine import SyncEngine
from sync.server.models import Person
from tests.sync.conftest import NHS_NUMBERS, V1, Org, nhs_number_of
from tests.sync.inprocess import LEAD, DemoServer

REASON = "Police called the duty line about a welfare concern at the address."


def _open(org: Org, headers: dict[str, str], nhs_number: str, reason: str = REASON) -> tuple[int, dict]:
    answer = org.client.post(f"{V1}/break-glass", headers=headers, json={"nhs_number": nhs_number, "reason": reason})
    return answer.status_code, answer.json()


def test_a_duty_worker_opens_a_person_by_nhs_number_and_the_lead_sees_it(org: Org) -> None:
    duty = org.device("duty")
    person = org.persons["pc"]  # east team, on nobody's caseload and outside any cover
    assert str(person) not in str(duty.pull()["scope"])
    status, body = _open(org, duty.headers, nhs_number_of(org, person))
    assert status == 200, body
    assert body["grant"]["person_id"] == str(person) and body["grant"]["reason"] == REASON
    assert str(person) in duty.pull()["scope"]
    listed = org.client.get(f"{V1}/break-glass", headers=org.device("lead.east").headers).json()["grants"]
    assert [g["person_id"] for g in listed] == [str(person)]


def test_a_number_that_finds_nobody_is_refused_as_a_person_not_visible(org: Org) -> None:
    duty = org.device("duty")
    unknown = "1234567881"  # a valid NHS number nobody here holds
    assert unknown not in NHS_NUMBERS
    status, body = _open(org, duty.headers, unknown)
    by_id = org.client.post(f"{V1}/persons/{uuid.uuid4()}/break-glass", headers=duty.headers, json={"reason": REASON})
    assert (status, body) == (by_id.status_code, by_id.json()) == (404, by_id.json())
    assert body["reason"] == "person_not_visible"


@pytest.mark.parametrize(
    ("number", "reason"),
    [("9434765918", REASON), ("943476591", REASON), ("943 476 5919", REASON), ("9434765919", "too short")],
)
def test_a_bad_number_or_a_missing_reason_opens_nothing(org: Org, number: str, reason: str) -> None:
    status, _ = _open(org, org.device("duty").headers, number, reason)
    assert status == 422
    listed = org.client.get(f"{V1}/break-glass", headers=org.device("lead.east").headers).json()["grants"]
    assert listed == []


def test_a_worker_is_refused_whether_or_not_the_number_exists(org: Org) -> None:
    alice = org.device("alice")
    known = _open(org, alice.headers, nhs_number_of(org, org.persons["pc"]))
    unknown = _open(org, alice.headers, "1234567881")
    assert known == unknown and known[0] == 403 and known[1]["reason"] == "role_may_not_break_glass"


def test_the_engine_opens_by_number_and_says_plainly_when_nobody_is_found(
    demo_server: DemoServer, tmp_path: Path
) -> None:
    laptop = demo_server.laptop(LEAD, tmp_path / "lead")  # not duty: refused, and nothing opened
    try:
        engine = SyncEngine(laptop, client_factory=lambda st, _ca: demo_server.factory(st.server, st.token),
                            now=demo_server.clock.now)  # fmt: skip
        with pytest.raises(SyncFailure) as bad:
            engine_mod.break_glass_by_nhs_number(engine, "943 476 5918", REASON)
        assert "check digit" in str(bad.value) and "Nothing was opened" in str(bad.value)
        with pytest.raises(SyncFailure) as short:
            engine_mod.break_glass_by_nhs_number(engine, "943 476 5919", "urgent")
        assert short.value.reason == "reason_too_short"
        with pytest.raises(SyncFailure) as refused:
            engine_mod.break_glass_by_nhs_number(engine, "943 476 5919", REASON)
        assert refused.value.reason == "role_may_not_break_glass" and not refused.value.retry
    finally:
        laptop.close()


def test_a_duty_laptop_receives_the_person_it_opened_for_the_stated_time(
    demo_server: DemoServer, tmp_path: Path
) -> None:
    with demo_server.admin.transaction() as session:
        person = session.scalars(select(Person).order_by(Person.id)).first()
        assert person is not None
        person_id, number = person.id, str(person.details["nhs_number"])
    duty = demo_server.laptop("gareth.lowe", tmp_path / "duty")
    try:
        assert duty.role() == "duty" and not _on_laptop(duty, person_id)
        engine = SyncEngine(duty, client_factory=lambda st, _ca: demo_server.factory(st.server, st.token),
                            now=demo_server.clock.now)  # fmt: skip
        typed = f"{number[:3]} {number[3:6]} {number[6:]}"  # as a caller reads it out
        grant, report = engine_mod.break_glass_by_nhs_number(engine, typed, REASON)
        assert grant.person_id == person_id and report.persons_added == 1
        assert _on_laptop(duty, person_id)
        with duty.uow.read() as session:
            [hold] = session.scalars(select(models.Assignment).where(models.Assignment.person_id == person_id))
            assert hold.role == "break_glass" and hold.ends_at is not None
    finally:
        duty.close()


def _on_laptop(workspace: Workspace, person_id: uuid.UUID) -> bool:
    with workspace.uow.read() as session:
        return session.get(models.Person, person_id) is not None


def test_a_number_stored_with_spaces_is_found_and_two_records_with_it_open_neither(org: Org) -> None:
    """Reviewer's findings: an import may store "943 476 5919"; duplicate registrations must not open one of
    them at random."""
    duty = org.device("duty")
    with org.admin.transaction() as session:
        pc = session.get(Person, org.persons["pc"])
        assert pc is not None
        spaced = f"{pc.details['nhs_number'][:3]} {pc.details['nhs_number'][3:6]} {pc.details['nhs_number'][6:]}"
        pc.details = {**pc.details, "nhs_number": spaced}
    status, body = _open(org, duty.headers, spaced.replace(" ", ""))
    assert status == 200 and body["grant"]["person_id"] == str(org.persons["pc"])
    with org.admin.transaction() as session:
        pb = session.get(Person, org.persons["pb"])
        assert pb is not None
        pb.details = {**pb.details, "nhs_number": spaced.replace(" ", "")}
    status, body = _open(org, duty.headers, spaced.replace(" ", ""))
    assert (status, body["reason"]) == (409, "nhs_number_ambiguous")


def test_a_retiring_laptop_opens_nobody_new(org: Org) -> None:
    duty = org.device("duty")
    org.admin.retire(str(duty.device_id))
    status, body = _open(org, duty.headers, nhs_number_of(org, org.persons["pc"]))
    assert (status, body["reason"]) == (403, "device_retiring")


def test_twenty_spaces_are_no_reason(org: Org) -> None:
    status, _ = _open(org, org.device("duty").headers, nhs_number_of(org, org.persons["pc"]), " " * 25)
    assert status == 422
