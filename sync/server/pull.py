"""Reading for a device: the change feed after a cursor, and a person's snapshot, both limited to what
the caller may see at the moment of the request."""

from __future__ import annotations

import functools
import hashlib
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from typing import Any

from pydantic_core import to_json
from sqlalchemy import Integer, Select, String, Text, and_, bindparam, cast, func, or_, select, type_coerce
from sqlalchemy.orm import Session

from sync import protocol as p
from sync.server import audit, scope
from sync.server.models import Change, ChangeCounter, Person, PlanConflict, PlanHead, Record, Team, User
from sync.server.push import conflict_wire, record_wire


def high_water(session: Session, organisation_id: uuid.UUID) -> int:
    return session.scalars(select(ChangeCounter.value).where(ChangeCounter.organisation_id == organisation_id)).one()


def pull(
    session: Session, user: User, device_id: uuid.UUID, after: int, limit: int, max_bytes: int, now: datetime
) -> tuple[list[dict[str, Any]], int, bool, int, list[uuid.UUID]]:
    """Changes after ``after``; returns them, the seq to resume from, whether more remain, the high water mark
    and the persons visible now. Each change is a dict of ``seq``, ``entity``, ``person_id`` and ``entity_id``
    (as JSON values) and ``wire``: the whole ``Change`` as JSON bytes, to be sent as they are (page_json).

    The high water is read first: the counter and its changes commit together, so every change up to it
    is already visible to the query that follows, and a resume point up to it can skip nothing.
    """
    top = high_water(session, user.organisation_id)
    # Read once and used twice, in this one read transaction: to choose the page's changes and as the scope sent.
    visible = scope.visible_ids(session, user, now)
    rows = session.execute(
        _page_query(session.get_bind().dialect.name),
        {
            "organisation_id": user.organisation_id,
            "after": after,
            "top": top,
            "visible": sorted(visible),
            "user_id": user.id,
            "limit": limit + 1,
        },
    ).all()
    # Plain dicts in Change's field order, written out here: a page is up to 1,000 changes, and a pydantic model
    # for each (two ids through a Python validator apiece) was the largest part of a page's time after the query.
    changes: list[dict[str, Any]] = []
    size = 0
    for row in rows[:limit]:
        seq, entity, person_id, entity_id, data = row[:5]
        if row[5] is not None:
            record_id, record_type, version, person, author, device, authored_at, refers_to = row[5:13]
            payload, sha256, received_at, flags = row[13:]
            # record_wire's fields; the stored JSON of the payload and the flags is put in as it is.
            head = to_json(
                {
                    "record_id": record_id,
                    "record_type": record_type,
                    "schema_version": version,
                    "person_id": person,
                    "author_id": author,
                    "device_id": device,
                    "authored_at": authored_at,
                    "refers_to": refers_to,
                    "sha256": sha256,
                    "received_at": received_at.isoformat(),
                }
            )
            data_json = b'%s,"payload":%s,"flags":%s}' % (head[:-1], payload.encode(), flags.encode())
        else:
            data_json = data.encode()
        size += len(data_json)
        if changes and size > max_bytes:
            break
        fields = {"seq": seq, "entity": entity, "person_id": person_id, "entity_id": entity_id}
        wire = b'%s,"data":%s}' % (to_json(fields)[:-1], data_json)
        changes.append({**fields, "wire": wire})
    has_more = len(changes) < len(rows)
    resume = changes[-1]["seq"] if has_more else max(after, top)
    return changes, resume, has_more, top, sorted(visible)


_PAGE_QUERIES: dict[str, Select[Any]] = {}


def _page_query(dialect: str) -> Select[Any]:
    """The page's query, made once per database kind with its values as parameters: building its seventeen
    columns and its cache key again for every page was a fifth of a page's time.

    Plain column tuples rather than ORM objects: a page is thousands of rows, read once. Ids are read as the
    text they are sent as (_id_text), not made into UUID objects only to be written out again: with nine ids a
    row, that was the largest part of a page's time after the query itself. The JSON columns are read as the
    JSON text they hold (_json_text) and sent as it is: decoding each payload only to encode it again was a
    quarter of a page's time."""
    query = _PAGE_QUERIES.get(dialect)
    if query is not None:
        return query
    ids_as_text = _id_text(dialect)
    json_as_text = _json_text(dialect)
    query = (
        select(
            Change.seq,
            Change.entity,
            ids_as_text(Change.person_id),
            ids_as_text(Change.entity_id),
            json_as_text(Change.data),
            ids_as_text(Record.record_id),
            Record.record_type,
            Record.schema_version,
            ids_as_text(Record.person_id),
            ids_as_text(Record.author_id),
            ids_as_text(Record.device_id),
            Record.authored_at,
            ids_as_text(Record.refers_to),
            json_as_text(Record.payload),
            Record.sha256,
            Record.received_at,
            json_as_text(Record.flags),
        )
        .outerjoin(Record, and_(Change.entity == "record", Record.record_id == Change.entity_id))
        .where(
            Change.organisation_id == bindparam("organisation_id"),
            Change.seq > bindparam("after"),
            Change.seq <= bindparam("top"),
            or_(
                Change.person_id.in_(bindparam("visible", expanding=True)),
                Change.recipient_user_id == bindparam("user_id"),
            ),
        )
        .order_by(Change.seq)
        .limit(bindparam("limit", type_=Integer))
    )
    _PAGE_QUERIES[dialect] = query
    return query


