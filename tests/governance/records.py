"""Hand-built wire records (sync/PROTOCOL.md §1) for governance tests, and a small pathway with timescales."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from app.config_files import Approval
from app.pathways import Answer, Audience, Node, NodeType, Pathway, PathwayKind, PathwayLibrary

WORKER = uuid.UUID("00000000-0000-7000-8000-00000000000a")
OTHER_WORKER = uuid.UUID("00000000-0000-7000-8000-00000000000b")
LEAD = uuid.UUID("00000000-0000-7000-8000-00000000000c")
DEVICE = uuid.UUID("00000000-0000-7000-8000-0000000000d1")
PERSON = uuid.UUID("00000000-0000-7000-8000-0000000000b1")
PERSON_2 = uuid.UUID("00000000-0000-7000-8000-0000000000b2")


def at(text: str) -> datetime:
    """A UTC time from 'YYYY-MM-DD HH:MM'."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _t(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


_counter = iter(range(1, 10**9))


def new_id() -> uuid.UUID:
    return uuid.UUID(int=(0x7 << 76) | next(_counter))


def _env(
    kind: str,
    person: uuid.UUID,
    author: uuid.UUID,
    authored: datetime,
    payload: dict[str, Any],
    refers_to: uuid.UUID | None = None,
    record_id: uuid.UUID | None = None,
) -> dict[str, Any]:
    return {
        "record_id": str(record_id or new_id()),
        "record_type": kind,
        "schema_version": 1,
        "person_id": str(person),
        "author_id": str(author),
        "device_id": str(DEVICE),
        "authored_at": _t(authored),
        "refers_to": str(refers_to) if refers_to else None,
        "payload": payload,
    }


def note(
    start: datetime,
    outcome: str = "seen",
    steps: tuple[int, ...] = (),
    person: uuid.UUID = PERSON,
    author: uuid.UUID = WORKER,
    recorded: datetime | None = None,
    signed: bool = True,
) -> dict[str, Any]:
    recorded = recorded or start
    return _env(
        "contact_note",
        person,
        author,
        recorded,
        {
            "contact_start": _t(start),
            "contact_end": _t(start),
            "recorded_at": _t(recorded),
            "signed_at": _t(recorded) if signed else None,
            "late_entry": False,
            "late_entry_reason": None,
            "method": "visit",
            "outcome": outcome,
            "narrative": "x",
            "plan_revision_id": None,
            "plan_steps_used": list(steps),
            "next_action": None,
            "next_action_due": None,
            "planned_contact_id": None,
        },
    )


def entered_in_error(note_env: dict[str, Any], when: datetime) -> dict[str, Any]:
    return _env(
        "note_amendment",
        uuid.UUID(note_env["person_id"]),
        WORKER,
        when,
        {"kind": "entered_in_error", "reason": "wrong person", "text": ""},
        uuid.UUID(note_env["record_id"]),
    )


def plan(when: datetime, person: uuid.UUID = PERSON) -> dict[str, Any]:
    return _env(
        "safety_plan_revision",
        person,
        WORKER,
        when,
        {
            "plan_id": str(uuid.uuid5(uuid.NAMESPACE_URL, str(person))),
            "parent_ids": [],
            "co_produced": True,
            "shared_with": [],
            "sections": [],
            "preferences": {},
            "change_summary": "",
        },
    )


def review(
    when: datetime, plan_reviewed: bool = False, person: uuid.UUID = PERSON, trigger: str = "post_crisis_follow_up"
) -> dict[str, Any]:
    return _env(
        "safety_review",
        person,
        WORKER,
        when,
        {
            "trigger": trigger,
            "what_changed": "",
            "persons_account": "",
            "why_it_matters": "",
            "current_concerns": "",
            "protective_factors": "",
            "next_steps": [],
            "plan_reviewed": plan_reviewed,
            "plan_review_note": "",
            "threshold_criteria": [],
        },
    )


def escalation(
    identified: datetime,
    kind: str = "escalation",
    period: str = "in-hours",
    person: uuid.UUID = PERSON,
    author: uuid.UUID = WORKER,
    pathway: str = "test-esc@1",
    recorded: datetime | None = None,
) -> dict[str, Any]:
    return _env(
        "escalation_opened",
        person,
        author,
        recorded or identified,
        {
            "kind": kind,
            "identified_at": _t(identified),
            "criteria": ["current_intent"] if kind == "escalation" else [],
            "rationale": "x",
            "period": period,
            "period_reason": "",
            "versions": {},
            "pathway_id": pathway,
            "cause": [],
        },
    )


