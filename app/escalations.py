"""Escalations: a worker's judgement against the threshold criteria, walked through the pathway for now.

Complete and valid offline. Recording an escalation tells nobody: until an action records that a
contact was reached, ``Escalation.reached_anyone`` is False and the UI says so, with the number to phone.
Sync is never notification.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from app import audit, sharing
from app.changes import Changed
from app.clock import Clock
from app.directory import DirectoryEntry, Offer
from app.errors import InvalidInput, NotFound
from app.hours import LONDON, Period, PeriodDecision
from app.ids import derived_id, new_id
from app.labels import LabelledEnum
from app.missed_contacts import RecontactRoute, recontact_routes
from app.org_config import OrgConfig
from app.pathways import MOVE_ON, CriteriaSet, Node, NodeType, Pathway, PathwayKind, Step, Walk, walk
from app.persons import Nation, Person
from app.time_bounds import check_follow_up_due, check_identified_at
from app.write_path import Write, WritePath
from storage import models
from storage.repo import escalations as escalations_repo
from storage.repo import notes as notes_repo
from storage.repo import sharing as sharing_repo
from storage.unit_of_work import Session, UnitOfWork


class EscalationKind(enum.StrEnum):
    ESCALATION = "escalation"
    WELFARE_CHECK = "welfare-check"


class ActionKind(LabelledEnum):
    PHONED = "phoned"
    TEXTED = "texted"
    EMAILED = "emailed"
    IN_PERSON = "in_person"
    DONE = "done"  # an action step with nobody to contact, e.g. reviewing the safety history
    OTHER = "other"  # something done alongside the pathway: recorded, does not move it on
    # Recorded by the service itself:
    ANSWER = "answer"
    FOLLOW_UP = "follow_up"
    FOLLOW_UP_DONE = "follow_up_done"
    CLOSED = "closed"


def action_kind(value: str) -> ActionKind:
    """A stored kind as today's ActionKind. Kinds older stores used that no longer exist (schema 1's
    'contact') read as OTHER: kept and shown, never moving the pathway on, never counted as reaching
    someone who can act, and never a crash that hides the rest of the escalation."""
    try:
        return ActionKind(value)
    except ValueError:
        return ActionKind.OTHER


# Ways of getting through to someone; DONE (a step with nobody to contact) and OTHER never are.
CONTACT_KINDS = frozenset({"phoned", "texted", "emailed", "in_person"})


WORKER_ACTIONS = (
    ActionKind.PHONED,
    ActionKind.TEXTED,
    ActionKind.EMAILED,
    ActionKind.IN_PERSON,
    ActionKind.DONE,
    ActionKind.OTHER,
)


class EscalationOutcome(LabelledEnum):
    PERSON_SAFE_PLAN_AGREED = "person_safe_plan_agreed"
    CRISIS_TEAM_ACCEPTED = "crisis_team_accepted"
    EMERGENCY_SERVICES_ATTENDED = "emergency_services_attended"
    ADMITTED = "admitted"
    CONTACT_RE_ESTABLISHED = "contact_re_established"
    WELFARE_CONFIRMED_BY_THIRD_PARTY = "welfare_confirmed_by_third_party"
    NO_CONTACT_ONGOING = "no_contact_ongoing"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class EscalationDraft:
    person_id: uuid.UUID
    criteria: Sequence[str]
    rationale: str = field(repr=False)
    identified_at: datetime | None = None  # the event time; defaults to now


@dataclass(frozen=True, slots=True)
class ActionDraft:
    node_id: str
    kind: ActionKind
    reached: bool  # the contact was reached, or the step was done: the pathway moves on
    at: datetime | None = None  # defaults to now; editable, never in the future
    contact_id: str | None = None
    contact_reached: str | None = field(default=None, repr=False)  # who: name and role
    outcome: str | None = field(default=None, repr=False)
    information_shared: str | None = field(default=None, repr=False)
    sharing_basis: str | None = field(default=None, repr=False)
    # Not reached, and the worker says to take the pathway's route for that (otherwise: tried again, here).
    move_on: bool = False
    # Consent at the moment of sharing (issue 9, finding 7): kept in the record's sharing basis.
    capacity_decision: str | None = field(default=None, repr=False)  # behind a "best interests" share
    consent_confirmed: bool = False  # consent confirmed now beyond a preference that says "not details"


@dataclass(frozen=True, slots=True)
class ActionRecord:
    id: uuid.UUID
    at: datetime
    node_id: str
    kind: ActionKind
    reached: bool
    answer: str | None
    contact_id: str | None
    contact_reached: str | None = field(repr=False)
    outcome: str | None = field(repr=False)
    information_shared: str | None = field(repr=False)
    sharing_basis: str | None = field(repr=False)
    due: datetime | None
    can_act: bool = False  # the contact reached is in the directory as someone who can act (finding 2)

    @classmethod
    def from_row(cls, row: models.EscalationAction, can_act: bool = False) -> ActionRecord:
        return cls(
            row.id,
            row.at,
            row.node_id,
            action_kind(row.kind),
            row.reached,
            row.answer,
            row.contact_id,
            row.contact_reached,
            row.outcome,
            row.information_shared,
            row.sharing_basis,
            row.due,
            can_act,
        )

    @property
    def is_step(self) -> bool:
        return self.kind not in (ActionKind.FOLLOW_UP, ActionKind.FOLLOW_UP_DONE, ActionKind.CLOSED)

    @property
    def tells_someone_who_can_act(self) -> bool:
        return self.is_step and self.reached and self.kind.value in CONTACT_KINDS and self.can_act


@dataclass(frozen=True, slots=True)
class Timeliness:
    """One required action on the path taken, against its local standard, from the records alone."""

    node: Node
    due_by: datetime
    first_done_at: datetime | None

    def met(self) -> bool | None:
        """True or False once acted on; None while still open."""
        return None if self.first_done_at is None else self.first_done_at <= self.due_by

    def describe(self, now: datetime) -> str:
        if self.first_done_at is not None:
            delay = self.first_done_at - self.due_by
            return "within the standard" if delay <= timedelta(0) else f"late by {_duration(delay)}"
        if now > self.due_by:
            return f"overdue by {_duration(now - self.due_by)}"
        # London wall-clock time, as the "Now" panel says it: a UTC time is an hour out in summer time.
        return f"due by {_clock_time(self.due_by, now)}"

    def now_wording(self, now: datetime) -> str:
        """The step's time as the "Now" panel says it, in words only (never a colour or a risk word): within
        its standard while there is time; once the time has passed and nothing was done here, overdue and by
        how long, with when it was due; once acted on, when and whether that was within the standard.

        Said of the step the pathway stands at: acted on and still there means nobody was reached (or the
        step is not done), and that leads, so "within the time" never reads as reassurance on its own."""
        immediately = self.node.within_minutes == 0
        by = _clock_time(self.due_by, now)
        if self.first_done_at is not None:
            done = _clock_time(self.first_done_at, now)
            late = self.first_done_at - self.due_by
            calls = bool(self.node.contacts) or self.node.reach_person
            lead = (
                f"Nobody reached yet — first tried at {done}" if calls else f"Not done yet — first acted on at {done}"
            )
            if late >= timedelta(minutes=1):
                return f"{lead}, {_duration(late)} after it was due (by {by})"
            return f"{lead}, within the time (due by {by})"
        overdue = now - self.due_by
        if overdue >= timedelta(minutes=1):
            was = f"immediately (at {by})" if immediately else f"by {by}"
            return f"Overdue by {_duration(overdue)} — was due {was}"
        return "Immediately" if immediately else f"Within {self.node.within_minutes} min (by {by})"


NEWER_PATHWAY = "A newer pathway has arrived; this escalation continues on the version it started with."


@dataclass(frozen=True)
class Escalation:
    id: uuid.UUID
    person_id: uuid.UUID
    kind: EscalationKind
    identified_at: datetime
    criteria: tuple[str, ...]
    rationale: str = field(repr=False)
    period: PeriodDecision
    pathway: Pathway
    pathway_warning: str | None
    versions: dict[str, str]
    actions: tuple[ActionRecord, ...]
    walk: Walk
    follow_up_due: datetime | None
    follow_up_owner: str | None = field(repr=False)
    closed_at: datetime | None
    outcome: EscalationOutcome | None
    closing_note: str | None = field(default=None, repr=False)
    follow_up_done_at: datetime | None = None
    follow_up_done_by: str | None = field(default=None, repr=False)
    follow_up_outcome: str | None = field(default=None, repr=False)
    # Set while the escalation is open and a newer version of its pathway has arrived since it started.
    pathway_notice: str | None = None

    @property
    def reached_anyone(self) -> bool:
        """Whether an action records reaching a contact who can act (a service, a duty or crisis team, a
        manager, emergency services). Saving, sync, family or friends, or a step marked done tell nobody."""
        return any(a.tells_someone_who_can_act for a in self.actions)

    @property
    def reached_others(self) -> tuple[ActionRecord, ...]:
        """Reached, recorded and shown, but not someone who can act: family, friends, a listening line."""
        return tuple(
            a
            for a in self.actions
            if a.is_step
            and a.kind is not ActionKind.ANSWER
            and a.reached
            and (a.contact_id or a.contact_reached)
            and not a.tells_someone_who_can_act
        )

    @property
    def closing_reason(self) -> str | None:
        """Closed with nobody who can act reached: the closing note is the recorded reason why."""
        return self.closing_note if self.closed_at is not None and not self.reached_anyone else None

    @property
    def follow_up_overdue_at(self) -> datetime | None:
        """When the follow-up fell due, if it is not done (open or closed, it is work until it is)."""
        return self.follow_up_due if self.follow_up_due is not None and self.follow_up_done_at is None else None

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    @property
    def first_action_after(self) -> timedelta | None:
        """Trigger to first action: the first thing the worker did after identifying the concern."""
        steps = [a.at for a in self.actions if a.is_step and a.kind is not ActionKind.ANSWER]
        return min(steps) - self.identified_at if steps else None

    def timeliness(self) -> list[Timeliness]:
        """Each action node on the path taken that has a local standard, and when it was first acted on."""
        result = []
        for node_id in dict.fromkeys(self.walk.path):
            node = self.pathway.node(node_id)
            if node.type is not NodeType.ACTION or node.within_minutes is None:
                continue
            # An "other" action recorded at a step (a partner phoned alongside it) is not doing the step.
            done = [a.at for a in self.actions if a.node_id == node_id and a.is_step and a.kind in _STEP_DONE_KINDS]
            result.append(
                Timeliness(node, self.identified_at + timedelta(minutes=node.within_minutes), min(done, default=None))
            )
        return result


@dataclass(frozen=True, slots=True)
class EscalationState:
    """Follow-up and closure, as the escalation's events say: nothing of it is stored on the escalation."""

    follow_up_due: datetime | None = None
    follow_up_owner: str | None = field(default=None, repr=False)
    closed_at: datetime | None = None
    outcome: EscalationOutcome | None = None
    closing_note: str | None = field(default=None, repr=False)
    follow_up_done_at: datetime | None = None
    follow_up_done_by: str | None = field(default=None, repr=False)
    follow_up_outcome: str | None = field(default=None, repr=False)


