"""A team lead's sync health: who in their team has not synced, which devices hold quarantined records, what
devices' heartbeats say is still unsent (escalations apart), the break-glass openings by the team's staff or of
the team's persons, and its staff's refused break-glass attempts. Names, counts and the duty worker's written
reason for an opening or an attempt (kept for the lead), never the NHS number tried; computed from the server's
own tables."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from sync import protocol as p
from sync.server import commands
from sync.server.models import BreakGlass, BreakGlassRefusal, Device, Person, Quarantine, User

LIVE = ("active", "retire_pending")


BREAK_GLASS_LISTED_FOR = timedelta(days=30)


# The written reason usually names the person and what happened: personal data about someone of another team.
WITHHELD_REASON = "(reason withheld: the person is in another team; their team lead sees it, or ask the worker)"


def grant_wire(grant: BreakGlass, user_name: str, *, reason_shown: bool = True) -> p.BreakGlassGrant:
    return p.BreakGlassGrant(
        grant_id=grant.id,
        person_id=grant.person_id,
        user_name=user_name,
        reason=grant.reason if reason_shown else WITHHELD_REASON,
        granted_at=commands.stamp(grant.granted_at),
        ends_at=commands.stamp(grant.ends_at),
    )


def break_glass_grants(session: Session, lead: User, now: datetime) -> list[p.BreakGlassGrant]:
    """Every break-glass opening in the last 30 days, newest first, that is the lead's to see: each opening
    *by* the lead's staff (supervision of their own staff's decisions, wherever the person belongs, which is
    what the duty worker is told) and each opening *of* the lead's team's persons (whoever opened them, so the
    person's own team knows their record was read). Each opening once. A person of another team is given by
    id only, and without the written reason: the lead's laptop does not hold them, so it names nobody it may
    not read, and keeps no text about them."""
    if lead.team_id is None:
        return []  # compared with NULL, a lead without a team would match every team-less user's openings
    rows = session.execute(
        select(BreakGlass, User.name, Person.team_id)
        .join(Person, Person.id == BreakGlass.person_id)
        .join(User, User.id == BreakGlass.user_id)
        .where(
            or_(Person.team_id == lead.team_id, User.team_id == lead.team_id),
            BreakGlass.granted_at > now - BREAK_GLASS_LISTED_FOR,
        )
        .order_by(BreakGlass.granted_at.desc(), BreakGlass.id)
    ).all()
    return [grant_wire(grant, name, reason_shown=team == lead.team_id) for grant, name, team in rows]


def break_glass_refused(session: Session, lead: User, now: datetime) -> list[p.BreakGlassRefused]:
    """Every refused break-glass attempt by the lead's team's staff in the last 30 days, newest first. By the
    staff's team, not the person's: a refused attempt opened nobody, and most name nobody the server holds."""
    rows = session.execute(
        select(BreakGlassRefusal, User.name)
        .join(User, User.id == BreakGlassRefusal.user_id)
        .where(User.team_id == lead.team_id, BreakGlassRefusal.at > now - BREAK_GLASS_LISTED_FOR)
        .order_by(BreakGlassRefusal.at.desc(), BreakGlassRefusal.id.desc())
    ).all()
    return [
        p.BreakGlassRefused(user_name=name, at=commands.stamp(row.at), refusal=row.refusal, reason=row.reason)
        for row, name in rows
    ]


def report(
    session: Session, lead: User, now: datetime, state: dict[str, Any], with_refused: bool = True
) -> p.TeamHealth:
    """``with_refused``: False for a client from before ``break_glass_refused``, which would refuse it."""
    team = list(session.scalars(select(User).where(User.team_id == lead.team_id).order_by(User.name)))
    ids = [u.id for u in team]
    devices = list(
        session.scalars(select(Device).where(Device.user_id.in_(ids), Device.status.in_(LIVE)).order_by(Device.id))
    )
    held = dict(
        session.execute(
            select(Quarantine.device_id, func.count()).where(Quarantine.device_id.in_([d.id for d in devices]))
            .group_by(Quarantine.device_id)
        ).all()
    )  # fmt: skip
    names = {u.id: u.name for u in team}
    last: dict[Any, datetime] = {}
    for d in devices:
        if d.last_sync_at is not None and (d.user_id not in last or d.last_sync_at > last[d.user_id]):
            last[d.user_id] = d.last_sync_at
    return p.TeamHealth(
        as_of=commands.stamp(now),
        team_id=lead.team_id,
        staff=[p.TeamStaff(user_id=u.id, name=u.name, role=u.role) for u in team],
        workers=[
            p.WorkerSync(user_id=u.id, name=u.name, last_sync_at=commands.stamp(last[u.id]) if u.id in last else None)
            for u in team
            if u.role in ("worker", "duty")
        ],
        devices=[
            p.DeviceHealth(
                device_id=d.id,
                user_id=d.user_id,
                name=f"{names[d.user_id]}'s {d.name}",
                quarantined=int(held.get(d.id, 0)),
                unsent=int(d.heartbeat["unsent"]) if d.heartbeat else None,
                unsent_escalations=int(d.heartbeat.get("unsent_escalations", 0)) if d.heartbeat else None,
                heartbeat_at=d.heartbeat.get("received_at") if d.heartbeat else None,
            )
            for d in devices
        ],
        break_glass=break_glass_grants(session, lead, now),
        break_glass_refused=break_glass_refused(session, lead, now) if with_refused else None,
        **state,
    )
