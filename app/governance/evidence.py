"""The records a governance report reads, parsed once from their wire envelopes (sync/PROTOCOL.md §1).

Both ends hold records in that form (the desktop can make the envelope of any row; the server stores
them as sent), so parsing here is what makes the client's and the server's figures the same. Only the
fields a measure needs are kept: no narrative, rationale or other clinical text enters a report.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from app.actions import ActionSource, ActionStatus, AgreedAction, Update
from storage.records import UpdateRequired, upcast

# Outcomes of a contact note that mean the worker was with or spoke to the person, so a plan step could
# have been used (declined, no answer, not at home and so on could not use one).
CONTACT_MADE = frozenset({"seen", "spoken_to"})
# The record types the measures read; others are passed over, not reported as unreadable.
READ = frozenset(
    {
        "contact_note",
        "note_amendment",
        "safety_plan_revision",
        "safety_review",
        "escalation_opened",
        "escalation_event",
        "record_review",
        "supervision",
        "learning_review",
        "action_update",
    }
)


def _time(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value.replace("Z", "+00:00"))


def _uuid(value: str | None) -> uuid.UUID | None:
    return None if value is None else uuid.UUID(value)


@dataclass(frozen=True, slots=True)
class Note:
    id: uuid.UUID
    person_id: uuid.UUID
    author_id: uuid.UUID
    contact_start: datetime
    outcome: str
    plan_steps_used: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class PlanRevision:
    id: uuid.UUID
    person_id: uuid.UUID
    author_id: uuid.UUID
    at: datetime  # when it was written (the record's own time; a revision has no other event time)


@dataclass(frozen=True, slots=True)
class Review:
    id: uuid.UUID
    person_id: uuid.UUID
    author_id: uuid.UUID
    at: datetime
    trigger: str
    plan_reviewed: bool


@dataclass(frozen=True, slots=True)
class Event:
    """One escalation event, in the order it was recorded (PROTOCOL.md §1.2)."""

    id: uuid.UUID
    recorded_at: datetime
    event: str  # answer / action / follow_up_set / follow_up_done / closed
    at: datetime
    node_id: str
    action: str | None
    answer: str | None
    reached: bool
    due: datetime | None


@dataclass(frozen=True, slots=True)
class Case:
    """An escalation or a welfare check with its events."""

    id: uuid.UUID
    person_id: uuid.UUID
    author_id: uuid.UUID
    kind: str  # escalation / welfare-check
    identified_at: datetime
    period: str  # in-hours / out-of-hours, as decided when it was recorded
    pathway_id: str
    events: tuple[Event, ...] = ()

    @property
    def follow_up(self) -> tuple[Event | None, Event | None]:
        """(the follow-up set that stands, the done that answers it): the latest set stands, and is
        done by a done recorded after it (app.escalations.escalation_state)."""
        current: Event | None = None
        done: Event | None = None
        for e in self.events:
            if e.event == "follow_up_set":
                current, done = e, None
            elif e.event == "follow_up_done" and current is not None:
                done = e
        return current, done


@dataclass(frozen=True, slots=True)
class LeadReview:
    """A team lead's review of a record (a contact note here)."""

    id: uuid.UUID
    target_id: uuid.UUID
    at: datetime


