"""Out-of-hours cover end to end against a real server: a duty worker granted cover for the Eastmoor team
gets its persons' plans on the laptop with the shift's end; when the shift ends, those persons leave the
laptop only after what was recorded for them there has been sent (never before)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from storage import models
from sync.engine import SyncEngine, SyncReport
from tests.sync.live.conftest import LiveServer, enrolled_workspace
from tests.sync.live.helpers import persons, record_notes

DUTY = "gareth.lowe"


def _stamp(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_cover_brings_the_team_for_the_shift_and_takes_it_away_after_sending(
    live_server: LiveServer, tmp_path: Path
) -> None:
    now = datetime.now(UTC)
    end = now + timedelta(hours=10)
    live_server.admin(
        "cover", "--user", DUTY, "--team", "eastmoor", "--from", _stamp(now - timedelta(minutes=5)), "--to", _stamp(end)
    )
    duty = enrolled_workspace(live_server, tmp_path / "duty", user=DUTY)
    try:
        team = persons(duty)
        assert len(team) == 4 and {r.person_id for r in duty.caseload.rows()} == set(team)
        [shift] = duty.cover_now()
        assert shift.team.startswith("Eastmoor") and shift.persons == 4
        assert abs((shift.until - end).total_seconds()) < 1
        with duty.uow.read() as session:
            # Each covered person's plan in force came with them (its steps hold their crisis contacts).
            with_plan = session.scalar(
                select(func.count(func.distinct(models.SafetyPlan.person_id))).where(
                    models.SafetyPlan.head_revision_id.is_not(None)
                )
            )
        assert with_plan == 4

        note = record_notes(duty, team[0], 1)[0]
        live_server.admin("end-cover", "--user", DUTY)
        # A pull alone (the push not yet done): the person with an unsent note stays, the others go.
        engine = SyncEngine(duty)
        client = engine.client_factory(engine.state(), None)
        try:
            engine._pull(client, engine.state(), SyncReport(), resnapshot=False)
        finally:
            client.close()
        assert persons(duty) == [team[0]], "never removed before what was recorded for them is sent"
        assert note not in live_server.records()

        SyncEngine(duty).sync()
        assert note in live_server.records()
        assert persons(duty) == [] and duty.cover_now() == [] and duty.caseload.rows() == []
    finally:
        duty.close()
