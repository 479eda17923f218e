"""Change records on the wire (sync/PROTOCOL.md §1): one explicit serialiser per record type.

A serialiser names every payload field and its JSON form, so adding a column to a table never changes
what a device sends, and the canonical bytes (and so the hash) of a record stay the same for ever.
Older payload versions are brought forward by ``upcast`` before anything reads them.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from storage import models
from storage.serialise import json_value

# Fixed for ever: every device and the server derive the same ids from it (PROTOCOL.md §1.4).
WAYMARK_NAMESPACE = uuid.UUID("6f1d2a8e-3c4b-5e7f-9a0b-1c2d3e4f5a6b")


class UpdateRequired(Exception):
    """A record written by a newer Waymark than this one: kept untouched, never guessed at (§1.5)."""


@dataclass(frozen=True, slots=True)
class RecordType:
    name: str
    model: type[models.Base]
    schema_version: int
    payload: Callable[[Any], dict[str, Any]]
    authored_at: Callable[[Any], datetime]
    refers_to: Callable[[Any], uuid.UUID | None]


def _j(value: Any) -> Any:
    if isinstance(value, datetime | date | uuid.UUID):
        return json_value(value)
    return value


def _contact_note(row: models.ContactNote) -> dict[str, Any]:
    return {
        "contact_start": _j(row.contact_start),
        "contact_end": _j(row.contact_end),
        "recorded_at": _j(row.recorded_at),
        "signed_at": _j(row.signed_at),
        "late_entry": bool(row.late_entry),
        "late_entry_reason": row.late_entry_reason,
        "method": row.method,
        "outcome": row.outcome,
        "narrative": row.narrative,
        "plan_revision_id": _j(row.plan_revision_id),
        "plan_steps_used": [int(s) for s in row.plan_steps_used],
        "next_action": row.next_action,
        "next_action_due": _j(row.next_action_due),
        "planned_contact_id": _j(row.planned_contact_id),
    }


def _note_amendment(row: models.NoteAmendment) -> dict[str, Any]:
    return {"kind": row.kind, "reason": row.reason, "text": row.text}


# Before version 2 the plan editor wrote who was present as a line of the change summary.
PRESENT_PREFIX = "Present: "


def split_present(change_summary: str) -> tuple[str, str | None]:
    """A version-1 change summary as (the summary without the "Present: …" line, who was present or None)."""
    lines = change_summary.split("\n")
    present = [line[len(PRESENT_PREFIX) :].strip() for line in lines if line.startswith(PRESENT_PREFIX)]
    if not present:
        return change_summary, None
    kept = [line for line in lines if not line.startswith(PRESENT_PREFIX)]
    return "\n".join(kept), "; ".join(p for p in present if p) or None


def _safety_plan_revision(row: models.SafetyPlanRevision) -> dict[str, Any]:
    # A row written before schema 5 has no present column value: it is read out of its summary, as upcast does.
    summary, present = (row.change_summary, row.present) if row.present else split_present(row.change_summary)
    return {
        "plan_id": _j(row.plan_id),
        "parent_ids": [str(p) for p in row.parent_ids],
        "co_produced": bool(row.co_produced),
        "shared_with": list(row.shared_with),
        "sections": row.sections,
        "preferences": row.preferences,
        "change_summary": summary,
        "present": present,
    }


def _plan_revision_1_to_2(payload: dict[str, Any]) -> dict[str, Any]:
    summary, present = split_present(str(payload["change_summary"]))
    return {**payload, "change_summary": summary, "present": present}


def _safety_review(row: models.SafetyReview) -> dict[str, Any]:
    return {
        "trigger": row.trigger,
        "what_changed": row.what_changed,
        "persons_account": row.persons_account,
        "why_it_matters": row.why_it_matters,
        "current_concerns": row.current_concerns,
        "protective_factors": row.protective_factors,
        "next_steps": row.next_steps,
        "plan_reviewed": bool(row.plan_reviewed),
        "plan_review_note": row.plan_review_note,
        "threshold_criteria": list(row.threshold_criteria),
    }


def _escalation_opened(row: models.Escalation) -> dict[str, Any]:
    return {
        "kind": row.kind,
        "identified_at": _j(row.identified_at),
        "criteria": list(row.criteria),
        "rationale": row.rationale,
        "period": row.period,
        "period_reason": row.period_reason,
        "versions": dict(row.versions),
        "pathway_id": row.pathway_id,
        "cause": [str(c) for c in row.cause],
    }


# The stored action kind says which event it is; worker actions (phoned, texted…) are all "action".
EVENT_OF_KIND = {
    "answer": "answer",
    "follow_up": "follow_up_set",
    "follow_up_done": "follow_up_done",
    "closed": "closed",
}


def _escalation_event(row: models.EscalationAction) -> dict[str, Any]:
    event = EVENT_OF_KIND.get(row.kind, "action")
    # The table keeps a follow-up's owner in contact_reached and a closing note in information_shared;
    # on the wire each has its own field, so no reader has to know that.
    owner = row.contact_reached if event == "follow_up_set" else None
    note = row.information_shared if event == "closed" else None
    return {
        "event": event,
        "at": _j(row.at),
        "node_id": row.node_id,
        "action": row.kind if event == "action" else None,
        "answer": row.answer,
        "contact_id": row.contact_id,
        "contact_reached": None if owner is not None else row.contact_reached,
        "reached": bool(row.reached),
        "information_shared": None if event == "closed" else row.information_shared,
        "sharing_basis": row.sharing_basis,
        "outcome": row.outcome,
        "due": _j(row.due),
        "owner": owner,
        "note": note,
    }


def _record_review(row: models.RecordReview) -> dict[str, Any]:
    return {"reviewed_type": row.reviewed_type, "comment": row.comment}


def _actions(actions: list[Any]) -> list[dict[str, Any]]:
    # Each agreed action keeps its own id, so an action_update can name it for ever.
    return [
        {"action_id": str(a["action_id"]), "action": a["action"], "owner": a["owner"],
         "owner_id": a.get("owner_id"), "due": a["due"]}
        for a in actions
    ]  # fmt: skip


def _supervision(row: models.Supervision) -> dict[str, Any]:
    return {
        "session_id": _j(row.session_id),
        "worker_id": _j(row.worker_id),
        "supervised_at": _j(row.supervised_at),
        "escalations_discussed": [str(e) for e in row.escalations_discussed],
        "rationale": row.rationale,
        "actions": _actions(row.actions),
    }


def _learning_review(row: models.LearningReview) -> dict[str, Any]:
    return {
        "occurred_at": _j(row.occurred_at),
        "what_happened": row.what_happened,
        "what_helped": row.what_helped,
        "delays_barriers": row.delays_barriers,
        "pathway_refinement_needed": bool(row.pathway_refinement_needed),
        "pathway_id": row.pathway_id,
        "pathway_version": row.pathway_version,
        "refinement": row.refinement,
        "actions": _actions(row.actions),
    }


def _action_update(row: models.ActionUpdate) -> dict[str, Any]:
    return {"action_id": _j(row.action_id), "status": row.status, "at": _j(row.at), "note": row.note}


def _case_audit(row: models.CaseAudit) -> dict[str, Any]:
    return {
        "sample_id": _j(row.sample_id),
        "seed": int(row.seed),
        "drawn_at": _j(row.drawn_at),
        "period_from": _j(row.period_from),
        "period_to": _j(row.period_to),
        "selected_for": [{"reason": s["reason"], "record_id": str(s["record_id"])} for s in row.selected_for],
        "case_workers": [str(w) for w in row.case_workers],
        "checklist": row.checklist,
        "answers": [
            {"question_id": a["question_id"], "answer": a["answer"], "note": a.get("note")} for a in row.answers
        ],
        "comment": row.comment,
    }


def _planned_contact(row: models.PlannedContact) -> dict[str, Any]:
    return {
        "staff_id": _j(row.staff_id),
        "due_at": _j(row.due_at),
        "window_end": _j(row.window_end),
        "method": row.method,
        "with_whom": row.with_whom,
        "purpose": row.purpose,
        "contact_plan_id": _j(row.contact_plan_id),
    }


def _planned_contact_change(row: models.PlannedContactChange) -> dict[str, Any]:
    return {
        "change": row.change,
        "due_at": _j(row.due_at),
        "reason": row.reason,
        "replacement_id": _j(row.replacement_id),
    }


def _contact_plan(row: models.ContactPlan) -> dict[str, Any]:
    return {
        "staff_id": _j(row.staff_id),
        "every_days": int(row.every_days),
        "starts_on": _j(row.starts_on),
        "until": _j(row.until),
        "time_of_day": row.time_of_day,
        "method": row.method,
        "purpose": row.purpose,
        "reason": row.reason,
    }


def _contact_plan_change(row: models.ContactPlanChange) -> dict[str, Any]:
    return {"change": row.change, "reason": row.reason}


TYPES: dict[str, RecordType] = {
    t.name: t
    for t in (
        RecordType("contact_note", models.ContactNote, 1, _contact_note, lambda r: r.recorded_at, lambda r: None),
        RecordType(
            "note_amendment", models.NoteAmendment, 1, _note_amendment, lambda r: r.created_at, lambda r: r.note_id
        ),
        RecordType(
            "safety_plan_revision",
            models.SafetyPlanRevision,
            2,
            _safety_plan_revision,
            lambda r: r.created_at,
            lambda r: None,
        ),
        RecordType("safety_review", models.SafetyReview, 1, _safety_review, lambda r: r.created_at, lambda r: None),
        RecordType(
            "escalation_opened", models.Escalation, 1, _escalation_opened, lambda r: r.created_at, lambda r: None
        ),
        RecordType(
            "escalation_event",
            models.EscalationAction,
            1,
            _escalation_event,
            lambda r: r.created_at,
            lambda r: r.escalation_id,
        ),
        # A team lead's records (schema 4): written only by a team lead, reviewed and tracked by records.
        RecordType(
            "record_review", models.RecordReview, 1, _record_review, lambda r: r.created_at, lambda r: r.reviewed_id
        ),
        RecordType("supervision", models.Supervision, 1, _supervision, lambda r: r.created_at, lambda r: None),
        RecordType(
            "learning_review",
            models.LearningReview,
            1,
            _learning_review,
            lambda r: r.created_at,
            lambda r: r.escalation_id,
        ),
        RecordType(
            "action_update", models.ActionUpdate, 1, _action_update, lambda r: r.created_at, lambda r: r.source_id
        ),
        RecordType("case_audit", models.CaseAudit, 1, _case_audit, lambda r: r.created_at, lambda r: None),
        # Version 1 (staff_id, due_at, method) was written only by the server's demo organisation.
        RecordType(
            "planned_contact", models.PlannedContact, 2, _planned_contact, lambda r: r.created_at, lambda r: None
        ),
        RecordType(
            "planned_contact_change",
            models.PlannedContactChange,
            1,
            _planned_contact_change,
            lambda r: r.created_at,
            lambda r: r.planned_contact_id,
        ),
        RecordType("contact_plan", models.ContactPlan, 1, _contact_plan, lambda r: r.created_at, lambda r: None),
        RecordType(
            "contact_plan_change",
            models.ContactPlanChange,
            1,
            _contact_plan_change,
            lambda r: r.created_at,
            lambda r: r.contact_plan_id,
        ),
    )
}
# Only a team lead writes these (app/lead_records.py on the device, sync/server/scope.py on the server).
LEAD_ONLY = frozenset({"record_review", "supervision", "learning_review", "action_update", "case_audit"})
_BY_MODEL = {t.model: t for t in TYPES.values()}
MODELS = frozenset(_BY_MODEL)


def record_type_of(row: models.Base) -> RecordType:
    try:
        return _BY_MODEL[type(row)]
    except KeyError:
        raise TypeError(f"{type(row).__name__} is not a change record") from None


def envelope(row: models.Base) -> dict[str, Any]:
    """The record's envelope without ``seq`` and ``sha256`` (the part that is hashed, §1.3)."""
    spec = record_type_of(row)
    return {
        "record_id": json_value(row.id),  # type: ignore[attr-defined]
        "record_type": spec.name,
        "schema_version": spec.schema_version,
        "person_id": json_value(row.person_id),  # type: ignore[attr-defined]
        "author_id": json_value(row.author_id),  # type: ignore[attr-defined]
        "device_id": json_value(row.device_id),  # type: ignore[attr-defined]
        "authored_at": json_value(spec.authored_at(row)),
        "refers_to": _j(spec.refers_to(row)),
        "payload": spec.payload(row),
    }