def escalation_state(actions: Sequence[ActionRecord]) -> EscalationState:
    """Fold the events in the order they were recorded: the latest follow-up set stands, and is done by a
    follow-up done recorded after it; the first closing closes (the service refuses a second)."""
    state = EscalationState()
    for a in actions:
        if a.kind is ActionKind.FOLLOW_UP:
            state = replace(
                state, follow_up_due=a.due, follow_up_owner=a.contact_reached,
                follow_up_done_at=None, follow_up_done_by=None, follow_up_outcome=None,
            )  # fmt: skip
        elif a.kind is ActionKind.FOLLOW_UP_DONE:
            state = replace(state, follow_up_done_at=a.at, follow_up_done_by=a.contact_reached,
                            follow_up_outcome=a.outcome)  # fmt: skip
        elif a.kind is ActionKind.CLOSED and state.closed_at is None:
            outcome = EscalationOutcome(a.outcome) if a.outcome else None
            state = replace(state, closed_at=a.at, outcome=outcome, closing_note=a.information_shared)
    return state


@dataclass(frozen=True, slots=True)
class PeriodChange:
    """An open escalation's period has changed since it started: what it is now, and the pathway for now."""

    started: PeriodDecision
    now: PeriodDecision
    pathway: Pathway

    def describe(self) -> str:
        now = "in hours" if self.now.period is Period.IN_HOURS else "out of hours"
        then = "in hours" if self.started.period is Period.IN_HOURS else "out of hours"
        return (
            f"This escalation started {then}; it is now {now} ({self.now.reason}). Lines for {then} may be "
            f"closed: the {self.now.period.value} pathway's contacts are offered for the steps still to do. The "
            "record keeps the pathway it started on and every contact you record."
        )


