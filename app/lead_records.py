"""A team lead's records, written through the one write path: reviews of synced records, supervision of
risk decisions, learning reviews, action updates and case audits.

Only a team lead writes them (the write path refuses anyone else and audits the attempt; the server
refuses them too). Each is append-only: a review is never edited, an agreed action is closed by a later
``action_update``, never by changing the record that agreed it.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from app import audit
from app.actions import ActionSource, ActionStatus, AgreedAction, TrackedAction, Update, track
from app.case_audit import CHECKLIST_ID, AnswerDraft, Case, Event, Reason, Sample, check_answers, draw, eligible
from app.changes import Changed
from app.clock import Clock
from app.errors import InvalidInput, NotFound
from app.escalations import Escalation, EscalationKind
from app.ids import new_id
from app.write_path import WritePath
from storage import models
from storage.repo import lead_records as repo
from storage.unit_of_work import UnitOfWork

# What a lead may mark reviewed, by table: the record type named in the review.
REVIEWABLE: dict[type[models.Base], str] = {
    models.ContactNote: "contact_note",
    models.SafetyReview: "safety_review",
    models.Escalation: "escalation_opened",
}


@dataclass(frozen=True, slots=True)
class LeadReview:
    """A team lead's review of a record, as the worker sees it on their note."""

    id: uuid.UUID
    reviewed_id: uuid.UUID
    author_id: uuid.UUID
    created_at: datetime
    comment: str | None = field(repr=False)


@dataclass(frozen=True, slots=True)
class ActionDraft:
    action: str = field(repr=False)
    owner: str = field(repr=False)
    due: date
    owner_id: uuid.UUID | None = None


@dataclass(frozen=True, slots=True)
class PersonDiscussed:
    """One person whose risk decisions were discussed in a supervision."""

    person_id: uuid.UUID
    rationale: str = field(repr=False)  # the rationale for escalating or not, as discussed
    escalations: Sequence[uuid.UUID] = ()
    actions: Sequence[ActionDraft] = ()


@dataclass(frozen=True, slots=True)
class SupervisionDraft:
    worker_id: uuid.UUID
    supervised_at: datetime
    persons: Sequence[PersonDiscussed]


@dataclass(frozen=True, slots=True)
class LearningReviewDraft:
    person_id: uuid.UUID
    occurred_at: datetime
    what_happened: str = field(repr=False)
    what_helped: str = field(repr=False)
    delays_barriers: str = field(repr=False)
    pathway_refinement_needed: bool = False
    pathway_id: str | None = None
    pathway_version: str | None = None
    refinement: str | None = field(default=None, repr=False)
    escalation_id: uuid.UUID | None = None
    actions: Sequence[ActionDraft] = ()


@dataclass(frozen=True, slots=True)
class Discussable:
    """An escalation a lead may pick in a supervision or learning review, with the criteria it cites in the
    organisation's wording (read with it, so choosing a person never goes back to the store)."""

    escalation: Escalation
    criteria: Sequence[str]


@dataclass(frozen=True, slots=True)
class LeadFormChoices:
    """What a lead's supervision and learning-review forms offer: the team's staff (id, name, role) and
    persons (id, name), by name, and each person's escalations, newest first."""

    staff: Sequence[tuple[uuid.UUID, str, str]]
    persons: Sequence[tuple[uuid.UUID, str]]
    escalations: dict[uuid.UUID, Sequence[Discussable]] = field(default_factory=dict)

    def escalations_of(self, person_id: uuid.UUID) -> Sequence[Discussable]:
        return self.escalations.get(person_id, ())


def _actions(drafts: Sequence[ActionDraft]) -> list[dict[str, object]]:
    for draft in drafts:
        if not draft.action.strip() or not draft.owner.strip():
            raise InvalidInput("Agreed actions", "each action needs what is to be done and who owns it")
    return [AgreedAction(new_id(), d.action.strip(), d.owner.strip(), d.due, d.owner_id).to_json() for d in drafts]


