"""An escalation recorded offline that a failing link cannot push: the heartbeat sent before the push tells
the team lead that one is waiting on the worker's laptop (issue 14 item 5), and nothing is lost."""

from __future__ import annotations

import html
import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from app import sync_health
from app.escalations import EscalationDraft
from storage import models
from sync.client import SyncClient, SyncFailure
from tests.sync.inprocess import LEAD, WORKER, DemoServer


def _dead_zone(*_: object, **__: object) -> None:
    raise SyncFailure("The connection dropped part way.", reason="unreachable", retry=True)


def test_a_lead_learns_of_an_escalation_the_push_could_not_carry(
    demo_server: DemoServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    worker = demo_server.laptop(WORKER, tmp_path / "worker")
    lead = demo_server.laptop(LEAD, tmp_path / "lead")
    try:
        with worker.uow.read() as session:
            person = session.scalars(select(models.Person.id).order_by(models.Person.id)).first()
        assert person is not None and worker.config is not None and worker.config.pathways.criteria is not None
        criterion = worker.config.pathways.criteria.criteria[0].code
        escalation, _ = worker.escalations.start(
            EscalationDraft(person, [criterion], "Said they have a plan for tonight.")
        )
        # Two steps recorded on it: still one escalation to the lead (issue: "3" for one escalation).
        due = demo_server.clock.now() + timedelta(hours=2)
        worker.escalations.set_follow_up(escalation.id, due, "Sam")
        worker.escalations.set_follow_up(escalation.id, due + timedelta(hours=1), "Sam")
        with monkeypatch.context() as patched:
            patched.setattr(SyncClient, "push", _dead_zone)
            with pytest.raises(SyncFailure):
                demo_server.sync(worker)
        assert worker.outbox_pending() == 3  # still here, still to go
        demo_server.sync(lead)
        with lead.uow.read() as session:
            report = json.loads(session.get(models.Meta, sync_health.META_KEY).value)  # type: ignore[union-attr]
        [device] = [d for d in report["devices"] if d["unsent_escalations"]]
        assert (device["unsent"], device["unsent_escalations"]) == (3, 1)
        banner = html.unescape(sync_health.describe(report, demo_server.clock.now()))
        assert f"{device['name']} (1 escalation, reported" in banner
        demo_server.sync(worker)  # the link is back: it goes, and the next heartbeat says so
        demo_server.sync(lead)
        with lead.uow.read() as session:
            report = json.loads(session.get(models.Meta, sync_health.META_KEY).value)  # type: ignore[union-attr]
        assert all(not d["unsent_escalations"] for d in report["devices"])
    finally:
        worker.close()
        lead.close()
