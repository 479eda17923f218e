"""`waymark demo --role team_lead`: a lead's store holding the demo team's records, as if synced."""

import html
import json
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from app import sync_health
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
        _the_sync_story_holds_together(ws)
    finally:
        ws.close()
    # A worker's demo is still the default.
    worker = waymark("demo", "--data-dir", str(tmp_path / "worker"), "--persons", "4")
    assert worker.returncode == 0 and "demo worker's caseload" in worker.stdout


def _the_sync_story_holds_together(ws: Workspace) -> None:
    """The banner, the dashboard's report and the workers' syncs say one thing: the laptop's record of its
    last sync is the server report's time, and nobody whose records the lead holds is "never synced"."""
    last = ws.last_synced()
    assert last is not None
    with ws.uow.read() as session:
        meta = {m.key: m.value for m in session.scalars(select(models.Meta))}
        devices = {d.staff_id: d.last_sync_at for d in session.scalars(select(models.Device))}
        made = [(n.author_id, n.recorded_at) for n in session.scalars(select(models.ContactNote))]
    report = json.loads(meta[sync_health.META_KEY])
    assert datetime.fromisoformat(report["as_of"]) == last
    banner = html.unescape(ws.team_health_text())
    words = sync_health.last_sync_words(last)
    assert f"this laptop's last sync, {words}" in banner and "never synced" not in banner
    area, _nation = ws.home_team()
    assert area is not None
    made_report = ws.governance.report(area, last.date() - timedelta(days=30), last.date())
    assert made_report.synced_text() == words
    for author, created in made:
        assert devices[author] is not None and created <= devices[author], "each note reached the lead by a sync"
