"""Records from the server into the local store: the inverse of ``storage.records``' serialisers.

A record is inserted only if absent, and only when the row rebuilt from it serialises back to exactly the
hash it came with, so what the device keeps is byte for byte what was signed off elsewhere. A record
already here is compared by hash and never replaced (clinical records are append-only).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, inspect, select
from sqlalchemy.orm import Session

from storage import models, records
from storage.types import UtcDateTime
from sync import protocol as p

log = logging.getLogger(__name__)

_KIND_OF_EVENT = {v: k for k, v in records.EVENT_OF_KIND.items()}


@dataclass
class Applied:
    """What one batch of received records did to the store (ids only: safe to log)."""

    inserted: int = 0
    already_here: int = 0
    differing: list[uuid.UUID] = field(default_factory=list)  # same id, other content: kept ours, reported
    not_kept: list[uuid.UUID] = field(default_factory=list)  # types this version does not materialise yet
    persons: set[uuid.UUID] = field(default_factory=set)
    tables: set[str] = field(default_factory=set)  # which kinds of record were inserted (for the views)


def row_from_json(model: type[models.Base], values: Mapping[str, Any]) -> models.Base:
    """A row of ``model`` from JSON values (as ``storage.serialise.row_to_dict`` writes them)."""
    kwargs: dict[str, Any] = {}
    for attr in inspect(model).column_attrs:
        if attr.key not in values:
            continue
        kwargs[attr.key] = _from_json(_python_type(attr.columns[0].type), values[attr.key])
    return model(**kwargs)


def _python_type(column_type: Any) -> type:
    if isinstance(column_type, UtcDateTime):
        return datetime
    try:
        return column_type.python_type  # type: ignore[no-any-return]
    except NotImplementedError:
        return object


def _from_json(kind: type, value: Any) -> Any:
    if value is None:
        return None
    if kind is uuid.UUID:
        return uuid.UUID(value)
    if kind is datetime:
        return datetime.fromisoformat(value)
    if kind is date:
        return date.fromisoformat(value)
    return value


def _t(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _u(value: str | None) -> uuid.UUID | None:
    return uuid.UUID(value) if value else None


def _common(env: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": uuid.UUID(env["record_id"]),
        "person_id": uuid.UUID(env["person_id"]),
        "author_id": uuid.UUID(env["author_id"]),
        "device_id": uuid.UUID(env["device_id"]),
    }


def row_from_envelope(env: Mapping[str, Any]) -> models.Base | None:
    """The local row a record becomes, or None for a type this version keeps only on the server."""
    if env["record_type"] in records.TYPES:
        body: Mapping[str, Any] = records.upcast(env)
    else:
        return None
    pl = body["payload"]
    common = _common(body)
    authored = _t(body["authored_at"])
    match body["record_type"]:
        case "contact_note":
            return models.ContactNote(
                **common,
                contact_start=_t(pl["contact_start"]),
                contact_end=_t(pl["contact_end"]),
                recorded_at=_t(pl["recorded_at"]),
                signed_at=_t(pl["signed_at"]),
                late_entry=pl["late_entry"],
                late_entry_reason=pl["late_entry_reason"],
                method=pl["method"],
                outcome=pl["outcome"],
                narrative=pl["narrative"],
                plan_revision_id=_u(pl["plan_revision_id"]),
                plan_steps_used=list(pl["plan_steps_used"]),
                next_action=pl["next_action"],
                next_action_due=_t(pl["next_action_due"]),
                planned_contact_id=_u(pl["planned_contact_id"]),
            )
        case "note_amendment":
            return models.NoteAmendment(
                **common,
                note_id=uuid.UUID(body["refers_to"]),
                created_at=authored,
                kind=pl["kind"],
                reason=pl["reason"],
                text=pl["text"],
            )
        case "safety_plan_revision":
            return models.SafetyPlanRevision(
                **common,
                plan_id=uuid.UUID(pl["plan_id"]),
                parent_ids=list(pl["parent_ids"]),
                created_at=authored,
                co_produced=pl["co_produced"],
                shared_with=list(pl["shared_with"]),
                sections=pl["sections"],
                preferences=pl["preferences"],
                change_summary=pl["change_summary"],
                present=pl["present"],
            )
        case "safety_review":
            return models.SafetyReview(
                **common,
                created_at=authored,
                trigger=pl["trigger"],
                what_changed=pl["what_changed"],
                persons_account=pl["persons_account"],
                why_it_matters=pl["why_it_matters"],
                current_concerns=pl["current_concerns"],
                protective_factors=pl["protective_factors"],
                next_steps=list(pl["next_steps"]),
                plan_reviewed=pl["plan_reviewed"],
                plan_review_note=pl["plan_review_note"],
                threshold_criteria=list(pl["threshold_criteria"]),
            )
        case "escalation_opened":
            return models.Escalation(
                **common,
                created_at=authored,
                kind=pl["kind"],
                identified_at=_t(pl["identified_at"]),
                criteria=list(pl["criteria"]),
                rationale=pl["rationale"],
                period=pl["period"],
                period_reason=pl["period_reason"],
                versions=dict(pl["versions"]),
                pathway_id=pl["pathway_id"],
                cause=list(pl["cause"]),
            )
        case "escalation_event":
            event = pl["event"]
            # The table keeps a follow-up's owner in contact_reached and a closing note in
            # information_shared (see storage.records._escalation_event).
            return models.EscalationAction(
                **common,
                escalation_id=uuid.UUID(body["refers_to"]),
                created_at=authored,
                at=_t(pl["at"]),
                node_id=pl["node_id"],
                kind=pl["action"] if event == "action" else _KIND_OF_EVENT[event],
                answer=pl["answer"],
                contact_id=pl["contact_id"],
                contact_reached=pl["owner"] if event == "follow_up_set" else pl["contact_reached"],
                information_shared=pl["note"] if event == "closed" else pl["information_shared"],
                sharing_basis=pl["sharing_basis"],
                outcome=pl["outcome"],
                reached=pl["reached"],
                due=_t(pl["due"]),
            )
        case "record_review":
            return models.RecordReview(
                **common,
                created_at=authored,
                reviewed_id=uuid.UUID(body["refers_to"]),
                reviewed_type=pl["reviewed_type"],
                comment=pl["comment"],
            )
        case "supervision":
            return models.Supervision(
                **common,
                created_at=authored,
                session_id=uuid.UUID(pl["session_id"]),
                worker_id=uuid.UUID(pl["worker_id"]),
                supervised_at=_t(pl["supervised_at"]),
                escalations_discussed=list(pl["escalations_discussed"]),
                rationale=pl["rationale"],
                actions=[dict(a) for a in pl["actions"]],
            )
        case "learning_review":
            return models.LearningReview(
                **common,
                created_at=authored,
                escalation_id=_u(body["refers_to"]),
                occurred_at=_t(pl["occurred_at"]),
                what_happened=pl["what_happened"],
                what_helped=pl["what_helped"],
                delays_barriers=pl["delays_barriers"],
                pathway_refinement_needed=pl["pathway_refinement_needed"],
                pathway_id=pl["pathway_id"],
                pathway_version=pl["pathway_version"],
                refinement=pl["refinement"],
                actions=[dict(a) for a in pl["actions"]],
            )
        case "action_update":
            return models.ActionUpdate(
                **common,
                created_at=authored,
                source_id=uuid.UUID(body["refers_to"]),
                action_id=uuid.UUID(pl["action_id"]),
                status=pl["status"],
                at=_t(pl["at"]),
                note=pl["note"],
            )
        case "case_audit":
            return models.CaseAudit(
                **common,
                created_at=authored,
                sample_id=uuid.UUID(pl["sample_id"]),
                seed=pl["seed"],
                drawn_at=_t(pl["drawn_at"]),
                period_from=date.fromisoformat(pl["period_from"]),
                period_to=date.fromisoformat(pl["period_to"]),
                selected_for=[dict(s) for s in pl["selected_for"]],
                case_workers=list(pl["case_workers"]),
                checklist=pl["checklist"],
                answers=[dict(a) for a in pl["answers"]],
                comment=pl["comment"],
            )
        case "planned_contact":
            return models.PlannedContact(
                **common,
                staff_id=uuid.UUID(pl["staff_id"]),
                due_at=_t(pl["due_at"]),
                window_end=_t(pl["window_end"]),
                method=pl["method"],
                with_whom=pl["with_whom"],
                purpose=pl["purpose"],
                contact_plan_id=_u(pl["contact_plan_id"]),
                created_at=authored,
            )
        case "planned_contact_change":
            return models.PlannedContactChange(
                **common,
                planned_contact_id=uuid.UUID(body["refers_to"]),
                created_at=authored,
                change=pl["change"],
                reason=pl["reason"],
                due_at=_t(pl["due_at"]),
                replacement_id=_u(pl["replacement_id"]),
            )
        case "contact_plan":
            return models.ContactPlan(
                **common,
                created_at=authored,
                staff_id=uuid.UUID(pl["staff_id"]),
                every_days=pl["every_days"],
                starts_on=date.fromisoformat(pl["starts_on"]),
                until=date.fromisoformat(pl["until"]),
                time_of_day=pl["time_of_day"],
                method=pl["method"],
                purpose=pl["purpose"],
                reason=pl["reason"],
            )
        case "contact_plan_change":
            return models.ContactPlanChange(
                **common,
                contact_plan_id=uuid.UUID(body["refers_to"]),
                created_at=authored,
                change=pl["change"],
                reason=pl["reason"],
            )
    return None


def apply_records(session: Session, envelopes: list[Mapping[str, Any]], applied: Applied) -> None:
    """Insert each record not yet here, in the order given (the server's order: parents first)."""
    for env in envelopes:
        record_id = uuid.UUID(env["record_id"])
        person_id = uuid.UUID(env["person_id"])
        try:
            row = row_from_envelope(env)
        except records.UpdateRequired:
            row = None  # written by a newer Waymark: the server keeps it; this version cannot show it
        if row is None:
            applied.not_kept.append(record_id)
            continue
        existing = session.get(type(row), record_id)
        if existing is not None:
            if _current_version(env) and _hash_of(existing) not in (None, env["sha256"]):
                applied.differing.append(record_id)
                log.warning("received record %s differs from the copy on this device; kept ours", record_id)
            else:
                applied.already_here += 1
            continue
        if session.get(models.Person, person_id) is None:
            # Not ours to show (yet): its snapshot brings the person and this record with it.
            applied.not_kept.append(record_id)
            continue
        if isinstance(row, models.SafetyPlanRevision) and session.get(models.SafetyPlan, row.plan_id) is None:
            session.add(models.SafetyPlan(id=row.plan_id, person_id=person_id, head_revision_id=None))
        if (
            isinstance(row, models.ContactNote)
            and row.planned_contact_id is not None
            and session.get(models.PlannedContact, row.planned_contact_id) is None
        ):
            applied.not_kept.append(record_id)  # its planned contact is not on this device
            continue
        if (
            type(row) in records.MODELS
            and _current_version(env)
            and records.sha256(records.envelope(row)) != env["sha256"]
        ):
            # Our reading of it would not be what was written: keep it out rather than keep it wrong.
            applied.not_kept.append(record_id)
            log.warning("received record %s does not read back to its hash; not kept locally", record_id)
            continue
        session.add(row)
        session.flush()
        applied.inserted += 1
        applied.persons.add(person_id)
        applied.tables.add(row.__tablename__)  # type: ignore[attr-defined]


def _current_version(env: Mapping[str, Any]) -> bool:
    """Whether the row rebuilt from ``env`` can serialise back to its bytes: an upcast one cannot (its
    hash is of the older payload, which the server checked when it was pushed)."""
    spec = records.TYPES.get(str(env["record_type"]))
    return spec is not None and int(env["schema_version"]) == spec.schema_version


def _hash_of(row: models.Base) -> str | None:
    if type(row) not in records.MODELS:
        return None
    return records.sha256(records.envelope(row))


def ensure_person(session: Session, organisation_id: uuid.UUID, person: Mapping[str, Any]) -> uuid.UUID:
    """The person's row (and their team's), from a snapshot; an existing row is left as it is."""
    person_id = uuid.UUID(person["id"])
    if session.get(models.Person, person_id) is not None:
        return person_id
    if session.get(models.Organisation, organisation_id) is None:
        session.add(models.Organisation(id=organisation_id, name=person.get("organisation_name", "")))
    team = person["team"]
    team_id = uuid.UUID(team["id"])
    if session.get(models.Team, team_id) is None:
        session.add(
            models.Team(
                id=team_id, organisation_id=organisation_id, name=team["name"], area=team["area"], nation=team["nation"]
            )
        )
    session.flush()
    values = {k: v for k, v in person.items() if k not in ("team", "organisation_name")}
    row = row_from_json(models.Person, {**values, "organisation_id": str(organisation_id), "team_id": team["id"]})
    session.add(row)
    session.flush()
    return person_id


def local_person_ids(session: Session) -> set[uuid.UUID]:
    return set(session.scalars(select(models.Person.id)))


def keep_holds(session: Session, staff_id: uuid.UUID, holds: list[p.Hold], now: datetime) -> None:
    """Make this worker's local assignments the server's scope: the caseload lists exactly the persons the
    server says they hold now, and a cover shift's persons carry its end, so they leave the caseload when
    the shift ends even with no signal. A person on the device but no longer in scope keeps their old row
    until they are purged, which waits for their unsent records to go (never before)."""
    if session.get(models.Staff, staff_id) is None:
        return  # enrolled by an older Waymark that kept no staff row: nothing to hang assignments on
    here = local_person_ids(session)
    held = [h for h in holds if h.person_id in here]
    session.execute(
        delete(models.Assignment).where(
            models.Assignment.staff_id == staff_id, models.Assignment.person_id.in_([h.person_id for h in held])
        )
    )
    for hold in held:
        session.add(
            models.Assignment(
                id=uuid.uuid4(),
                staff_id=staff_id,
                person_id=hold.person_id,
                role=hold.basis,
                starts_at=now,
                ends_at=datetime.fromisoformat(hold.until) if hold.until else None,
            )
        )
        session.flush()


def ensure_staff(
    session: Session, organisation_id: uuid.UUID, staff_id: uuid.UUID, name: str, role: str, team: p.TeamInfo | None
) -> None:
    """The enrolled worker's own staff row (and their organisation and team), from the enrolment answer."""
    if session.get(models.Organisation, organisation_id) is None:
        session.add(models.Organisation(id=organisation_id, name=""))
    if team is None or session.get(models.Staff, staff_id) is not None:
        session.flush()
        return
    if session.get(models.Team, team.id) is None:
        session.add(
            models.Team(id=team.id, organisation_id=organisation_id, name=team.name, area=team.area, nation=team.nation)
        )
    session.flush()
    session.add(
        models.Staff(id=staff_id, organisation_id=organisation_id, team_id=team.id, name=name, role=role, phone=None)
    )
    session.flush()


def keep_staff_names(session: Session, organisation_id: uuid.UUID, staff: list[p.StaffName]) -> None:
    """Colleagues' names from a pull page, so each note says who wrote it; a changed name is taken, and the
    device's own row (its role is the server's word at enrolment) keeps its role."""
    if session.get(models.Organisation, organisation_id) is None:
        return  # not enrolled through this organisation: nothing to file them under
    for member in staff:
        if session.get(models.Team, member.team.id) is None:
            t = member.team
            session.add(
                models.Team(id=t.id, organisation_id=organisation_id, name=t.name, area=t.area, nation=t.nation)
            )
            session.flush()
        known = session.get(models.Staff, member.user_id)
        if known is None:
            session.add(
                models.Staff(
                    id=member.user_id,
                    organisation_id=organisation_id,
                    team_id=member.team.id,
                    name=member.name,
                    role=member.role,
                    phone=None,
                )
            )
        elif known.name != member.name:
            known.name = member.name
    session.flush()