def canonical_bytes(body: Mapping[str, Any]) -> bytes:
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sha256(body: Mapping[str, Any]) -> str:
    hashed = {k: v for k, v in body.items() if k not in ("seq", "sha256")}
    return hashlib.sha256(canonical_bytes(hashed)).hexdigest()


# -- versions ---------------------------------------------------------------------------------------
# UPCASTS[(record_type, n)] turns a version-n payload into version n+1, each with its test.
Upcast = Callable[[dict[str, Any]], dict[str, Any]]


def _planned_contact_v1_to_v2(payload: dict[str, Any]) -> dict[str, Any]:
    # Version 1 planned one time for one worker: no window, nobody else named, no purpose written, no plan.
    return {**payload, "window_end": None, "with_whom": "", "purpose": "", "contact_plan_id": None}


UPCASTS: dict[tuple[str, int], Upcast] = {
    # Version 2: who was present at the plan's writing is its own field, no longer a line of the summary.
    ("safety_plan_revision", 1): _plan_revision_1_to_2,
    ("planned_contact", 1): _planned_contact_v1_to_v2,
}


def upcast(
    body: Mapping[str, Any], upcasts: Mapping[tuple[str, int], Upcast] | None = None, target: int | None = None
) -> dict[str, Any]:
    """The envelope with its payload brought to the version this code knows, step by step (§1.5).

    The hash is of what was sent and stays with the original; an upcast copy is for reading only."""
    steps = UPCASTS if upcasts is None else upcasts
    name = str(body["record_type"])
    spec = TYPES.get(name)
    if spec is None:
        raise UpdateRequired(f"record type {name!r} is not known to this version of Waymark")
    known = spec.schema_version if target is None else target
    version = int(body["schema_version"])
    if version > known:
        raise UpdateRequired(f"{name} version {version} is newer than this Waymark knows ({known})")
    payload = dict(body["payload"])
    while version < known:
        payload = steps[(name, version)](payload)
        version += 1
    return {**body, "schema_version": version, "payload": payload}