@dataclass(frozen=True, slots=True)
class CallNow:
    """Who to phone from where the pathway stands: each next action and its first open contact."""

    node: Node
    offers: tuple[Offer, ...]  # serving the person, open ones first

    @property
    def best(self) -> Offer | None:
        return self.offers[0] if self.offers else None


# Said beside a criterion code an escalation cites that the organisation's criteria no longer hold.
NO_LONGER_A_CRITERION = "code only: no longer in this organisation's threshold criteria"


def criteria_labels(codes: Sequence[str], known: CriteriaSet | None) -> list[str]:
    """The criteria an escalation cites, as the organisation's approved wording, never as their codes; a
    code the organisation no longer has (or criteria that could not be loaded) is shown as the code, marked
    as such, so nothing the worker ticked disappears from the record."""
    labels = []
    for code in codes:
        criterion = known.get(code) if known is not None else None
        labels.append(criterion.wording if criterion is not None else f"{code} ({NO_LONGER_A_CRITERION})")
    return labels


class EscalationService:
    def __init__(self, uow: UnitOfWork, clock: Clock, actor: audit.Actor, config: OrgConfig) -> None:
        self._uow = uow
        self._clock = clock
        self._writes = WritePath(uow, clock, actor)
        self.config = config

    def criteria_labels(self, escalation: Escalation) -> list[str]:
        """The criteria the escalation cites, in the organisation's approved wording (see criteria_labels)."""
        return criteria_labels(escalation.criteria, self.config.pathways.criteria)

    # -- starting -----------------------------------------------------------------------------------

    def preview(self, person_id: uuid.UUID, at: datetime | None = None) -> tuple[PeriodDecision, Pathway, str | None]:
        """The period and pathway an escalation started now would use (shown before it is saved)."""
        at = at or self._clock.now()
        with self._uow.read() as session:
            person = _person(session, person_id)
            return self._route(person, at, PathwayKind.ESCALATION)

    def start(self, draft: EscalationDraft) -> tuple[Escalation, Changed]:
        now = self._clock.now()
        criteria = list(dict.fromkeys(c.strip() for c in draft.criteria if c.strip()))
        known = self.config.pathways.criteria
        if not criteria:
            raise InvalidInput("Threshold criteria", "tick at least one criterion that is met")
        if known is None or any(known.get(c) is None for c in criteria):
            raise InvalidInput("Threshold criteria", "include one this organisation has not approved")
        rationale = draft.rationale.strip()
        if not rationale:
            raise InvalidInput("Why", "write in your own words why you are escalating")
        identified = self._event_time(draft.identified_at, now, "When you identified the concern")
        with self._writes.person(draft.person_id, "escalations", now) as w:
            check_identified_at(identified, now, w.person.created_at)
            row = self._insert(w, EscalationKind.ESCALATION, identified, criteria, rationale)
            return self._load(w.session, row), Changed.PERSON | Changed.CASELOAD | w.changed

    def raise_welfare_check(
        self, write: Write, identified_at: datetime, reason: str, cause: Sequence[uuid.UUID], policy: str
    ) -> uuid.UUID:
        """The missed-contact policy's welfare check, in the caller's transaction. Its reason is the rule that
        fired, stated as such; no clinical criterion is ticked on the worker's behalf.

        Its id is derived from the person and the missed notes that caused it, so a second writer applying
        the policy to the same notes finds the same welfare check instead of raising another."""
        record_id = derived_id(EscalationKind.WELFARE_CHECK.value, write.person.id, cause)
        if write.session.get(models.Escalation, record_id) is None:
            self._insert(
                write, EscalationKind.WELFARE_CHECK, identified_at, [], reason, record_id, cause,
                {"missed_contact_policy": policy},
            )  # fmt: skip
        return record_id

    def _insert(
        self,
        w: Write,
        kind: EscalationKind,
        identified: datetime,
        criteria: list[str],
        rationale: str,
        record_id: uuid.UUID | None = None,
        cause: Sequence[uuid.UUID] = (),
        cites: dict[str, str] | None = None,
    ) -> models.Escalation:
        pathway_kind = PathwayKind.ESCALATION if kind is EscalationKind.ESCALATION else PathwayKind.WELFARE_CHECK
        period, pathway, warning = self._route(w.person, identified, pathway_kind)
        versions = {"pathway": pathway.ref, **self.config.versions, **(cites or {})}
        if warning:
            versions["fallback_warning"] = warning
        row = models.Escalation(
            id=record_id or new_id(),
            person_id=w.person.id,
            author_id=w.staff_id,
            device_id=w.device_id,
            created_at=w.now,
            kind=kind.value,
            identified_at=identified,
            criteria=criteria,
            rationale=rationale,
            period=period.period.value,
            period_reason=period.reason,
            versions=versions,
            pathway_id=pathway.ref,
            cause=[str(c) for c in cause],
        )
        return w.record(row)

    def _route(
        self, person: models.Person, at: datetime, kind: PathwayKind
    ) -> tuple[PeriodDecision, Pathway, str | None]:
        period = self.config.calendars.for_area(person.area).period_at(at, person.nation)
        choice = self.config.pathways.choose(kind, person.area, period.period)
        return period, choice.pathway, choice.warning

    # -- walking ------------------------------------------------------------------------------------

    def answer(
        self, escalation_id: uuid.UUID, node_id: str, label: str, at: datetime | None = None
    ) -> tuple[Escalation, Changed]:
        now = self._clock.now()
        at = self._event_time(at, now, "Time")
        with self._writes.about(models.Escalation, escalation_id, "escalations", _MISSING, now) as (w, row):
            esc = self._load(w.session, row)
            node = esc.walk.current
            if node.id != node_id or node.type is not NodeType.QUESTION:
                raise InvalidInput("Answer", "the pathway has moved on from that question; nothing was saved")
            if label not in [a.label for a in node.answers]:
                raise InvalidInput("Answer", f"must be one of: {', '.join(a.label for a in node.answers)}")
            self._add_action(w, esc, at=at, node_id=node_id, kind=ActionKind.ANSWER, answer=label)
            return self._load(w.session, row), Changed.PERSON | w.changed

    def record_action(self, escalation_id: uuid.UUID, draft: ActionDraft) -> tuple[Escalation, Changed]:
        """Record what the worker did at an action step (at the current step, or off the path, which is
        kept as a deviation). Durable once this returns."""
        now = self._clock.now()
        at = self._event_time(draft.at, now, "Time")
        if draft.kind not in WORKER_ACTIONS:
            raise InvalidInput("What you did", "choose phoned, texted, emailed, in person, done or other")
        shared = (draft.information_shared or "").strip() or None
        basis = (draft.sharing_basis or "").strip() or None
        if shared and not basis:
            raise InvalidInput("Sharing basis", "say on what basis information was shared (consent, risk to life…)")
        with self._writes.about(models.Escalation, escalation_id, "escalations", _MISSING, now) as (w, row):
            esc = self._load(w.session, row)
            if not esc.is_open:
                raise InvalidInput("Action", "this escalation is closed; start a new one or add a contact note")
            if draft.node_id not in esc.pathway.nodes:
                raise InvalidInput("Step", "is not part of this pathway")
            if at < esc.identified_at - timedelta(minutes=5):
                raise InvalidInput("Time", "is before the concern was identified")
            node = esc.pathway.node(draft.node_id)
            move_on = draft.move_on and not draft.reached
            if move_on and node.if_not_reached is None:
                raise InvalidInput(
                    "Not reached", "this step has no other route: try again, or phone 999 if life is at risk"
                )
            if (
                draft.contact_id
                and draft.contact_id not in node.contacts
                and self.config.directory.get(draft.contact_id) is None
            ):
                raise InvalidInput("Contact", "is not in the contacts directory")
            if shared and basis:
                prefs = self._preferences(w.session, esc.person_id, self._recipient_names(draft))
                basis = sharing.checked_basis(basis, prefs, draft.capacity_decision, draft.consent_confirmed)
            if draft.kind is ActionKind.DONE and draft.contact_id:
                # "Done" is a step with nobody to contact: with a contact it read as reaching them.
                raise InvalidInput("Contact", "'Done' is for a step with nobody to contact: say how you contacted them")
            action = self._add_action(
                w,
                esc,
                at=at,
                node_id=draft.node_id,
                kind=draft.kind,
                reached=draft.reached,
                contact_id=draft.contact_id,
                contact_reached=(draft.contact_reached or "").strip() or None,
                outcome=(draft.outcome or "").strip() or None,
                information_shared=shared,
                sharing_basis=basis,
            )
            if shared:
                w.audit(action, audit.AuditAction.SHARE)
            if move_on:
                # The attempt above is what was done; moving on is the worker's decision, recorded on its own
                # so the log never shows it as another call.
                self._add_action(w, esc, at=at, node_id=draft.node_id, kind=ActionKind.ANSWER, answer=MOVE_ON)
            return self._load(w.session, row), Changed.PERSON | w.changed

    def move_on(self, escalation_id: uuid.UUID, node_id: str, at: datetime | None = None) -> tuple[Escalation, Changed]:
        """Nobody was reached at this action step and the worker takes the pathway's route for that: a decision,
        recorded with no contact and no call (the attempts made here are recorded as they were made)."""
        now = self._clock.now()
        at = self._event_time(at, now, "Time")
        with self._writes.about(models.Escalation, escalation_id, "escalations", _MISSING, now) as (w, row):
            esc = self._load(w.session, row)
            if not esc.is_open:
                raise InvalidInput("Action", "this escalation is closed; start a new one or add a contact note")
            node = esc.walk.current
            if node.id != node_id or node.type is not NodeType.ACTION:
                raise InvalidInput("Not reached", "the pathway has moved on from that step; nothing was saved")
            if node.if_not_reached is None:
                raise InvalidInput(
                    "Not reached", "this step has no other route: try again, or phone 999 if life is at risk"
                )
            if at < esc.identified_at - timedelta(minutes=5):
                raise InvalidInput("Time", "is before the concern was identified")
            self._add_action(w, esc, at=at, node_id=node_id, kind=ActionKind.ANSWER, answer=MOVE_ON)
            return self._load(w.session, row), Changed.PERSON | w.changed

    # -- sharing ------------------------------------------------------------------------------------

    def sharing_preferences(self, person_id: uuid.UUID, recipient: str | None) -> list[sharing.SharingPref]:
        """The person's recorded sharing preferences about this recipient (a directory id or a name)."""
        entry = self.config.directory.get(recipient) if recipient else None
        names = [entry.service if entry else recipient]
        with self._uow.read() as session:
            return self._preferences(session, person_id, names)

    def describe_preferences(self, person_id: uuid.UUID, recipient: str | None) -> str:
        """The same preferences in words (a directory id is looked up by sharing_preferences, once)."""
        return sharing.describe(self.sharing_preferences(person_id, recipient))

    def _recipient_names(self, draft: ActionDraft) -> list[str | None]:
        entry = self.config.directory.get(draft.contact_id) if draft.contact_id else None
        return [entry.service if entry else None, draft.contact_reached]

    @staticmethod
    def _preferences(session: Session, person_id: uuid.UUID, names: Sequence[str | None]) -> list[sharing.SharingPref]:
        prefs = [
            sharing.SharingPref(p.recipient, p.what, p.decision, p.confidentiality_limits_explained, p.review_due)
            for p in sharing_repo.of_person(session, person_id)
        ]
        return sharing.for_recipient(prefs, names)

    def set_follow_up(self, escalation_id: uuid.UUID, due: datetime, owner: str) -> tuple[Escalation, Changed]:
        now = self._clock.now()
        if due.tzinfo is None:
            raise InvalidInput("Follow-up due", "needs a time zone")
        if not owner.strip():
            raise InvalidInput("Follow-up owner", "say who will follow up")
        check_follow_up_due(due, now)
        with self._writes.about(models.Escalation, escalation_id, "escalations", _MISSING, now) as (w, row):
            esc = self._load(w.session, row)
            self._add_action(
                w, esc, at=now, node_id=esc.walk.current.id, kind=ActionKind.FOLLOW_UP,
                contact_reached=owner.strip(), due=due,
            )  # fmt: skip
            return self._load(w.session, row), Changed.PERSON | Changed.CASELOAD | w.changed

    def close(self, escalation_id: uuid.UUID, outcome: EscalationOutcome, note: str = "") -> tuple[Escalation, Changed]:
        """Close with an outcome. A follow-up must be set first: closing never ends the work silently.

        Someone who can act must have been reached, or ``note`` says why the escalation can close without
        (it is kept as the recorded reason); an outcome the record contradicts is refused (finding 1)."""
        now = self._clock.now()
        note = note.strip()
        with self._writes.about(models.Escalation, escalation_id, "escalations", _MISSING, now) as (w, row):
            esc = self._load(w.session, row)
            if not esc.is_open:
                raise InvalidInput("Close", "this escalation is already closed")
            if esc.follow_up_due is None:
                raise InvalidInput("Follow-up", "set who follows up and by when before closing")
            if not any(a.is_step and a.kind is not ActionKind.ANSWER for a in esc.actions):
                raise InvalidInput("Close", "record at least one action taken before closing")
            contradiction = self._contradiction(w.session, esc, outcome)
            if contradiction:
                raise InvalidInput("Outcome", contradiction)
            if not esc.reached_anyone and not note:
                raise InvalidInput(
                    "Why it can close",
                    "Nobody who can act (duty or crisis team, a manager, a service, emergency services) has been "
                    "reached: record reaching them first, or write why the escalation can close without, e.g. "
                    "'person seen by police — welfare confirmed'",
                )
            self._add_action(
                w, esc, at=now, node_id=esc.walk.current.id, kind=ActionKind.CLOSED,
                outcome=outcome.value, information_shared=note or None,
            )  # fmt: skip
            return self._load(w.session, row), Changed.PERSON | Changed.CASELOAD | w.changed

    def follow_up_done(
        self, escalation_id: uuid.UUID, who: str, outcome: str, at: datetime | None = None
    ) -> tuple[Escalation, Changed]:
        """Record that the follow-up was done: who, when and what came of it. Allowed once the escalation
        is closed too: the follow-up is work due until this is recorded (finding 6)."""
        now = self._clock.now()
        at = self._event_time(at, now, "When it was done")
        if not who.strip():
            raise InvalidInput("Done by", "say who did the follow-up")
        if not outcome.strip():
            raise InvalidInput("Follow-up outcome", "say what came of the follow-up")
        with self._writes.about(models.Escalation, escalation_id, "escalations", _MISSING, now) as (w, row):
            esc = self._load(w.session, row)
            if esc.follow_up_due is None:
                raise InvalidInput("Follow-up", "no follow-up has been set for this escalation")
            if esc.follow_up_done_at is not None:
                raise InvalidInput("Follow-up", "is already recorded as done; set a new follow-up first")
            if at < esc.identified_at - timedelta(minutes=5):
                raise InvalidInput("When it was done", "is before the concern was identified")
            self._add_action(
                w, esc, at=at, node_id=esc.walk.current.id, kind=ActionKind.FOLLOW_UP_DONE,
                contact_reached=who.strip(), outcome=outcome.strip(),
            )  # fmt: skip
            return self._load(w.session, row), Changed.PERSON | Changed.CASELOAD | w.changed

    def _contradiction(self, session: Session, esc: Escalation, outcome: EscalationOutcome) -> str | None:
        """Why the record contradicts this outcome, or None."""
        if outcome is EscalationOutcome.CONTACT_RE_ESTABLISHED and not self._in_contact(session, esc):
            return (
                "the record shows no contact with the person since the concern was identified: record the "
                "contact (a reached attempt, or a contact note) first, or choose the outcome that happened"
            )
        return None

    def _in_contact(self, session: Session, esc: Escalation) -> bool:
        """A reached call, text, email or visit with no directory contact (trying the person themselves,
        as the welfare check's 'attempt contact' step does), or a signed note of contact since."""
        if any(a.is_step and a.reached and a.kind.value in CONTACT_KINDS and not a.contact_id for a in esc.actions):
            return True
        return any(
            n.outcome in _CONTACT_OUTCOMES and n.contact_end >= esc.identified_at
            for n in notes_repo.signed_notes(session, esc.person_id)
            if n.id not in notes_repo.entered_in_error(session, esc.person_id)
        )

    # -- reading ------------------------------------------------------------------------------------

    def get(self, escalation_id: uuid.UUID) -> Escalation:
        with self._uow.read() as session:
            return self._load(session, _escalation(session, escalation_id))

    def for_person(self, person_id: uuid.UUID) -> list[Escalation]:
        """The person's escalations and welfare checks, newest first."""
        with self._uow.read() as session:
            return [self._load(session, r) for r in escalations_repo.of_person(session, person_id)]

    def by_person(self) -> dict[uuid.UUID, list[Escalation]]:
        """Every escalation and welfare check on this device by person, each person's newest first: one read
        for a lead's forms, which offer any person of the team."""
        found: dict[uuid.UUID, list[Escalation]] = {}
        with self._uow.read() as session:
            for row in escalations_repo.all_newest_first(session):
                found.setdefault(row.person_id, []).append(self._load(session, row))
        return found

    def reaching_nobody(self) -> list[Escalation]:
        """Open escalations and welfare checks that have reached nobody who can act yet, oldest first."""
        with self._uow.read() as session:
            found = [self._load(session, _escalation(session, i)) for i in escalations_repo.open_ids(session)]
        return [e for e in found if not e.reached_anyone]

    def phone_now(self, escalation: Escalation, at: datetime | None = None) -> Offer | None:
        """The number to phone now from where the pathway stands: the first open contact that is not 999
        (everyone knows 999), else 999 when that is the only one open; None when none is open now."""
        options = [c.best for c in self.call_now(escalation, at) if c.best is not None and c.best.open_now]
        return next((o for o in options if o.entry.first_number != "999"), None) or next(iter(options), None)

    def call_now(self, escalation: Escalation, at: datetime | None = None) -> list[CallNow]:
        """The next action steps from where the pathway stands, each with who to call, for this person now.

        When the period has changed since the escalation started (in hours to out of hours, say), each
        step also offers the contacts of the pathway for now, open ones first (issue 9, finding 5)."""
        at = at or self._clock.now()
        change = self.period_change(escalation, at)
        with self._uow.read() as session:
            person = _person(session, escalation.person_id)
            nation, area = Nation(person.nation), person.area
        extra: list[str] = []
        if change is not None:
            # Not 999: whether life is at risk is the pathway's own first question, asked already.
            extra = [
                c
                for n in change.pathway.action_nodes()
                for c in n.contacts
                if (e := self.config.directory.get(c)) is not None and e.purpose != "emergency"
            ]
        result = []
        for node in _next_actions(escalation.pathway, escalation.walk.current):
            # A step with nobody to contact (reviewing the history, say) stays so: the pathway for now's
            # contacts stand in only for a step's own.
            ids = list(dict.fromkeys([*node.contacts, *extra])) if node.contacts else []
            offers = self.config.directory.offers(ids, at, nation, area)
            result.append(CallNow(node, tuple(offers)))
        return result

    def people_to_try(self, escalation: Escalation) -> tuple[list[RecontactRoute], str | None]:
        """At a step that tries the person themselves: their own ways to be reached in their preferred order,
        then the people they agreed may be contacted (recontact_routes); nothing at any other step."""
        if not escalation.walk.current.reach_person:
            return [], None
        with self._uow.read() as session:
            return recontact_routes(Person.from_row(_person(session, escalation.person_id)))

    def period_change(self, escalation: Escalation, at: datetime | None = None) -> PeriodChange | None:
        """The period now, when it differs from the one the open escalation started in; else None."""
        if not escalation.is_open:
            return None
        at = at or self._clock.now()
        kind = PathwayKind.ESCALATION if escalation.kind is EscalationKind.ESCALATION else PathwayKind.WELFARE_CHECK
        with self._uow.read() as session:
            period, pathway, _warning = self._route(_person(session, escalation.person_id), at, kind)
        if period.period is escalation.period.period:
            return None
        return PeriodChange(escalation.period, period, pathway)

    # -- internals ----------------------------------------------------------------------------------

    def _load(self, session: Session, row: models.Escalation) -> Escalation:
        directory = self.config.directory
        actions = tuple(
            ActionRecord.from_row(a, _can_act(directory.get(a.contact_id) if a.contact_id else None))
            for a in escalations_repo.events_of(session, row.id)
        )
        pathway = self.config.pathways.get(row.pathway_id)
        warning = row.versions.get("fallback_warning")
        if pathway is None:
            # The version this escalation used is no longer loaded (updated since): walk the current one
            # with the same id and say so, rather than show nothing.
            pathway = self.config.pathways.get(row.pathway_id.partition("@")[0])
            warning = f"This escalation used {row.pathway_id}, which has since been replaced; showing the current one."
        if pathway is None:
            raise NotFound("The pathway this escalation used is not loaded on this device.")
        notice = NEWER_PATHWAY if self.config.pathways.newer_than(row.pathway_id) is not None else None
        # "Other" actions (a partner agency phoned alongside the pathway, say) are kept in the record but
        # never move the pathway on.
        steps = [Step(a.node_id, a.answer, a.reached) for a in actions if a.is_step and a.kind is not ActionKind.OTHER]
        state = escalation_state(actions)
        return Escalation(
            id=row.id,
            person_id=row.person_id,
            kind=EscalationKind(row.kind),
            identified_at=row.identified_at,
            criteria=tuple(row.criteria),
            rationale=row.rationale,
            period=PeriodDecision(Period(row.period), row.period_reason),
            pathway=pathway,
            pathway_warning=warning,
            versions=dict(row.versions),
            actions=actions,
            walk=walk(pathway, steps),
            follow_up_due=state.follow_up_due,
            follow_up_owner=state.follow_up_owner,
            closed_at=state.closed_at,
            outcome=state.outcome,
            closing_note=state.closing_note,
            follow_up_done_at=state.follow_up_done_at,
            follow_up_done_by=state.follow_up_done_by,
            follow_up_outcome=state.follow_up_outcome,
            pathway_notice=notice if state.closed_at is None and warning is None else None,
        )

    def _add_action(self, w: Write, esc: Escalation, **values: object) -> models.EscalationAction:
        values.setdefault("reached", False)
        row = models.EscalationAction(
            id=new_id(),
            escalation_id=esc.id,
            person_id=esc.person_id,
            author_id=w.staff_id,
            device_id=w.device_id,
            created_at=w.now,
            **values,
        )
        return w.record(row)

    def _event_time(self, at: datetime | None, now: datetime, label: str) -> datetime:
        if at is None:
            return now
        if at.tzinfo is None:
            raise InvalidInput(label, "needs a time zone")
        if at > now + timedelta(minutes=5):
            raise InvalidInput(label, "is in the future")
        return at


