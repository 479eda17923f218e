"""The lead's laptop and the server compute the same governance figures from the same records.

A worker records an escalation offline and syncs; the team lead's laptop syncs the team's records; the
report made on the laptop and the one `waymark-server report` makes from the server's records agree,
figure by figure and record by record."""

from __future__ import annotations

import csv
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

from app.clock import FixedClock
from app.escalations import ActionDraft, ActionKind, EscalationDraft
from app.governance.report import Report
from app.governance.service import GovernanceService
from sync.engine import SyncEngine
from sync.server.admin import Admin
from sync.server.report import team_report
from tests.sync.live.conftest import LEAD, SERVER, LiveServer, enrolled_workspace
from tests.sync.live.helpers import persons


def _figures(report: Report) -> dict[tuple[str, str], tuple[int, int, str, frozenset, frozenset]]:
    return {
        (m.key, f.key): (f.numerator, f.denominator, f.text(), frozenset(f.cases), frozenset(f.pending))
        for m in report.measures
        for f in m.figures
    }


def test_the_lead_laptop_and_the_server_agree_on_the_same_records(live_server: LiveServer, tmp_path: Path) -> None:
    worker = enrolled_workspace(live_server, tmp_path / "worker")
    try:
        assert worker.config is not None and worker.config.pathways.criteria is not None
        criterion = worker.config.pathways.criteria.criteria[0].code
        esc, _ = worker.escalations.start(
            EscalationDraft(persons(worker)[0], [criterion], "Said they have a plan for tonight.")
        )
        node = esc.walk.current
        while node.type.value == "question":
            esc, _ = worker.escalations.answer(esc.id, node.id, node.answers[-1].label)
            node = esc.walk.current
        worker.escalations.record_action(esc.id, ActionDraft(node.id, ActionKind.PHONED, reached=True))
        SyncEngine(worker).sync()
    finally:
        worker.close()

    lead = enrolled_workspace(live_server, tmp_path / "lead", user=LEAD)
    try:
        assert lead.config is not None
        as_of = datetime.now(UTC).replace(microsecond=0)
        first, last = (as_of - timedelta(days=400)).date(), as_of.date()
        on_laptop = GovernanceService(lead.uow, FixedClock(as_of), lead.actor, lead.config).report(
            "eastmoor", first, last
        )
    finally:
        lead.close()
    with Admin(live_server.db, clock=FixedClock(as_of)) as admin:
        on_server = team_report(admin, "eastmoor", first, last)

    assert _figures(on_laptop) == _figures(on_server)
    assert esc.id in on_server.measure("escalation_timeliness").figure("first_action").cases
    assert on_server.measure("out_of_hours").figure("share_out_of_hours").denominator >= 1
    assert on_laptop.unreadable == on_server.unreadable == 0
    assert on_laptop.synced_text() != on_server.synced_text()

    # The command line gives the same figures (counts that do not depend on the moment it runs).
    out = tmp_path / "server.csv"
    done = subprocess.run(
        [SERVER, "report", "--db", live_server.db, "--team", "eastmoor", "--from", str(first), "--to", str(last),
         "--csv", str(out)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    with out.open(encoding="utf-8") as handle:
        rows = {(r["measure"], r["figure"]): r for r in csv.DictReader(handle) if r["row"] == "figure"}
    for key in (("out_of_hours", "share_out_of_hours"), ("out_of_hours", "in_hours")):
        assert int(rows[key]["denominator"]) == _figures(on_server)[key][1]
