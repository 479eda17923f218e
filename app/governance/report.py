"""A governance report: every measure for a team and period, with a monthly trend of each."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from app.governance.dynamic_review import dynamic_review
from app.governance.evidence import Evidence, authors, of_worker
from app.governance.figures import Measure, ReportPeriod, Settings, day_text
from app.governance.follow_up import follow_up_completion
from app.governance.learning import learning_actions, review_coverage
from app.governance.out_of_hours import out_of_hours_activity
from app.governance.plan_use import safety_plan_use
from app.governance.timeliness import escalation_timeliness, welfare_check_adherence
from app.pathways import PathwayLibrary
from app.persons import Nation
from app.sync_health import last_sync_words

ABOUT = (
    "These are process measures about the service: whether what its own pathways and policies ask was "
    "done, and when. They are not judgements about the people supported, and none of them is a risk "
    "score, level or category. Records count in the period they happened in, not when they reached the "
    "server. Where no case fell in the period a figure says so: it is never shown as 0% or 100%."
)


@dataclass(frozen=True)
class Report:
    team: str
    period: ReportPeriod
    as_of: datetime
    last_synced: datetime | None  # when the device last synced; None when it never has, or on the server
    measures: tuple[Measure, ...]
    trend: tuple[tuple[ReportPeriod, tuple[Measure, ...]], ...]
    unreadable: int = 0
    by_worker: tuple[tuple[uuid.UUID, tuple[Measure, ...]], ...] = field(default=())
    on_server: bool = False  # made from the server's records (which are the synced ones)

    def synced_text(self) -> str:
        """When the data was last synced, in words: a device's report is only as new as its last sync."""
        if self.on_server:
            return "the server's records, as received by the time the report was made"
        return last_sync_words(self.last_synced)

    def measure(self, key: str) -> Measure:
        return next(m for m in self.measures if m.key == key)


def measures(
    evidence: Evidence,
    period: ReportPeriod,
    library: PathwayLibrary,
    nation: Nation,
    as_of: datetime,
    settings: Settings | None = None,
) -> tuple[Measure, ...]:
    settings = settings or Settings()
    return (
        escalation_timeliness(evidence, period, library, as_of),
        welfare_check_adherence(evidence, period, library, as_of),
        safety_plan_use(evidence, period, settings, as_of),
        dynamic_review(evidence, period, settings, as_of),
        follow_up_completion(evidence, period, as_of),
        out_of_hours_activity(evidence, period, nation),
        learning_actions(evidence, period, as_of),
        review_coverage(evidence, period, settings, as_of),
    )


def build(
    evidence: Evidence,
    team: str,
    period: ReportPeriod,
    library: PathwayLibrary,
    nation: Nation,
    as_of: datetime,
    *,
    settings: Settings | None = None,
    last_synced: datetime | None = None,
    per_worker: bool = False,
    worker: uuid.UUID | None = None,
    on_server: bool = False,
) -> Report:
    """The team's report. ``per_worker`` adds each worker's figures, ``worker`` one worker's (their figures
    say "no cases" when they recorded none in the team's records): the caller must hold the lead role and
    audit the request (governance is for learning, not blame)."""
    trend = tuple((month, measures(evidence, month, library, nation, as_of, settings)) for month in period.months())
    # Learning actions are the service's, agreed with or about workers: they stay on the team's figures
    # rather than be pinned on whoever's notes a worker's row is made from.
    workers = (
        tuple(
            (
                author,
                tuple(
                    m
                    for m in measures(of_worker(evidence, author), period, library, nation, as_of, settings)
                    if m.key != "learning_actions"
                ),
            )
            for author in ([worker] if worker is not None else authors(evidence))
        )
        if per_worker or worker is not None
        else ()
    )
    return Report(
        team, period, as_of, last_synced, measures(evidence, period, library, nation, as_of, settings), trend,
        len(evidence.unreadable), workers, on_server,
    )  # fmt: skip


def summary(report: Report, worker_names: dict[uuid.UUID, str] | None = None) -> list[str]:
    """The report as plain lines for a terminal: each measure, each figure, no record ids."""
    lines = [
        f"Governance measures: {report.team}, {report.period.label()} (London days, both included)",
        f"Made {day_text(report.as_of)} {report.as_of:%H:%M} UTC. Data last synced: {report.synced_text()}.",
    ]
    if report.unreadable:
        lines.append(f"{report.unreadable} record(s) were written by a newer Waymark and are not counted.")
    for measure in report.measures:
        lines.append("")
        lines.append(measure.title)
        lines.extend(f"  {f.label}: {f.text()}" + (f" ({len(f.pending)} pending)" if f.pending else "")
                     for f in measure.figures)  # fmt: skip
    for worker, worker_measures in report.by_worker:
        name = (worker_names or {}).get(worker, str(worker))
        lines.append("")
        lines.append(f"Recorded by {name}")
        lines.extend(f"  {m.title} — {f.label}: {f.text()}" for m in worker_measures for f in m.figures)
    return lines
