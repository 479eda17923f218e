"""The missed-contact policy: re-contact after a first miss, a welfare check after a second within the window.

The rules are a pure function of the person's contact outcomes (``episodes``), so they can be tested over
any sequence; ``MissedContactService`` keeps the stored episodes in step with it and raises the welfare
check. Nothing here ever discharges anyone or closes a case: an episode ends only when contact is made.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Protocol

from app.changes import Changed
from app.contact_notes import MISSED_OUTCOMES, Outcome
from app.errors import NotFound
from app.hours import LONDON
from app.ids import derived_id
from app.persons import Channel, Person
from app.write_path import Write, WritePath
from storage import models
from storage.repo import episodes as episodes_repo
from storage.repo import escalations as escalations_repo
from storage.repo import notes as notes_repo
from storage.unit_of_work import Session, UnitOfWork

# Outcomes that mean the person was reached, and how the episode ends.
_REESTABLISHED = {
    Outcome.SEEN: "contact_re_established",
    Outcome.SPOKEN_TO: "contact_re_established",
    Outcome.DECLINED: "contact_re_established",  # they were reached and said no: contact, not a miss
    Outcome.THIRD_PARTY_ONLY: "welfare_confirmed_by_third_party",
}


@dataclass(frozen=True, slots=True)
class MissedContactPolicy:
    """Local policy, not constants (DESIGN §3; domain reference §0.5)."""

    version: str = "default-1"
    recontact_within: timedelta = timedelta(hours=24)
    welfare_window: timedelta = timedelta(hours=48)  # the source allows 24–48 h
    welfare_check_start_within: timedelta = timedelta(hours=1)
    increased_contact_days: int = 14

    def __post_init__(self) -> None:
        if not timedelta(hours=24) <= self.welfare_window <= timedelta(hours=48):
            raise ValueError("the welfare-check window must be between 24 and 48 hours")
        if self.recontact_within <= timedelta(0):
            raise ValueError("the re-contact time must be positive")
        if self.recontact_within >= self.welfare_window:
            # Otherwise every failed re-contact attempt is an attempt, never a second miss, and the
            # welfare check could never be raised by them.
            raise ValueError("the re-contact time must be shorter than the welfare-check window")

    def describe_window(self) -> str:
        return f"{int(self.welfare_window.total_seconds() // 3600)} hours"


@dataclass(frozen=True, slots=True)
class ContactEvent:
    at: datetime
    outcome: Outcome
    note_id: uuid.UUID
    scheduled: bool = False  # the note met a planned contact (it has a planned_contact_id)


class EpisodeState(enum.StrEnum):
    RECONTACT = "recontact"
    WELFARE_CHECK = "welfare_check"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class Episode:
    misses: tuple[ContactEvent, ...]  # every miss, counted or a re-contact attempt, in time order
    recontact_due: datetime
    welfare_check_raised_at: datetime | None = None  # the second miss that raised it
    welfare_check_cause: tuple[uuid.UUID, ...] = ()  # the misses' notes, in time order, when it was raised
    closed_at: datetime | None = None
    outcome: str | None = None
    counted: tuple[ContactEvent, ...] = ()  # the missed contacts the welfare-check rule counts
    attempts: tuple[ContactEvent, ...] = ()  # failed re-contact attempts within the re-contact time

    def run_prompt(self) -> str | None:
        """Consecutive missed contacts with no contact between and no welfare check: said, never restarted."""
        if self.closed_at is not None or self.welfare_check_raised_at is not None or len(self.counted) < 2:
            return None
        return (
            f"{len(self.counted)} missed contacts in a row since {self.misses[0].at.astimezone(LONDON):%d %b}, with no "
            "contact in "
            "between: review the risk history with your duty manager and decide whether a welfare check is needed."
        )

    @property
    def key(self) -> uuid.UUID:
        """The note that opened the episode: stable however often the rules are re-run."""
        return self.misses[0].note_id

    @property
    def state(self) -> EpisodeState:
        if self.closed_at is not None:
            return EpisodeState.CLOSED
        return EpisodeState.WELFARE_CHECK if self.welfare_check_raised_at else EpisodeState.RECONTACT


def reading_order(event: ContactEvent) -> tuple[datetime, bool, uuid.UUID]:
    """The order the rules read a person's outcomes in: by time; at the same instant a missed *planned*
    contact is read after every other outcome, so an unplanned miss and a missed planned contact at one
    instant are always the first miss and the second (the welfare check is raised), never a miss and its
    re-contact attempt, whatever their note ids. The note id only makes the order total."""
    return event.at, event.scheduled and event.outcome in MISSED_OUTCOMES, event.note_id


def episodes(events: Iterable[ContactEvent], policy: MissedContactPolicy) -> list[Episode]:
    """Apply the policy to a person's contact outcomes, in time order.

    Within an episode, a miss that met no planned contact and comes within ``recontact_within`` of the
    last counted miss is the re-contact *attempt* the seed asks for after a missed contact (a phone call
    20 minutes after a missed visit, say): kept in the episode, it meets the re-contact due, and does not
    count as the "second missed contact". A missed planned contact, or any miss after the re-contact time,
    counts; two counted within the welfare window raise the welfare check (issue 9, finding 3c).

    The re-contact due is the earliest counted miss's that no later attempt has met, so a re-contact
    never attempted stays due when a later miss restarts the count (finding 3a). Ties at one instant are
    read in ``reading_order``: a missed planned contact after an unplanned miss."""
    result: list[Episode] = []
    current: Episode | None = None
    unmet: list[datetime] = []  # re-contact dues not yet met by an attempt, earliest first
    for event in sorted(events, key=reading_order):
        if event.outcome in MISSED_OUTCOMES:
            if current is None:
                current = Episode((event,), event.at + policy.recontact_within, counted=(event,))
                unmet = [current.recontact_due]
                continue
            misses = (*current.misses, event)
            last = current.counted[-1]
            if current.welfare_check_raised_at is not None:
                current = replace(current, misses=misses)
                continue
            if not event.scheduled and event.at - last.at <= policy.recontact_within:
                unmet = []  # an attempt meets every re-contact due so far
                current = replace(
                    current,
                    misses=misses,
                    attempts=(*current.attempts, event),
                    recontact_due=last.at + policy.recontact_within,
                )
                continue
            counted = (*current.counted, event)
            if event.at - last.at <= policy.welfare_window:
                cause = tuple(m.note_id for m in counted)
                current = replace(
                    current, misses=misses, counted=counted, welfare_check_raised_at=event.at,
                    welfare_check_cause=cause,
                )  # fmt: skip
            else:
                # The earlier miss is outside the window: the count starts again from this one, but the
                # episode stays open and an earlier re-contact never attempted stays due.
                attempted = any(last.at < a.at <= event.at for a in current.attempts)
                if attempted:
                    unmet = []
                unmet.append(event.at + policy.recontact_within)
                current = replace(current, misses=misses, counted=counted, recontact_due=min(unmet))
        elif event.outcome in _REESTABLISHED and current is not None:
            result.append(replace(current, closed_at=event.at, outcome=_REESTABLISHED[event.outcome]))
            current = None
            unmet = []
    if current is not None:
        result.append(current)
    return result


@dataclass(frozen=True, slots=True)
class RecontactRoute:
    """One way to try the person again, in their preferred order."""

    channel: Channel
    value: str = field(repr=False)
    safe_to_leave_message: bool
    via: str | None = field(default=None, repr=False)


def recontact_routes(person: Person) -> tuple[list[RecontactRoute], str | None]:
    """The person's preferred methods in order, third parties only with their agreement; and a warning
    when there is no way recorded to reach them."""
    routes = [
        RecontactRoute(m.channel, m.value, m.safe_to_leave_message, m.via)
        for m in person.contact_methods
        if m.channel is not Channel.THIRD_PARTY or m.consented
    ]
    routes += [
        RecontactRoute(Channel.THIRD_PARTY, s.phone, False, f"{s.name} ({s.relationship})")
        for s in person.support_network
        if s.may_contact and s.phone
    ]
    if not routes:
        return [], "No preferred contact method is recorded for this person: add one, and use the last known route."
    return routes, None


class WelfareCheckRaiser(Protocol):
    """Raises the welfare-check escalation in the caller's transaction (EscalationService does)."""

    def __call__(
        self, write: Write, identified_at: datetime, reason: str, cause: Sequence[uuid.UUID], policy: str
    ) -> uuid.UUID: ...


