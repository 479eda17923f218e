"""Governance reports on this device: only for a team lead (or admin), and audited either way.

A worker's laptop holds their own caseload, not the team's, and governance figures are the lead's
business: a worker asking is refused with a message, and the refusal is itself in the audit log. A
per-worker breakdown is audited as its own event, so who looked at whose figures is always on record.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from app import audit
from app.clock import Clock
from app.errors import NotPermitted, WaymarkError
from app.governance.evidence import Evidence
from app.governance.figures import ReportPeriod, Settings
from app.governance.report import Report, build
from app.org_config import OrgConfig
from app.persons import Nation
from storage import records
from storage.repo import device as device_repo
from storage.repo import governance as governance_repo
from storage.unit_of_work import UnitOfWork

# Roles that may see a team's governance figures (the server's team_lead scope covers the team).
MAY_REPORT = frozenset({"team_lead", "admin"})
# Staff whose own figures a lead may look at in a per-worker view.
WORKER_ROLES = frozenset({"worker", "duty"})
# The sync engine's record of its last complete sync (sync/engine.py LAST_SUCCESS); app/ may not import
# sync, so the key is named here too.
LAST_SYNC_KEY = "sync.last_success"


class UnknownTeam(WaymarkError):
    pass


class UnknownWorker(WaymarkError):
    pass


@dataclass(frozen=True, slots=True)
class TeamRef:
    id: uuid.UUID
    name: str
    area: str
    nation: Nation


class GovernanceService:
    def __init__(self, uow: UnitOfWork, clock: Clock, actor: audit.Actor, config: OrgConfig) -> None:
        self._uow = uow
        self._clock = clock
        self._actor = actor
        self._config = config

    def role(self) -> str | None:
        """The role this laptop was enrolled for (the server's word), else the local staff record's."""
        with self._uow.read() as session:
            return device_repo.role_of(session, self._actor.staff_id)

    def teams(self) -> list[TeamRef]:
        with self._uow.read() as session:
            return [TeamRef(t.id, t.name, t.area, Nation(t.nation)) for t in governance_repo.teams(session)]

    def staff_names(self) -> dict[uuid.UUID, str]:
        with self._uow.read() as session:
            return device_repo.staff_names(session)

    def last_synced(self) -> datetime | None:
        with self._uow.read() as session:
            value = device_repo.meta(session).get(LAST_SYNC_KEY)
        return datetime.fromisoformat(value) if value else None

    def workers(self) -> list[tuple[uuid.UUID, str]]:
        """The workers (and duty staff) known on this laptop, by name: whose figures a lead may look at."""
        with self._uow.read() as session:
            staff = governance_repo.staff_in_roles(session, WORKER_ROLES)
        return sorted(((s.id, s.name) for s in staff), key=lambda s: s[1])

    def find_worker(self, wanted: str) -> uuid.UUID:
        """The worker with this full name (any case) or staff id; UnknownWorker, naming those there are, if none."""
        key = wanted.strip().casefold()
        found = [sid for sid, name in self.workers() if key in (name.casefold(), str(sid))]
        if len(found) == 1:
            return found[0]
        known = ", ".join(name for _, name in self.workers()) or "none"
        why = "More than one worker has" if found else "No worker has"
        raise UnknownWorker(f"{why} the name {wanted!r} on this laptop (workers here: {known}); no report was made.")

    def report(
        self,
        team: str,
        first: date,
        last: date,
        *,
        per_worker: bool = False,
        worker: uuid.UUID | None = None,
        settings: Settings | None = None,
    ) -> Report:
        """The team's report for ``first``..``last`` (London days, both included). ``per_worker`` adds every
        worker's figures, ``worker`` one worker's. Raises NotPermitted (audited) for a role other than team
        lead or admin; UnknownTeam when no team has that name or area.

        The team report is audited as an export of the team; a per-worker view adds one audit event per
        worker whose figures it holds, naming them (by id), so who looked at whose figures, and when, is on
        record. Events hold ids only."""
        now = self._clock.now()
        role = self.role()
        by_worker = per_worker or worker is not None
        if role not in MAY_REPORT:
            asked = "governance_by_worker" if by_worker else "governance_report"
            with self._uow.write() as session:
                audit.append(session, self._actor, audit.AuditAction.REFUSED, now, asked, worker)
            what = "Per-worker governance figures are" if by_worker else "Governance reports are"
            raise NotPermitted(
                f"{what} for team leads: this laptop is enrolled for a "
                f"{(role or 'worker').replace('_', ' ')}, so no report was made. The refusal has been recorded. "
                "Ask your team lead if you need the team's figures."
            )
        period = ReportPeriod(first, last)
        chosen = self._team(team)
        with self._uow.read() as session:
            envelopes = [records.envelope(row) for row in governance_repo.team_records(session, chosen.id)]
        report = build(
            Evidence.from_envelopes(envelopes),
            chosen.name,
            period,
            self._config.pathways,
            chosen.nation,
            now,
            settings=settings,
            last_synced=self.last_synced(),
            per_worker=per_worker,
            worker=worker,
        )
        # Written before the report is handed back: figures nobody audited never reach a screen or a file.
        with self._uow.write() as session:
            audit.append(session, self._actor, audit.AuditAction.EXPORT, now, "governance_report", chosen.id)
            for shown, _measures in report.by_worker:
                audit.append(session, self._actor, audit.AuditAction.EXPORT, now, "governance_by_worker", shown)
        return report

    def _team(self, wanted: str) -> TeamRef:
        key = wanted.strip().casefold()
        for team in self.teams():
            if key in (team.name.casefold(), team.area.casefold(), str(team.id)):
                return team
        known = ", ".join(t.name for t in self.teams()) or "none"
        raise UnknownTeam(f"No team called {wanted!r} on this laptop (teams here: {known}); no report was made.")
