"""Reports on a lead's store: refused (and audited) for a worker, audited for a lead, per-worker audited
on its own; the figures are the measures' over the team's records; the CSV parses and matches."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import date

import pytest
from sqlalchemy import select

from app.governance.csv_export import to_csv
from app.governance.service import GovernanceService, NotPermitted, UnknownTeam
from app.workspace import Workspace
from storage import models
from tests.governance.lead_store import become


def _service(workspace: Workspace) -> GovernanceService:
    assert workspace.config is not None
    return GovernanceService(workspace.uow, workspace.clock, workspace.actor, workspace.config)


def _audit(workspace: Workspace) -> list[tuple[str, str | None, str | None]]:
    with workspace.store.sessions() as session:
        rows = session.scalars(select(models.AuditEvent).order_by(models.AuditEvent.seq))
        return [(e.action, e.record_type, str(e.actor_id)) for e in rows]


def _audit_events(workspace: Workspace) -> list[models.AuditEvent]:
    with workspace.store.sessions() as session:
        events = list(session.scalars(select(models.AuditEvent).order_by(models.AuditEvent.seq)))
        session.expunge_all()
        return events


def test_a_worker_is_refused_with_a_message_and_the_refusal_is_audited(workspace: Workspace) -> None:
    with pytest.raises(NotPermitted, match=r"team leads.*refusal has been recorded"):
        _service(workspace).report("eastmoor", date(2026, 9, 1), date(2026, 11, 30))
    assert _audit(workspace)[-1] == ("refused", "governance_report", str(workspace.actor.staff_id))


def test_a_lead_gets_the_team_report_audited_and_the_by_worker_view_audited_too(workspace: Workspace) -> None:
    lead = become(workspace, "team_lead")
    service = _service(workspace)
    report = service.report("Eastmoor Community Mental Health Team", date(2026, 6, 1), date(2026, 11, 30))
    assert _audit(workspace)[-1] == ("export", "governance_report", str(lead))
    escalations = report.measure("out_of_hours").figure("share_out_of_hours")
    assert escalations.denominator > 0  # the demo team has escalations and welfare checks in the period
    assert report.by_worker == ()

    before = len(_audit(workspace))
    by_worker = service.report("eastmoor", date(2026, 6, 1), date(2026, 11, 30), per_worker=True)
    assert by_worker.by_worker and all(isinstance(w, uuid.UUID) for w, _ in by_worker.by_worker)
    # Who looked at whose figures, and when: the team's report, then one event naming each worker shown.
    events = _audit_events(workspace)[before:]
    assert [(e.action, e.record_type) for e in events] == [("export", "governance_report")] + [
        ("export", "governance_by_worker")
    ] * len(by_worker.by_worker)
    assert [e.record_id for e in events[1:]] == [str(w) for w, _ in by_worker.by_worker]
    assert {e.actor_id for e in events} == {lead} and {e.at for e in events} == {workspace.clock.now()}


def test_one_workers_figures_name_them_in_the_audit_and_are_theirs_alone(workspace: Workspace) -> None:
    from app.governance.evidence import Evidence, of_worker
    from app.governance.report import measures
    from storage import records
    from storage.repo import governance as governance_repo

    lead = become(workspace, "team_lead")
    service = _service(workspace)
    workers = service.workers()
    assert workers and [n for _, n in workers] == sorted(n for _, n in workers)
    first, last = date(2026, 6, 1), date(2026, 11, 30)
    team = service.report("eastmoor", first, last)
    sam = next(sid for sid, name in workers if name == "Sam Okafor")
    before = len(_audit(workspace))
    report = service.report("eastmoor", first, last, worker=sam)

    events = _audit_events(workspace)[before:]
    assert [(e.action, e.record_type, e.record_id, e.actor_id) for e in events] == [
        ("export", "governance_report", events[0].record_id, lead),
        ("export", "governance_by_worker", str(sam), lead),
    ]
    assert [w for w, _ in report.by_worker] == [sam]
    assert report.measures == team.measures, "the team's figures stay as they were"
    with workspace.store.sessions() as session:
        team_id = governance_repo.teams(session)[0].id
        evidence = Evidence.from_envelopes(
            [records.envelope(r) for r in governance_repo.team_records(session, team_id)]
        )
    assert workspace.config is not None
    nation = service.teams()[0].nation
    theirs = measures(of_worker(evidence, sam), report.period, workspace.config.pathways, nation, report.as_of)
    expected = {(m.key, f.key): (f.numerator, f.denominator, f.cases) for m in theirs for f in m.figures
                if m.key != "learning_actions"}  # fmt: skip
    shown = {(m.key, f.key): (f.numerator, f.denominator, f.cases) for m in report.by_worker[0][1] for f in m.figures}
    assert shown == expected
    assert any(f.cases for m in report.by_worker[0][1] for f in m.figures), "Sam recorded in the period"


def test_a_worker_asking_for_per_worker_figures_is_refused_and_the_refusal_names_what_was_asked(
    workspace: Workspace,
) -> None:
    service = _service(workspace)
    colleague = service.workers()[-1][0]
    with pytest.raises(NotPermitted, match=r"^Per-worker governance figures are for team leads.*refusal has been"):
        service.report("eastmoor", date(2026, 9, 1), date(2026, 11, 30), worker=colleague)
    refused = _audit_events(workspace)[-1]
    assert (refused.action, refused.record_type, refused.record_id) == (
        "refused", "governance_by_worker", str(colleague),
    )  # fmt: skip
    with pytest.raises(NotPermitted, match=r"^Per-worker governance figures are for team leads"):
        service.report("eastmoor", date(2026, 9, 1), date(2026, 11, 30), per_worker=True)
    assert _audit(workspace)[-1] == ("refused", "governance_by_worker", str(workspace.actor.staff_id))


def test_an_unknown_team_is_named_with_the_teams_there_are(workspace: Workspace) -> None:
    become(workspace, "team_lead")
    with pytest.raises(UnknownTeam, match="Eastmoor Community Mental Health Team"):
        _service(workspace).report("nowhere", date(2026, 6, 1), date(2026, 11, 30))


def test_the_csv_parses_and_matches_the_measures(workspace: Workspace) -> None:
    become(workspace, "team_lead")
    report = _service(workspace).report("eastmoor", date(2026, 6, 1), date(2026, 11, 30))
    rows = list(csv.DictReader(io.StringIO(to_csv(report))))

    figures = {(r["measure"], r["figure"]): r for r in rows if r["row"] == "figure"}
    expected = {(m.key, f.key): f for m in report.measures for f in m.figures}
    assert figures.keys() == expected.keys()
    for key, figure in expected.items():
        row = figures[key]
        assert (int(row["numerator"]), int(row["denominator"]), row["value"]) == (
            figure.numerator, figure.denominator, figure.text(),
        )  # fmt: skip
        listed = [r for r in rows if r["row"] == "record" and (r["measure"], r["figure"]) == key]
        assert {uuid.UUID(r["record_id"]) for r in listed} == set(figure.cases) | set(figure.pending)
        counted = {uuid.UUID(r["record_id"]) for r in listed if r["role"].startswith("counted")}
        assert counted == set(figure.counted)
    assert rows[0]["row"] == "report" and "last synced" in rows[0]["note"]
    trend_months = {(r["period_first"], r["period_last"]) for r in rows if r["row"] == "trend"}
    assert len(trend_months) == 6  # June to November


def test_the_report_states_when_its_data_was_last_synced(workspace: Workspace) -> None:
    become(workspace, "team_lead")
    service = _service(workspace)
    never = service.report("eastmoor", date(2026, 6, 1), date(2026, 11, 30))
    assert never.synced_text().startswith("never: this laptop has not completed a sync with the server")
    with workspace.store.sessions.begin() as session:
        session.merge(models.Meta(key="sync.last_success", value="2026-11-26T09:15:00+00:00"))
    assert service.report("eastmoor", date(2026, 6, 1), date(2026, 11, 30)).synced_text() == "26 Nov 2026 09:15 UTC"


def test_the_last_sync_key_is_the_sync_engines() -> None:
    from app.governance.service import LAST_SYNC_KEY
    from sync.engine import LAST_SUCCESS

    assert LAST_SYNC_KEY == LAST_SUCCESS


def test_required_actions_agree_with_the_escalation_windows_timeliness(workspace: Workspace) -> None:
    """The report's reading of each pathway timescale is the escalation window's own, on the demo records."""
    from app.governance.evidence import Evidence
    from app.governance.timeliness import pathway_of, required_actions
    from storage import records
    from storage.repo import governance as governance_repo

    with workspace.store.sessions() as session:
        team = governance_repo.teams(session)[0]
        envelopes = [records.envelope(row) for row in governance_repo.team_records(session, team.id)]
    evidence = Evidence.from_envelopes(envelopes)
    assert workspace.config is not None and evidence.cases
    for case in evidence.cases:
        pathway = pathway_of(case, workspace.config.pathways)
        assert pathway is not None
        mine = [(r.node_id, r.due_by, r.first_done_at) for r in required_actions(case, pathway)]
        window = [(t.node.id, t.due_by, t.first_done_at) for t in workspace.escalations.get(case.id).timeliness()]
        assert mine == window


def test_a_workers_figures_drill_down_to_their_records_in_the_csv(workspace: Workspace) -> None:
    become(workspace, "team_lead")
    report = _service(workspace).report("eastmoor", date(2026, 6, 1), date(2026, 11, 30), per_worker=True)
    rows = list(csv.DictReader(io.StringIO(to_csv(report))))
    assert report.by_worker
    for worker, worker_measures in report.by_worker:
        for measure in worker_measures:
            for figure in measure.figures:
                key = (measure.key, figure.key, str(worker))
                listed = [
                    r for r in rows if r["row"] == "record" and (r["measure"], r["figure"], r["worker_id"]) == key
                ]
                assert {uuid.UUID(r["record_id"]) for r in listed} == set(figure.cases) | set(figure.pending)
                shown = [r for r in rows if r["row"] == "worker" and (r["measure"], r["figure"], r["worker_id"]) == key]
                assert [(int(r["numerator"]), int(r["denominator"])) for r in shown] == [
                    (figure.numerator, figure.denominator)
                ]
    team_records = {
        (r["measure"], r["figure"], r["record_id"]) for r in rows if r["row"] == "record" and not r["worker_id"]
    }
    worker_records = {
        (r["measure"], r["figure"], r["record_id"]) for r in rows if r["row"] == "record" and r["worker_id"]
    }
    # A worker's records are among the team's: the same records, seen for one worker.
    assert worker_records and worker_records <= team_records


def test_a_team_known_only_as_a_colleagues_team_is_never_offered_for_a_report(workspace: Workspace) -> None:
    """Pull pages file the team of every colleague who wrote a record (a duty team from elsewhere), so a note can
    say who wrote it. Such a team holds no persons here: offered first by name, it made an empty default report."""
    become(workspace, "team_lead")
    with workspace.store.sessions() as session, session.begin():
        org = session.scalars(select(models.Organisation)).one()
        session.add(models.Team(id=uuid.uuid4(), organisation_id=org.id, name="Acute duty team", area="elsewhere",
                                nation="england"))  # fmt: skip
    names = [t.name for t in _service(workspace).teams()]
    assert names and "Acute duty team" not in names


def test_a_colleague_of_another_team_is_not_offered_as_one_of_the_leads_workers(workspace: Workspace) -> None:
    """A duty worker of another team who wrote a note here is named on the note, but is not the lead's to
    supervise or to look at the figures of."""
    become(workspace, "team_lead")
    with workspace.store.sessions() as session, session.begin():
        org = session.scalars(select(models.Organisation)).one()
        elsewhere = models.Team(id=uuid.uuid4(), organisation_id=org.id, name="Acute duty team", area="elsewhere",
                                nation="england")  # fmt: skip
        session.add(elsewhere)
        session.flush()
        session.add(models.Staff(id=uuid.uuid4(), organisation_id=org.id, team_id=elsewhere.id, name="Ola Visitor",
                                 role="duty", phone=None))  # fmt: skip
    assert "Ola Visitor" in workspace.staff_names().values(), "still named on what they wrote"
    assert "Ola Visitor" not in [name for _, name in _service(workspace).workers()]
    staff, _persons = workspace.lead.team()
    assert "Ola Visitor" not in [name for _, name, _ in staff]
    assert staff, "the lead's own team is still offered"
