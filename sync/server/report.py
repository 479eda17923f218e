"""``waymark-server report``: the governance measures computed over the server's records.

The same functions as the desktop's ``waymark report`` (app/governance) over the same wire envelopes,
with the same bundled pathways, so a lead's laptop and the server agree on the same data. The server's
records are the synced ones: a record counts in the period it happened in, whenever it arrived.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.governance.evidence import Evidence
from app.governance.figures import ReportPeriod, Settings
from app.governance.report import Report, build
from app.org_config import OrgConfig
from app.persons import Nation
from sync.server import audit
from sync.server.admin import Admin, AdminError
from sync.server.models import Person, Record, Team


def envelopes(session: Session, team_id: uuid.UUID) -> Iterator[dict[str, Any]]:
    """Every stored record about a person of the team, as the envelope it was sent in (PROTOCOL.md §1)."""
    persons = select(Person.id).where(Person.team_id == team_id)
    for row in session.scalars(select(Record).where(Record.person_id.in_(persons))):
        yield {
            "record_id": str(row.record_id),
            "record_type": row.record_type,
            "schema_version": row.schema_version,
            "person_id": str(row.person_id),
            "author_id": str(row.author_id),
            "device_id": str(row.device_id),
            "authored_at": row.authored_at,
            "refers_to": str(row.refers_to) if row.refers_to else None,
            "payload": row.payload,
        }


def team_report(
    admin: Admin, team: str, first: date, last: date, *, config: OrgConfig | None = None,
    settings: Settings | None = None,
) -> Report:  # fmt: skip
    """The team's report (by name or area), audited as a read of the team's records."""
    if last < first:
        raise AdminError("--to is before --from; no report was made")
    now = admin.clock.now()
    config = config or OrgConfig.load(now.date())
    with admin.transaction() as session:
        key = team.strip()
        found = session.scalars(select(Team).where(or_(Team.name == key, Team.area == key))).first()
        if found is None:
            known = ", ".join(session.scalars(select(Team.name).order_by(Team.name))) or "none"
            raise AdminError(f"no team called {team!r} (teams: {known}); no report was made")
        evidence = Evidence.from_envelopes(list(envelopes(session, found.id)))
        audit.append(
            session, now,
            [audit.Entry("report.governance", "made", None, None, detail={
                "team": str(found.id), "from": first.isoformat(), "to": last.isoformat()})],
        )  # fmt: skip
        name, nation = found.name, Nation(found.nation)
    return build(
        evidence, name, ReportPeriod(first, last), config.pathways, nation, now, settings=settings, on_server=True
    )
