"""`waymark demo --role team_lead`: a lead's store holding the demo team's records, as if synced."""

from pathlib import Path

from sqlalchemy import select

from app.actions import ActionState
from app.workspace import Workspace
from storage import models
from tests.cli.test_cli import waymark
from tests.conftest import PASSPHRASE


def test_the_lead_demo_holds_the_teams_records_and_nothing_unsent(tmp_path: Path) -> None:
    data = tmp_path / "lead"
    made = waymark("demo", "--data-dir", str(data), "--persons", "8", "--seed", "3", "--role", "team_lead")
    assert made.returncode == 0, made.stderr
    assert "team lead" in made.stdout
    ws = Workspace.open(data, PASSPHRASE)
    try:
        assert ws.role() == "team_lead"
        assert ws.outbox_pending() == 0, "everything on a lead's laptop arrived by sync"
        with ws.uow.read() as session:
            staff = {s.id: s for s in session.scalars(select(models.Staff))}
            assert staff[ws.actor.staff_id].name == "Priya Natarajan"
            authors = {staff[a].role for a in session.scalars(select(models.ContactNote.author_id))}
            assert len(set(session.scalars(select(models.ContactNote.author_id)))) >= 3 and authors == {"worker"}
            escalations = list(session.scalars(select(models.Escalation)))
            kinds = {
                (e.kind, e.period if e.kind == "escalation" and e.author_id != ws.actor.staff_id else "")
                for e in escalations
            }
            assert ("escalation", "out-of-hours") in kinds and ("welfare-check", "") in kinds
            assert {staff[e.author_id].role for e in escalations} == {"worker", "duty"}
            assert session.scalars(select(models.MissedContactEpisode)).first() is not None
            reviewed = list(session.scalars(select(models.RecordReview)))
            assert reviewed and {r.author_id for r in reviewed} == {ws.actor.staff_id}
        states = [a.state for a in ws.lead.actions()]
        assert ActionState.OVERDUE in states and ActionState.DONE in states
    finally:
        ws.close()
    # A worker's demo is still the default.
    worker = waymark("demo", "--data-dir", str(tmp_path / "worker"), "--persons", "4")
    assert worker.returncode == 0 and "demo worker's caseload" in worker.stdout
