"""An unplanned miss and a missed *planned* contact at the same instant (issue 9's clinical leftovers).

The rules read a miss that met no planned contact, soon after a counted one, as the re-contact attempt the
seed asks for; a missed planned contact always counts. At one instant the order used to fall to the note
ids, so the same pair raised the welfare check or not by chance. Decided the safer way: at the same
instant the missed planned contact is read after the unplanned miss, so the pair is two missed contacts and
raises the welfare check whatever the ids."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from app.contact_notes import ContactMethod, NoteDraft, Outcome
from app.missed_contacts import ContactEvent, EpisodeState, MissedContactPolicy, episodes
from app.planned_contacts import PlannedContactDraft
from tests.app.test_escalation_closing import _fresh_person

AT = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)  # a Monday
POLICY = MissedContactPolicy()
LOW, HIGH = uuid.UUID(int=1), uuid.UUID(int=2)


@pytest.mark.parametrize(
    ("planned_id", "unplanned_id"),
    [(LOW, HIGH), (HIGH, LOW)],
    ids=["planned-note-has-the-lower-id", "planned-note-has-the-higher-id"],
)
def test_a_missed_planned_contact_at_the_same_instant_as_an_unplanned_miss_raises_the_welfare_check(
    planned_id: uuid.UUID, unplanned_id: uuid.UUID
) -> None:
    planned = ContactEvent(AT, Outcome.NOT_AT_HOME, planned_id, scheduled=True)
    unplanned = ContactEvent(AT, Outcome.NO_ANSWER, unplanned_id, scheduled=False)
    for given in ([planned, unplanned], [unplanned, planned]):  # nor does the order they arrive in matter
        (episode,) = episodes(given, POLICY)
        assert episode.state is EpisodeState.WELFARE_CHECK
        assert episode.welfare_check_raised_at == AT
        assert episode.attempts == (), "neither is read as a re-contact attempt"
        assert episode.welfare_check_cause == (unplanned_id, planned_id), "the unplanned miss first"
        assert episode.key == unplanned_id, "the episode is keyed by the same note whatever the ids"


def test_ties_between_two_unplanned_misses_still_read_the_second_as_an_attempt() -> None:
    a = ContactEvent(AT, Outcome.NO_ANSWER, LOW, scheduled=False)
    b = ContactEvent(AT, Outcome.NO_ANSWER, HIGH, scheduled=False)
    (episode,) = episodes([b, a], POLICY)
    assert episode.welfare_check_raised_at is None and episode.attempts == (b,)


def test_a_missed_planned_contact_at_the_same_instant_as_a_contact_leaves_the_episode_open() -> None:
    """The same rule at a tie with a contact: the missed planned contact is read after it, so a miss is
    never hidden by a contact recorded for the same minute."""
    for seen_id, miss_id in ((LOW, HIGH), (HIGH, LOW)):
        seen = ContactEvent(AT, Outcome.SPOKEN_TO, seen_id)
        miss = ContactEvent(AT, Outcome.NO_ANSWER, miss_id, scheduled=True)
        (episode,) = episodes([miss, seen], POLICY)
        assert episode.state is EpisodeState.RECONTACT and episode.misses == (miss,)


def test_recorded_through_the_service_the_planned_miss_first_still_raises_the_welfare_check(workspace, clock) -> None:
    """Note ids are time-ordered, so the planned visit's note, written first, has the lower id: the case
    that used to read the unplanned call as a re-contact attempt and raise nothing."""
    ws = workspace
    pid = _fresh_person(ws)
    due = datetime(2026, 11, 26, 11, 0, tzinfo=UTC)
    clock.set(due - timedelta(days=1))
    visit, _ = ws.planned.plan(PlannedContactDraft(pid, due, ContactMethod.HOME_VISIT, "Weekly visit"))
    clock.set(due + timedelta(minutes=30))
    end = due + timedelta(minutes=10)
    ws.notes.record(NoteDraft(pid, due, end, ContactMethod.HOME_VISIT, Outcome.NOT_AT_HOME, "Not at home",
                              planned_contact_id=visit.id))  # fmt: skip
    status = ws.missed_contacts.status(pid)
    assert status.state is EpisodeState.RECONTACT and status.welfare_check_id is None
    ws.notes.record(NoteDraft(pid, due, end, ContactMethod.PHONE, Outcome.NO_ANSWER, "No answer on the mobile"))
    status = ws.missed_contacts.status(pid)
    assert status.state is EpisodeState.WELFARE_CHECK and status.welfare_check_id is not None
    assert status.misses == 2
