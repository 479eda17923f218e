"""The demo organisation's second team (a new user's finding: the demo held nobody outside the duty worker's
cover, so the README's night-shift story could not be tried). Westdale has a few persons of its own, with
plans, on its own worker's caseload; the NHS number the README gives is one of them, and breaking glass for
it as the README says is listed to both leads."""

from __future__ import annotations

import re
import warnings
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from app import nhs_number
from app.clock import FixedClock
from sync.protocol import API_PREFIX as V1
from sync.server import demo
from sync.server.admin import Admin
from sync.server.api import create_app
from sync.server.models import Person, PlanHead, Team
from tests.conftest import NOW

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

README = Path(__file__).resolve().parents[2] / "README.md"
REASON = "Police called the duty line about a welfare concern at the address."


def _readme_number() -> str:
    section = README.read_text(encoding="utf-8").split("## The demo: a second worker", 1)[1].split("\n## ", 1)[0]
    [number] = re.findall(r"NHS number (\d{3} \d{3} \d{4})", section)
    return nhs_number.normalise(number)


def test_the_readmes_night_shift_number_is_a_westdale_person_outside_gareths_cover(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'server.db'}"
    clock = FixedClock(NOW)
    admin = Admin(url, clock=clock)
    client = TestClient(create_app(url, clock=clock))
    try:
        users = demo.load(admin, persons=4, now=NOW)  # make run's seed; Westdale's numbers do not move with size
        assert ("chidi.obi", "worker", "westdale") in users and ("hannah.fry", "team_lead", "westdale") in users
        with admin.transaction() as session:
            westdale = session.scalars(select(Team.id).where(Team.area == "westdale")).one()
            persons = session.scalars(select(Person).where(Person.team_id == westdale)).all()
            planned = set(session.scalars(select(PlanHead.person_id)))
            numbers = {str(p.details["nhs_number"]): p.id for p in persons}
            assert len(persons) == demo.OTHER_TEAM_PERSONS and all(p.id in planned for p in persons), "with plans"
            assert all(p.details["area"] == "westdale" for p in persons)
            eastmoor = session.scalars(select(Person).where(Person.team_id != westdale)).all()
            assert len(eastmoor) == 4, "the Eastmoor count is still what was asked for"
        number = _readme_number()
        assert number in numbers
        # As the README says: Gareth covers Eastmoor tonight, and a caller asks about the Westdale person.
        admin.cover("gareth.lowe", NOW - timedelta(hours=2), NOW + timedelta(hours=8), team="eastmoor")

        def headers(user: str) -> dict[str, str]:
            enrolled = client.post(
                f"{V1}/enrol", json={"code": admin.enrol_code(user), "device_name": "laptop", "app_version": "0.1"}
            )
            return {"Authorization": f"Bearer {enrolled.json()['token']}"}

        gareth = headers("gareth.lowe")
        assert str(numbers[number]) not in str(client.get(f"{V1}/pull", headers=gareth).json()["scope"])
        opened = client.post(f"{V1}/break-glass", headers=gareth, json={"nhs_number": number, "reason": REASON})
        assert opened.status_code == 200, opened.text
        for lead in ("priya.natarajan", "hannah.fry"):
            [grant] = client.get(f"{V1}/team/health", headers=headers(lead)).json()["break_glass"]
            assert (grant["user_name"], grant["person_id"]) == ("Gareth Lowe", str(numbers[number]))
        # And an Eastmoor person's number, on his cover, just opens them.
        held = str(eastmoor[0].details["nhs_number"])
        again = client.post(f"{V1}/break-glass", headers=gareth, json={"nhs_number": held, "reason": REASON})
        assert (again.status_code, again.json()["reason"]) == (409, "already_held")
    finally:
        client.close()
        admin.engine.dispose()
        client.app.state.engine.dispose()  # type: ignore[attr-defined]