def page_json(page: dict[str, Any], changes: list[dict[str, Any]]) -> bytes:
    """A pull answer: ``page``'s fields as JSON with the changes' own JSON (pull) as its ``changes``."""
    rest = to_json({key: value for key, value in page.items() if key != "changes"})
    return b'%s,"changes":[%s]}' % (rest[:-1], b",".join(change["wire"] for change in changes))


def _id_text(dialect: str) -> Callable[[Any], Any]:
    """A UUID column read as the lowercase hyphenated text it is sent as: PostgreSQL casts its uuid so itself;
    SQLite holds 32 hex digits, hyphenated by the query (in SQLite's C, not a Python call for each of a page's
    thousands of ids)."""
    # Labelled by table and column: record and change both have a person_id.
    if dialect == "postgresql":
        return lambda column: cast(column, String).label(f"{column.table.name}_{column.key}")

    def hyphenated(column: Any) -> Any:
        hex_ = type_coerce(column, String)
        parts = [func.substr(hex_, start, length) for start, length in ((1, 8), (9, 4), (13, 4), (17, 4), (21, 12))]
        # NULL stays NULL: || with NULL is NULL.
        return functools.reduce(lambda a, b: a.concat("-").concat(b), parts).label(f"{column.table.name}_{column.key}")

    return hyphenated


def _json_text(dialect: str) -> Callable[[Any], Any]:
    """A JSON column read as the text stored in it. SQLite holds the text the server wrote; PostgreSQL's json type
    (not jsonb) keeps the text it was given, and its cast to text returns that text."""
    if dialect == "postgresql":
        return lambda column: cast(column, Text).label(f"{column.table.name}_{column.key}_json")
    return lambda column: type_coerce(column, Text).label(f"{column.table.name}_{column.key}_json")


def read_audit(user: User, device_id: uuid.UUID, changes: list[dict[str, Any]]) -> list[audit.Entry]:
    """One ``record.read`` event per person whose records a page carries (written before the page is sent)."""
    read_per_person = Counter(c["person_id"] for c in changes if c["entity"] == "record" and c["person_id"])
    return [
        audit.Entry("record.read", "pulled", user.id, device_id, uuid.UUID(person), None, {"records": count})
        for person, count in sorted(read_per_person.items())
    ]


def snapshot(
    session: Session, person_id: uuid.UUID, as_of: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]], int, str]:
    """Every record of one person, with its plans and open conflicts, as of the current high water."""
    records = session.scalars(
        select(Record).where(Record.person_id == person_id, Record.server_seq <= as_of).order_by(Record.server_seq)
    ).all()
    wire = [record_wire(_columns(r)) for r in records]
    plans = [
        {"plan_id": str(h.plan_id), "head_revision_id": str(h.head_revision_id), "state": h.state}
        for h in session.scalars(select(PlanHead).where(PlanHead.person_id == person_id))
    ]
    conflicts = [
        conflict_wire(c)
        for c in session.scalars(
            select(PlanConflict).where(PlanConflict.person_id == person_id, PlanConflict.status == "open")
        )
    ]
    return wire, plans, conflicts, len(wire), digest(wire)


def _columns(record: Record) -> dict[str, Any]:
    return {column.key: getattr(record, column.key) for column in Record.__table__.columns}


def digest(records: list[dict[str, Any]]) -> str:
    """Per-person integrity check the client can recompute from its mirror."""
    lines = sorted(f"{r['record_id']}:{r['sha256']}" for r in records)
    return "sha256:" + hashlib.sha256("\n".join(lines).encode()).hexdigest()


def staff_names(session: Session, user: User, now: datetime) -> list[p.StaffName]:
    """The colleagues whose records ``user`` can see now: the staff of the teams of the persons in their scope
    and anyone who wrote a record of those persons (a duty worker from another team, say). Names, roles and
    teams only: a duty worker's laptop otherwise said "a colleague not known on this laptop" of the care
    coordinator's own notes."""
    seen = scope.visible(user, now)
    teams = select(Person.team_id).where(Person.id.in_(seen))
    authors = select(Record.author_id).where(Record.person_id.in_(seen))
    rows = session.execute(
        select(User, Team)
        .join(Team, Team.id == User.team_id)
        .where(or_(User.team_id.in_(teams), User.id.in_(authors), User.id == user.id))
        .order_by(User.id)
    )
    return [
        p.StaffName(
            user_id=u.id,
            name=u.name,
            role=u.role,
            team=p.TeamInfo(id=t.id, name=t.name, area=t.area, nation=t.nation),
        )
        for u, t in rows
    ]