class LeadRecordService:
    def __init__(self, uow: UnitOfWork, clock: Clock, actor: audit.Actor) -> None:
        self._uow = uow
        self._clock = clock
        self._writes = WritePath(uow, clock, actor)

    # -- reviews of synced records -------------------------------------------------------------------
    def review(self, record_id: uuid.UUID, comment: str = "") -> tuple[models.RecordReview, Changed]:
        """Mark a synced contact note, safety review or escalation reviewed, with an optional comment."""
        now = self._clock.now()
        self._writes.require_lead("reviews", "record_review", now)
        with self._uow.read() as session:
            found = next(
                ((row, name) for model, name in REVIEWABLE.items() if (row := session.get(model, record_id))),
                None,
            )
            if found is None:
                raise NotFound("That record is not on this laptop, so it cannot be marked reviewed.")
            person_id = found[0].person_id  # type: ignore[attr-defined]
        with self._writes.person(person_id, "reviews", now, lead_only="record_review") as w:
            row = models.RecordReview(
                id=new_id(),
                person_id=person_id,
                author_id=w.staff_id,
                device_id=w.device_id,
                created_at=now,
                reviewed_id=record_id,
                reviewed_type=found[1],
                comment=comment.strip() or None,
            )
            w.record(row)
            return row, Changed.PERSON | w.changed

    def team(self) -> tuple[list[tuple[uuid.UUID, str, str]], list[tuple[uuid.UUID, str]]]:
        """Staff (id, name, role) and persons (id, name) on this laptop, by name: for the lead's forms."""
        with self._uow.read() as session:
            staff = sorted(((sid, n, r) for sid, (n, r) in repo.team_staff_roles(session).items()), key=lambda s: s[1])
            persons = sorted(repo.person_names(session).items(), key=lambda p: p[1])
        return staff, persons

    def last_review_date(self) -> date | None:
        """When this lead last marked anything reviewed (the queue shows what came since, by default)."""
        with self._uow.read() as session:
            mine = [r.created_at for r in repo.all_reviews(session) if r.author_id == self._writes.actor.staff_id]
        return max(mine).date() if mine else None

    def reviews_of(self, record_ids: Sequence[uuid.UUID]) -> list[LeadReview]:
        """Reviews of these records, oldest first. Anyone may read them: a worker sees the reviews of their notes."""
        with self._uow.read() as session:
            return [
                LeadReview(r.id, r.reviewed_id, r.author_id, r.created_at, r.comment)
                for r in repo.reviews_of(session, record_ids)
            ]

    # -- supervision ---------------------------------------------------------------------------------
    def record_supervision(self, draft: SupervisionDraft) -> tuple[list[models.Supervision], Changed]:
        """One record per person discussed, sharing one session id, written in one transaction."""
        if draft.worker_id is None:
            raise InvalidInput("Worker", "choose the worker whose risk decisions were discussed")
        if not draft.persons:
            raise InvalidInput("Persons discussed", "name at least one person whose risk decisions were discussed")
        for person in draft.persons:
            if not person.rationale.strip():
                raise InvalidInput("Rationale", "say the rationale discussed for escalating or not")
        actions = [_actions(p.actions) for p in draft.persons]
        now = self._clock.now()
        session_id = new_id()
        first = draft.persons[0].person_id
        with self._writes.person(first, "supervision", now, lead_only="supervision") as w:
            rows = []
            for person, agreed in zip(draft.persons, actions, strict=True):
                w.also_for(person.person_id)
                rows.append(
                    w.record(
                        models.Supervision(
                            id=new_id(),
                            person_id=person.person_id,
                            author_id=w.staff_id,
                            device_id=w.device_id,
                            created_at=now,
                            session_id=session_id,
                            worker_id=draft.worker_id,
                            supervised_at=draft.supervised_at,
                            escalations_discussed=[str(e) for e in person.escalations],
                            rationale=person.rationale.strip(),
                            actions=agreed,
                        )
                    )
                )
            return rows, Changed.PERSON | w.changed

    # -- learning review -----------------------------------------------------------------------------
    def record_learning_review(self, draft: LearningReviewDraft) -> tuple[models.LearningReview, Changed]:
        for label, value in (("What happened", draft.what_happened),):
            if not value.strip():
                raise InvalidInput(label, "is required")
        if draft.pathway_refinement_needed and not (draft.pathway_id and (draft.refinement or "").strip()):
            raise InvalidInput("Pathway refinement", "name the pathway and say what needs refining")
        agreed = _actions(draft.actions)
        now = self._clock.now()
        with self._writes.person(draft.person_id, "learning reviews", now, lead_only="learning_review") as w:
            if draft.escalation_id is not None:
                escalation = w.session.get(models.Escalation, draft.escalation_id)
                if escalation is None or escalation.person_id != draft.person_id:
                    raise NotFound("That escalation is not on this laptop for this person.")
            row = models.LearningReview(
                id=new_id(),
                person_id=draft.person_id,
                author_id=w.staff_id,
                device_id=w.device_id,
                created_at=now,
                escalation_id=draft.escalation_id,
                occurred_at=draft.occurred_at,
                what_happened=draft.what_happened.strip(),
                what_helped=draft.what_helped.strip(),
                delays_barriers=draft.delays_barriers.strip(),
                pathway_refinement_needed=draft.pathway_refinement_needed,
                pathway_id=draft.pathway_id,
                pathway_version=draft.pathway_version,
                refinement=(draft.refinement or "").strip() or None,
                actions=agreed,
            )
            w.record(row)
            return row, Changed.PERSON | w.changed

    # -- actions tracked to completion ---------------------------------------------------------------
    def update_action(
        self, source_id: uuid.UUID, action_id: uuid.UUID, status: ActionStatus, note: str, at: datetime | None = None
    ) -> tuple[models.ActionUpdate, Changed]:
        """Close an agreed action as done or cancelled. A cancellation needs a reason."""
        if status is ActionStatus.CANCELLED and not note.strip():
            raise InvalidInput("Why it was cancelled", "is required")
        now = self._clock.now()
        self._writes.require_lead("action updates", "action_update", now)
        with self._uow.read() as session:
            source = session.get(models.Supervision, source_id) or session.get(models.LearningReview, source_id)
            if source is None:
                raise NotFound("The supervision or learning review that agreed this action is not on this laptop.")
            person_id = source.person_id
            if not any(str(a["action_id"]) == str(action_id) for a in source.actions):
                raise NotFound("That action was not agreed in this record.")
            if any(u.source_id == source_id and u.action_id == action_id for u in repo.action_updates(session)):
                raise InvalidInput("Action", "is already closed; its history is kept as recorded")
        with self._writes.person(person_id, "action updates", now, lead_only="action_update") as w:
            row = models.ActionUpdate(
                id=new_id(),
                person_id=person_id,
                author_id=w.staff_id,
                device_id=w.device_id,
                created_at=now,
                source_id=source_id,
                action_id=action_id,
                status=status.value,
                at=at or now,
                note=note.strip(),
            )
            w.record(row)
            return row, Changed.PERSON | w.changed

    # -- case audit ----------------------------------------------------------------------------------
    def draw_sample(self, period_from: date, period_to: date, size: int, seed: int) -> Sample:
        """A sample of cases with an escalation, welfare check or missed contact in the period, drawn from
        ``seed`` (recorded with each audit), never a case this reviewer worked on. Only a team lead draws."""
        now = self._clock.now()
        self._writes.require_lead("case audits", "case_audit", now, doing="sample for")
        with self._uow.read() as session:
            events = [
                (person, Event(Reason(reason), record_id, at))
                for person, reason, record_id, at, _author in repo.process_events(session)
            ]
            workers = repo.case_workers(session)
        cases = eligible(events, workers, period_from, period_to)
        assert self._writes.actor.staff_id is not None
        return draw(cases, self._writes.actor.staff_id, size, seed, sample_id=new_id(), drawn_at=now,
                    period_from=period_from, period_to=period_to)  # fmt: skip

    def record_case_audit(
        self, sample: Sample, case: Case, answers: Sequence[AnswerDraft], comment: str = ""
    ) -> tuple[models.CaseAudit, Changed]:
        """The reviewer's checklist answers for one sampled case, with the sample's seed and period."""
        if case not in sample.cases:
            raise InvalidInput("Case", "is not in this sample")
        check_answers(answers)
        now = self._clock.now()
        with self._writes.person(case.person_id, "case audits", now, lead_only="case_audit") as w:
            if w.staff_id in case.workers:
                raise InvalidInput("Reviewer", "may not audit a case they worked on")
            row = models.CaseAudit(
                id=new_id(),
                person_id=case.person_id,
                author_id=w.staff_id,
                device_id=w.device_id,
                created_at=now,
                sample_id=sample.sample_id,
                seed=sample.seed,
                drawn_at=sample.drawn_at,
                period_from=sample.period_from,
                period_to=sample.period_to,
                selected_for=[{"reason": e.reason.value, "record_id": str(e.record_id)} for e in case.events],
                case_workers=sorted(str(x) for x in case.workers),
                checklist=CHECKLIST_ID,
                answers=[
                    {"question_id": a.question_id, "answer": a.answer.value, "note": (a.note or "").strip() or None}
                    for a in answers
                ],
                comment=comment.strip(),
            )
            w.record(row)
            return row, Changed.PERSON | w.changed

    def recorded(self, today: date | None = None) -> list[RecordedDiscussion]:
        """Every supervision session and learning review on this laptop, newest first, whole. A team lead's
        only (anyone else is refused, and the attempt audited); reading them is audited as a view."""
        now = self._clock.now()
        self._writes.require_lead("supervision and learning-review records", "supervision", now, doing="open")
        tracked = self.actions(today)
        by_source: dict[uuid.UUID, list[TrackedAction]] = {}
        for a in tracked:
            by_source.setdefault(a.source_id, []).append(a)
        with self._uow.read() as session:
            staff = repo.staff_roles(session)
            persons = repo.person_names(session)
            escalations = {e.id: e for e in repo.escalations(session)}

            def ref(raw: object) -> EscalationRef:
                eid = uuid.UUID(str(raw))
                e = escalations.get(eid)
                if e is None:
                    return EscalationRef(eid, None)
                return EscalationRef(eid, e.identified_at, e.kind == EscalationKind.WELFARE_CHECK.value, e.rationale)

            def person(pid: uuid.UUID, rationale: str, refs: Sequence[object], source: uuid.UUID) -> PersonRecorded:
                return PersonRecorded(pid, persons.get(pid, "A person not on this laptop"), rationale,
                                      tuple(ref(r) for r in refs), tuple(by_source.get(source, ())))  # fmt: skip

            sessions: dict[uuid.UUID, list[models.Supervision]] = {}
            for row in repo.supervisions(session):
                sessions.setdefault(row.session_id, []).append(row)
            found = [
                RecordedDiscussion(
                    sid,
                    "supervision",
                    rows[0].supervised_at,
                    _name(staff, rows[0].author_id),
                    _name(staff, rows[0].worker_id),
                    tuple(person(r.person_id, r.rationale, r.escalations_discussed, r.id) for r in rows),
                    source_ids=tuple(r.id for r in rows),
                )
                for sid, rows in sessions.items()
            ]
            found += [
                RecordedDiscussion(
                    r.id,
                    "learning_review",
                    r.occurred_at,
                    _name(staff, r.author_id),
                    None,
                    (person(r.person_id, "", [r.escalation_id] if r.escalation_id else [], r.id),),
                    r.what_happened,
                    r.what_helped,
                    r.delays_barriers,
                    (r.refinement or "(not said)")
                    + (f" — pathway {r.pathway_id}@{r.pathway_version}" if r.pathway_id else "")
                    if r.pathway_refinement_needed
                    else None,
                    source_ids=(r.id,),
                )
                for r in repo.learning_reviews(session)
            ]
        with self._uow.write() as session:
            audit.append(session, self._writes.actor, audit.AuditAction.VIEW, now, "supervision")
        return sorted(found, key=lambda d: (d.at, str(d.id)), reverse=True)

    def actions(self, today: date | None = None) -> list[TrackedAction]:
        """Every agreed action on this laptop with its state today."""
        with self._uow.read() as session:
            sources = [_source(r, "supervision") for r in repo.supervisions(session)]
            sources += [_source(r, "learning_review") for r in repo.learning_reviews(session)]
            updates = [
                Update(u.id, u.source_id, u.action_id, ActionStatus(u.status), u.at, u.note)
                for u in repo.action_updates(session)
            ]
        return track(sources, updates, today or self._clock.now().date())