@dataclass(frozen=True)
class Evidence:
    notes: tuple[Note, ...] = ()
    revisions: tuple[PlanRevision, ...] = ()
    reviews: tuple[Review, ...] = ()
    cases: tuple[Case, ...] = ()
    # The lead's records: actions agreed in supervisions and learning reviews, their updates, and reviews
    # of contact notes.
    action_sources: tuple[ActionSource, ...] = ()
    action_updates: tuple[Update, ...] = ()
    lead_reviews: tuple[LeadReview, ...] = ()
    # Records this Waymark could not read (a newer schema): counted on the report, never guessed at.
    unreadable: tuple[uuid.UUID, ...] = field(default=())

    @classmethod
    def from_envelopes(cls, envelopes: Iterable[Mapping[str, Any]]) -> Evidence:
        """Parse envelopes of any order. A note entered in error is left out (it did not happen as
        written); drafts never sync and are left out too."""
        notes: dict[uuid.UUID, Note] = {}
        in_error: set[uuid.UUID] = set()
        revisions: list[PlanRevision] = []
        reviews: list[Review] = []
        opened: dict[uuid.UUID, Mapping[str, Any]] = {}
        events: dict[uuid.UUID, list[Event]] = {}
        unreadable: list[uuid.UUID] = []
        sources: list[ActionSource] = []
        updates: list[tuple[datetime, Update]] = []
        lead_reviews: list[LeadReview] = []
        for raw in envelopes:
            if raw["record_type"] not in READ:
                continue  # planned contacts and the like: no measure reads them
            try:
                env = upcast(raw)
            except UpdateRequired:
                unreadable.append(uuid.UUID(str(raw["record_id"])))
                continue
            rid = uuid.UUID(env["record_id"])
            person = uuid.UUID(env["person_id"])
            author = uuid.UUID(env["author_id"])
            authored = _time(env["authored_at"])
            assert authored is not None
            p = env["payload"]
            match env["record_type"]:
                case "contact_note":
                    if p["signed_at"] is None:
                        continue
                    start = _time(p["contact_start"])
                    assert start is not None
                    steps = tuple(int(s) for s in p["plan_steps_used"])
                    notes[rid] = Note(rid, person, author, start, p["outcome"], steps)
                case "note_amendment":
                    if p["kind"] == "entered_in_error" and env["refers_to"]:
                        in_error.add(uuid.UUID(env["refers_to"]))
                case "safety_plan_revision":
                    revisions.append(PlanRevision(rid, person, author, authored))
                case "safety_review":
                    reviews.append(Review(rid, person, author, authored, p["trigger"], bool(p["plan_reviewed"])))
                case "record_review":
                    if p["reviewed_type"] == "contact_note" and env["refers_to"]:
                        lead_reviews.append(LeadReview(rid, uuid.UUID(env["refers_to"]), authored))
                case "supervision" | "learning_review":
                    # A supervision's actions are agreed when it took place; a learning review's when written.
                    agreed = _time(p["supervised_at"]) if env["record_type"] == "supervision" else authored
                    assert agreed is not None
                    actions = [AgreedAction.from_json(a) for a in p["actions"]]
                    sources.append(ActionSource(rid, env["record_type"], person, agreed, actions))
                case "action_update":
                    done_at = _time(p["at"])
                    assert done_at is not None and env["refers_to"]
                    update = Update(rid, uuid.UUID(env["refers_to"]), uuid.UUID(p["action_id"]),
                                    ActionStatus(p["status"]), done_at)  # fmt: skip
                    updates.append((authored, update))
                case "escalation_opened":
                    opened[rid] = {**env, "payload": p}
                case "escalation_event":
                    at = _time(p["at"])
                    assert at is not None and env["refers_to"]
                    events.setdefault(uuid.UUID(env["refers_to"]), []).append(
                        Event(
                            rid,
                            authored,
                            p["event"],
                            at,
                            p["node_id"],
                            p["action"],
                            p["answer"],
                            bool(p["reached"]),
                            _time(p["due"]),
                        )
                    )
        cases = []
        for rid, env in opened.items():
            p = env["payload"]
            identified = _time(p["identified_at"])
            assert identified is not None
            ordered = tuple(sorted(events.get(rid, ()), key=lambda e: (e.recorded_at, e.id)))
            cases.append(
                Case(
                    rid,
                    uuid.UUID(env["person_id"]),
                    uuid.UUID(env["author_id"]),
                    p["kind"],
                    identified,
                    p["period"],
                    p["pathway_id"],
                    ordered,
                )
            )
        # Every collection in a total order, time then record id: records sync in any order and many share
        # a time (to the minute, or exactly), so a sort by time alone would leave ties in arrival order and
        # the records behind a figure (and so the report) would differ between devices and the server.
        return cls(
            notes=tuple(
                sorted((n for n in notes.values() if n.id not in in_error), key=lambda n: (n.contact_start, str(n.id)))
            ),
            revisions=tuple(sorted(revisions, key=lambda r: (r.at, str(r.id)))),
            reviews=tuple(sorted(reviews, key=lambda r: (r.at, str(r.id)))),
            cases=tuple(sorted(cases, key=lambda c: (c.identified_at, str(c.id)))),
            # Updates in the order they were recorded: the first that closes an action stands (app.actions).
            action_sources=tuple(sorted(sources, key=lambda s: (s.agreed_at, str(s.source_id)))),
            action_updates=tuple(u for _, u in sorted(updates, key=lambda t: (t[0], str(t[1].update_id)))),
            lead_reviews=tuple(sorted(lead_reviews, key=lambda r: (r.at, str(r.id)))),
            unreadable=tuple(sorted(unreadable, key=str)),
        )


def of_worker(evidence: Evidence, author_id: uuid.UUID) -> Evidence:
    """The notes and cases this worker recorded; the reviews and plan revisions that answer them stay
    whoever wrote them (a colleague reviewing the plan after a worker's escalation still counts)."""
    return Evidence(
        notes=tuple(n for n in evidence.notes if n.author_id == author_id),
        revisions=evidence.revisions,
        reviews=evidence.reviews,
        cases=tuple(c for c in evidence.cases if c.author_id == author_id),
        action_sources=evidence.action_sources,
        action_updates=evidence.action_updates,
        lead_reviews=evidence.lead_reviews,
        unreadable=evidence.unreadable,
    )


def authors(evidence: Evidence) -> list[uuid.UUID]:
    return sorted({n.author_id for n in evidence.notes} | {c.author_id for c in evidence.cases}, key=str)
