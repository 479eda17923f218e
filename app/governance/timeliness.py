"""Escalation timeliness and missed-contact pathway adherence: each required action on the path taken,
against the pathway's own timescale for it.

A pathway's action node may carry ``within_minutes``, its local standard counted from when the concern
was identified. The path taken is replayed from the recorded events with ``app.pathways.walk``, exactly
as the escalation window replays it, so a report and the window never disagree about what was due.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from app.governance.evidence import Case, Evidence
from app.governance.figures import Figure, Measure, ReportPeriod, count, median, share
from app.pathways import MOVE_ON, NodeType, Pathway, PathwayLibrary, Step, walk

ESCALATION = "escalation"
WELFARE_CHECK = "welfare-check"


@dataclass(frozen=True, slots=True)
class RequiredAction:
    node_id: str
    due_by: datetime
    first_done_at: datetime | None

    def met(self, as_of: datetime) -> bool | None:
        """True or False once it can be said; None while its timescale has not yet run out."""
        if self.first_done_at is not None:
            return self.first_done_at <= self.due_by
        return False if as_of > self.due_by else None


def pathway_of(case: Case, library: PathwayLibrary) -> Pathway | None:
    """The exact version the case used; else the current one of the same id (as the window does)."""
    return library.get(case.pathway_id) or library.get(case.pathway_id.partition("@")[0])


def required_actions(case: Case, pathway: Pathway) -> list[RequiredAction]:
    """Each action node with a timescale on the path taken, with when it was first acted on (any step
    recorded at it, reached or not: an attempt is acting on it). Mirrors Escalation.timeliness."""
    # "other" actions are kept in the record but never move the pathway on (app.escalations._load).
    steps = [
        Step(e.node_id, e.answer, e.reached)
        for e in case.events
        if e.event in ("answer", "action") and e.action != "other"
    ]
    path = walk(pathway, steps).path
    result = []
    for node_id in dict.fromkeys(path):
        node = pathway.node(node_id)
        if node.type is not NodeType.ACTION or node.within_minutes is None:
            continue
        # Moving on after nobody was reached is a decision, not acting on the step (as in the window).
        done = [
            e.at
            for e in case.events
            if e.node_id == node_id and (e.event == "action" or (e.event == "answer" and e.answer != MOVE_ON))
        ]
        result.append(
            RequiredAction(
                node_id, case.identified_at + timedelta(minutes=node.within_minutes), min(done, default=None)
            )
        )
    return result


def first_action_minutes(case: Case) -> int | None:
    """Trigger to first action: minutes from identifying the concern to the first thing done about it."""
    times = [e.at for e in case.events if e.event == "action"]
    return None if not times else max(0, int((min(times) - case.identified_at).total_seconds() // 60))


@dataclass
class _Tally:
    first: dict[uuid.UUID, int] = field(default_factory=dict)
    no_action: list[uuid.UUID] = field(default_factory=list)
    whole_met: list[uuid.UUID] = field(default_factory=list)
    whole_cases: list[uuid.UUID] = field(default_factory=list)
    whole_pending: list[uuid.UUID] = field(default_factory=list)
    steps: list[tuple[uuid.UUID, bool | None]] = field(default_factory=list)

    def step_share(self, key: str, label: str) -> Figure:
        # A case id appears once per required action it had, so numerator and denominator count actions.
        met = [cid for cid, r in self.steps if r is True]
        judged = [cid for cid, r in self.steps if r is not None]
        pending = [cid for cid, r in self.steps if r is None]
        return share(key, label, met, judged, list(dict.fromkeys(pending)))

    def whole_share(self, key: str, label: str) -> Figure:
        return share(key, label, self.whole_met, self.whole_cases, self.whole_pending)


def _tally(kind: str, evidence: Evidence, period: ReportPeriod, library: PathwayLibrary, as_of: datetime) -> _Tally:
    tally = _Tally()
    for case in evidence.cases:
        if case.kind != kind or not period.holds(case.identified_at):
            continue
        minutes = first_action_minutes(case)
        if minutes is None:
            tally.no_action.append(case.id)
        else:
            tally.first[case.id] = minutes
        pathway = pathway_of(case, library)
        if pathway is None:
            # The pathway version it used is not loaded here: it cannot be judged, so it is not counted.
            tally.whole_pending.append(case.id)
            continue
        results = [r.met(as_of) for r in required_actions(case, pathway)]
        tally.steps.extend((case.id, r) for r in results)
        if not results:
            continue
        if False in results:
            tally.whole_cases.append(case.id)
        elif None in results:
            tally.whole_pending.append(case.id)
        else:
            tally.whole_cases.append(case.id)
            tally.whole_met.append(case.id)
    return tally


def escalation_timeliness(
    evidence: Evidence, period: ReportPeriod, library: PathwayLibrary, as_of: datetime
) -> Measure:
    """Escalation timeliness, over escalations (a worker's escalation against the threshold criteria, not
    the missed-contact welfare check) whose concern was identified within the period.

    - ``first_action``: median minutes from the concern being identified to the first action recorded
      (a call, text, email, visit, a step done, or anything else done), over those with an action.
    - ``no_action``: count of those escalations with no action recorded yet.
    - ``required_actions``: numerator = required actions (pathway action nodes with a timescale, on the
      path taken) first acted on by identified time + the node's timescale; denominator = the same
      required actions that were acted on, or whose timescale had run out by the time of the report. A
      required action still within its timescale is pending: listed, not counted.
    - ``all_within``: numerator = escalations whose every required action was within its timescale;
      denominator = escalations with at least one required action that can be judged (none pending).
    """
    tally = _tally(ESCALATION, evidence, period, library, as_of)
    return Measure(
        "escalation_timeliness",
        "Escalation timeliness",
        escalation_timeliness.__doc__ or "",
        (
            median("first_action", "Concern identified to first action", tally.first),
            count("no_action", "Escalations with no action recorded", tally.no_action),
            tally.step_share("required_actions", "Required actions within the pathway's timescale"),
            tally.whole_share("all_within", "Escalations with every required action in time"),
        ),
    )


def welfare_check_adherence(
    evidence: Evidence, period: ReportPeriod, library: PathwayLibrary, as_of: datetime
) -> Measure:
    """Missed-contact pathway adherence, over welfare checks (raised by the missed-contact policy on a
    second missed contact within its window) whose second miss was identified within the period.

    - ``required_steps``: numerator = welfare-check steps with a timescale, on the path taken, first
      acted on within it; denominator = those steps acted on, or whose timescale had run out by the time
      of the report (pending ones are listed, not counted).
    - ``all_within``: numerator = welfare checks whose every timed step was within its timescale;
      denominator = welfare checks with at least one timed step that can be judged and none pending.
    - ``no_action``: count of welfare checks with no action recorded yet.
    """
    tally = _tally(WELFARE_CHECK, evidence, period, library, as_of)
    return Measure(
        "welfare_check_adherence",
        "Missed-contact pathway adherence",
        welfare_check_adherence.__doc__ or "",
        (
            tally.step_share("required_steps", "Welfare-check steps within their timescale"),
            tally.whole_share("all_within", "Welfare checks with every step in time"),
            count("no_action", "Welfare checks with no action recorded", tally.no_action),
        ),
    )