@dataclass(frozen=True, slots=True)
class MissedContactStatus:
    """What the worker must see for one person: the open episode's work, or what follows contact."""

    state: EpisodeState | None  # None: no episode open
    misses: int
    recontact_due: datetime | None
    welfare_check_due: datetime | None
    welfare_check_id: uuid.UUID | None
    routes: tuple[RecontactRoute, ...]
    routes_warning: str | None
    after_contact: tuple[str, ...]  # prompts once contact is re-established, until a safety review is recorded
    prompts: tuple[str, ...] = ()  # a run of misses with no welfare check; unsigned 'no answer' drafts
    unsigned_misses: int = 0
    # Failed re-contact attempts in the open episode before any welfare check: each met the re-contact due and
    # is not a second missed contact (``episodes``), which the worker must be told, not left to assume.
    attempts: tuple[datetime, ...] = ()
    # From ``counts_from`` to ``counts_until`` any missed contact is the second (a missed planned one: at once).
    counts_from: datetime | None = None
    counts_until: datetime | None = None


class MissedContactService:
    """Keeps the stored episodes in step with the rules, inside the caller's transaction."""

    def __init__(
        self, uow: UnitOfWork, writes: WritePath, policy: MissedContactPolicy, raise_welfare_check: WelfareCheckRaiser
    ) -> None:
        self._uow = uow
        self._writes = writes
        self.policy = policy
        self._raise = raise_welfare_check

    def status(self, person_id: uuid.UUID) -> MissedContactStatus:
        with self._uow.read() as session:
            row = session.get(models.Person, person_id)
            if row is None:
                raise NotFound("That person is not on this device.")
            routes, warning = recontact_routes(Person.from_row(row))
            stored = episodes_repo.of_person(session, person_id)
            open_ = next((e for e in stored if e.closed_at is None), None)
            prompts: list[str] = []
            current = next((e for e in self._episodes(session, person_id) if e.closed_at is None), None)
            run = current.run_prompt() if current else None
            if run:
                prompts.append(run)
            # A draft never leaves the device and the policy counts only signed notes, so a 'no answer'
            # kept as a draft would otherwise vanish from it (finding 3d): say so until it is signed.
            unsigned = notes_repo.unsigned_with_outcomes(session, person_id, [o.value for o in MISSED_OUTCOMES])
            if unsigned:
                prompts.append(
                    f"{unsigned} 'no answer' or 'not at home' note{'s are' if unsigned > 1 else ' is'} still a draft: "
                    "sign it so the missed-contact policy counts it."
                )
            after: tuple[str, ...] = ()
            closed = next((e for e in stored if e.closed_at is not None), None)
            if (
                open_ is None
                and closed is not None
                and closed.closed_at is not None
                and not episodes_repo.reviewed_since(session, person_id, closed.closed_at)
            ):
                after = (
                    "Contact was re-established after missed contacts: review the safety plan with the person "
                    "(record a safety review at the missed-contact trigger point).",
                    f"Increase contact for the next {self.policy.increased_contact_days} days, then review it.",
                )
            if open_ is None:
                return MissedContactStatus(
                    None, 0, None, None, None, tuple(routes), warning, after, tuple(prompts), unsigned
                )
            waiting = current is not None and current.welfare_check_raised_at is None
            return MissedContactStatus(
                EpisodeState.WELFARE_CHECK if open_.escalation_id else EpisodeState.RECONTACT,
                len(open_.missed_note_ids),
                open_.recontact_due,
                open_.welfare_check_due,
                open_.escalation_id,
                tuple(routes),
                warning,
                after,
                tuple(prompts),
                unsigned,
                attempts=tuple(a.at for a in current.attempts) if current is not None and waiting else (),
                counts_from=current.counted[-1].at + self.policy.recontact_within
                if current is not None and waiting
                else None,
                counts_until=current.counted[-1].at + self.policy.welfare_window
                if current is not None and waiting
                else None,
            )

    def apply(self, person_id: uuid.UUID) -> tuple[bool, Changed]:
        """Apply the policy in a transaction of its own (the demo does, for notes it loaded in bulk)."""
        with self._writes.person(person_id, "welfare checks") as w:
            raised = self.refresh(w)
            return raised, Changed.PERSON | Changed.CASELOAD | w.changed

    def refresh(self, w: Write) -> bool:
        """Apply the policy to the person's signed notes: raise the welfare check a second miss calls for,
        then bring the stored episodes in step. Returns True when a welfare check was raised.

        A welfare check once raised stays raised: it is a record, and its episode keeps pointing at it."""
        session, person_id = w.session, w.person.id
        found = self._episodes(session, person_id)
        checks = _welfare_checks(session, person_id)
        raised = False
        for episode in found:
            if episode.welfare_check_raised_at is None or linked_check(episode, checks) is not None:
                continue
            if episode.closed_at is not None:
                # Contact was re-established before this device saw the misses (a history received by sync
                # or a cover snapshot): an open welfare check now would be a false alarm for a person
                # already reached. The device that recorded the second miss raised it at the time.
                continue
            reason = (
                f"Raised by the missed-contact policy: a second missed contact "
                f"within {self.policy.describe_window()} of the one before, with no contact in between."
            )
            session.flush()
            raised_at, cause = episode.welfare_check_raised_at, episode.welfare_check_cause
            record_id = self._raise(w, raised_at, reason, cause, self.policy.version)
            checks.append(WelfareCheckRef(record_id, raised_at, cause))
            raised = True
        self._project(session, person_id, found, checks)
        return raised

    def rebuild(self, session: Session, person_id: uuid.UUID) -> None:
        """Rebuild the person's stored episodes from the records alone; writes no record."""
        self._project(session, person_id, self._episodes(session, person_id), _welfare_checks(session, person_id))

    def _episodes(self, session: Session, person_id: uuid.UUID) -> list[Episode]:
        entered_in_error = notes_repo.entered_in_error(session, person_id)
        events = [
            ContactEvent(n.contact_end, Outcome(n.outcome), n.id, n.planned_contact_id is not None)
            for n in notes_repo.signed_notes(session, person_id)
            if n.id not in entered_in_error
        ]
        return episodes(events, self.policy)

    def _project(
        self,
        session: Session,
        person_id: uuid.UUID,
        found: list[Episode],
        checks: list[WelfareCheckRef],
    ) -> None:
        """Episode rows are a projection of the notes and welfare checks: exactly one row per episode the
        rules find now, so rebuilding from the records gives the same rows as updating them note by note."""
        stored = {row.id: row for row in episodes_repo.of_person(session, person_id)}
        for episode in found:
            episode_id = derived_id("missed-contact-episode", person_id, [episode.key])
            row = stored.pop(episode_id, None)
            if row is None:
                row = models.MissedContactEpisode(id=episode_id, person_id=person_id)
                session.add(row)
            row.opened_at = episode.misses[0].at
            row.missed_note_ids = [str(m.note_id) for m in episode.misses]
            row.recontact_due = episode.recontact_due
            row.closed_at, row.outcome = episode.closed_at, episode.outcome
            check = linked_check(episode, checks)
            row.escalation_id = check.id if check else None
            row.welfare_check_due = check.identified_at + self.policy.welfare_check_start_within if check else None
        # Rows the rules no longer find (their opening note was entered in error, say) would otherwise
        # count as open episodes for ever; the notes they came from are untouched.
        for row in stored.values():
            session.delete(row)


@dataclass(frozen=True, slots=True)
class WelfareCheckRef:
    id: uuid.UUID
    identified_at: datetime
    cause: tuple[uuid.UUID, ...]


def linked_check(episode: Episode, checks: Sequence[WelfareCheckRef]) -> WelfareCheckRef | None:
    """The welfare check raised for this episode: the first one caused by any of its misses."""
    misses = {m.note_id for m in episode.misses}
    return next((c for c in checks if misses.intersection(c.cause)), None)


def _welfare_checks(session: Session, person_id: uuid.UUID) -> list[WelfareCheckRef]:
    return [
        WelfareCheckRef(i, at, tuple(uuid.UUID(str(c)) for c in cause))
        for i, at, cause in escalations_repo.welfare_checks(session, person_id)
    ]