@dataclass(frozen=True, slots=True)
class EscalationRef:
    """An escalation named in a supervision or learning review, as the lead reads it back."""

    id: uuid.UUID
    identified_at: datetime | None  # None: not on this laptop
    welfare_check: bool = False
    rationale: str = field(default="", repr=False)

    def describe(self) -> str:
        if self.identified_at is None:
            return "An escalation not on this laptop"
        kind = "Welfare check" if self.welfare_check else "Escalation"
        return f"{kind} of {self.identified_at.astimezone():%a %d %b %Y %H:%M} — why: {self.rationale}"


@dataclass(frozen=True, slots=True)
class PersonRecorded:
    person_id: uuid.UUID
    person: str = field(repr=False)
    rationale: str = field(repr=False)
    escalations: tuple[EscalationRef, ...]
    actions: tuple[TrackedAction, ...]


@dataclass(frozen=True, slots=True)
class RecordedDiscussion:
    """A recorded supervision session (every person discussed in it) or learning review, whole, so a lead
    can find it again and read who, which persons and escalations, the rationale, and each agreed action
    with its owner, due day and state."""

    id: uuid.UUID  # the session id of a supervision, the record id of a learning review
    kind: str  # "supervision" or "learning_review"
    at: datetime  # when it took place (supervised at; the incident or escalation reviewed)
    recorded_by: str = field(repr=False)
    worker: str | None = field(repr=False)  # whose risk decisions were supervised (supervision only)
    persons: tuple[PersonRecorded, ...]
    what_happened: str = field(default="", repr=False)
    what_helped: str = field(default="", repr=False)
    delays: str = field(default="", repr=False)
    refinement: str | None = field(default=None, repr=False)  # the pathway change asked for, if any
    source_ids: tuple[uuid.UUID, ...] = ()  # the records behind it (an action's source is one of them)

    @property
    def title(self) -> str:
        names = ", ".join(p.person for p in self.persons)
        if self.kind == "supervision":
            return f"{self.at.astimezone():%d %b %Y} Supervision of {self.worker}: {names}"
        return f"{self.at.astimezone():%d %b %Y} Learning review: {names}"

    @property
    def actions(self) -> tuple[TrackedAction, ...]:
        return tuple(a for p in self.persons for a in p.actions)


def _name(names: dict[uuid.UUID, tuple[str, str]], staff_id: uuid.UUID | None) -> str:
    return names.get(staff_id, ("someone not on this laptop", ""))[0] if staff_id else "someone not on this laptop"


def _source(row: models.Supervision | models.LearningReview, kind: str) -> ActionSource:
    agreed_at = row.supervised_at if isinstance(row, models.Supervision) else row.created_at
    return ActionSource(row.id, kind, row.person_id, agreed_at, [AgreedAction.from_json(a) for a in row.actions])