def event(
    esc: dict[str, Any],
    event_kind: str,
    when: datetime,
    node: str,
    *,
    action: str | None = None,
    answer: str | None = None,
    reached: bool = False,
    due: datetime | None = None,
    recorded: datetime | None = None,
) -> dict[str, Any]:
    return _env(
        "escalation_event",
        uuid.UUID(esc["person_id"]),
        uuid.UUID(esc["author_id"]),
        recorded or when,
        {
            "event": event_kind,
            "at": _t(when),
            "node_id": node,
            "action": action,
            "answer": answer,
            "contact_id": None,
            "contact_reached": None,
            "reached": reached,
            "information_shared": None,
            "sharing_basis": None,
            "outcome": None,
            "due": _t(due),
            "owner": "Sam" if due else None,
            "note": None,
        },
        uuid.UUID(esc["record_id"]),
    )


def answer(esc: dict[str, Any], when: datetime, node: str, label: str) -> dict[str, Any]:
    return event(esc, "answer", when, node, answer=label)


def acted(esc: dict[str, Any], when: datetime, node: str, reached: bool = True, kind: str = "phoned") -> dict[str, Any]:
    return event(esc, "action", when, node, action=kind, reached=reached)


_APPROVAL = Approval("Test", date(2026, 1, 1), None)

# "life?" → yes: "emergency" (now, 0 min) | no: "duty" (30 min) → "manager" (60 min) → end
ESCALATION_PATHWAY = Pathway(
    id="test-esc",
    title="Test escalation",
    kind=PathwayKind.ESCALATION,
    areas=frozenset({"*"}),
    period=None,
    audience=Audience.STAFF,
    version="1",
    start="life",
    nodes={
        "life": Node(
            "life", NodeType.QUESTION, "Life at risk now?", answers=(Answer("yes", "emergency"), Answer("no", "duty"))
        ),
        "emergency": Node("emergency", NodeType.ACTION, "999", within_minutes=0, next="end"),
        "duty": Node("duty", NodeType.ACTION, "Duty", within_minutes=30, next="manager"),
        "manager": Node("manager", NodeType.ACTION, "Manager", within_minutes=60, next="end"),
        "end": Node("end", NodeType.END, "Done"),
    },
    approval=_APPROVAL,
)

# "attempt" (60 min) → "manager" (120 min) → end
WELFARE_PATHWAY = Pathway(
    id="test-welfare",
    title="Test welfare check",
    kind=PathwayKind.WELFARE_CHECK,
    areas=frozenset({"*"}),
    period=None,
    audience=Audience.STAFF,
    version="1",
    start="attempt",
    nodes={
        "attempt": Node("attempt", NodeType.ACTION, "Try again", within_minutes=60, next="manager"),
        "manager": Node("manager", NodeType.ACTION, "Duty manager", within_minutes=120, next="end"),
        "end": Node("end", NodeType.END, "Done"),
    },
    approval=_APPROVAL,
)

LIBRARY = PathwayLibrary({"esc.toml": ESCALATION_PATHWAY, "welfare.toml": WELFARE_PATHWAY}, None, date(2026, 6, 1))


def supervision(when: datetime, actions: list[tuple[uuid.UUID, date]], person: uuid.UUID = PERSON,
                recorded: datetime | None = None) -> dict[str, Any]:  # fmt: skip
    return _env("supervision", person, LEAD, recorded or when, {
        "session_id": str(new_id()), "worker_id": str(WORKER), "supervised_at": _t(when),
        "escalations_discussed": [], "rationale": "x",
        "actions": [{"action_id": str(a), "action": "x", "owner": "Sam", "owner_id": None, "due": d.isoformat()}
                    for a, d in actions],
    })  # fmt: skip


def learning_review(
    when: datetime, actions: list[tuple[uuid.UUID, date]], person: uuid.UUID = PERSON
) -> dict[str, Any]:
    return _env("learning_review", person, LEAD, when, {
        "occurred_at": _t(when), "what_happened": "x", "what_helped": "x", "delays_barriers": "x",
        "pathway_refinement_needed": False, "pathway_id": None, "pathway_version": None, "refinement": None,
        "actions": [{"action_id": str(a), "action": "x", "owner": "Sam", "owner_id": None, "due": d.isoformat()}
                    for a, d in actions],
    })  # fmt: skip


def action_update(source: dict[str, Any], action_id: uuid.UUID, when: datetime, status: str = "done",
                  recorded: datetime | None = None) -> dict[str, Any]:  # fmt: skip
    return _env("action_update", uuid.UUID(source["person_id"]), LEAD, recorded or when, {
        "action_id": str(action_id), "status": status, "at": _t(when), "note": "x",
    }, uuid.UUID(source["record_id"]))  # fmt: skip


def record_review(reviewed: dict[str, Any], when: datetime) -> dict[str, Any]:
    kind = reviewed["record_type"]
    return _env("record_review", uuid.UUID(reviewed["person_id"]), LEAD, when,
                {"reviewed_type": kind, "comment": None}, uuid.UUID(reviewed["record_id"]))  # fmt: skip