# What does an action step, for its timeliness: a way of contacting someone, or the step marked done.
_STEP_DONE_KINDS = frozenset({ActionKind.PHONED, ActionKind.TEXTED, ActionKind.EMAILED, ActionKind.IN_PERSON,
                              ActionKind.DONE})  # fmt: skip

# Note outcomes that mean the person was reached (declining is still contact with them).
_CONTACT_OUTCOMES = frozenset({"seen", "spoken_to", "declined"})


def _can_act(entry: DirectoryEntry | None) -> bool:
    return entry is not None and entry.can_act


def _next_actions(pathway: Pathway, node: Node) -> list[Node]:
    """Action nodes reachable from ``node`` through questions only (the node itself if it is an action)."""
    found: list[Node] = []
    frontier, seen = [node], set()
    while frontier:
        current = frontier.pop(0)
        if current.id in seen:
            continue
        seen.add(current.id)
        if current.type is NodeType.ACTION:
            found.append(current)
        elif current.type is NodeType.QUESTION:
            frontier.extend(pathway.node(a.next) for a in current.answers)
    return found


def _person(session: Session, person_id: uuid.UUID) -> models.Person:
    person = session.get(models.Person, person_id)
    if person is None:
        raise NotFound("That person is not on this device.")
    return person


_MISSING = "That escalation is not on this device."


def _escalation(session: Session, escalation_id: uuid.UUID) -> models.Escalation:
    row = session.get(models.Escalation, escalation_id)
    if row is None:
        raise NotFound(_MISSING)
    return row


def _clock_time(at: datetime, now: datetime) -> str:
    """A time as the worker reads it: the hour alone on the day it is now, with the day otherwise."""
    local, today = at.astimezone(LONDON), now.astimezone(LONDON).date()
    return f"{local:%H:%M}" if local.date() == today else f"{local:%a %d %b %H:%M}"


def _duration(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"
