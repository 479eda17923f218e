"""The missed-contact policy, as rules (property tests over any sequence of outcomes) and as the worker
meets it (notes recorded through the service raise the welfare check, contact closes the episode)."""

import itertools
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import delete, select

from app import projections
from app.contact_notes import MISSED_OUTCOMES, AmendmentKind, ContactMethod, NoteDraft, Outcome
from app.escalations import EscalationKind
from app.missed_contacts import (
    ContactEvent,
    EpisodeState,
    MissedContactPolicy,
    episodes,
    recontact_routes,
)
from app.persons import Channel, Person, SupportNetworkMember
from app.persons import ContactMethod as Route
from app.workspace import Workspace
from storage import models
from storage.serialise import json_value, row_to_dict
from tests.conftest import NOW

START = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
REESTABLISHING = {Outcome.SEEN, Outcome.SPOKEN_TO, Outcome.DECLINED, Outcome.THIRD_PARTY_ONLY}

policies = (
    st.tuples(
        st.sampled_from([timedelta(hours=h) for h in (4, 12, 24)]),
        st.sampled_from([timedelta(hours=h) for h in (24, 30, 36, 48)]),
    )
    .filter(lambda p: p[0] < p[1])
    .map(lambda p: MissedContactPolicy(recontact_within=p[0], welfare_window=p[1]))
)
histories = st.lists(
    st.tuples(st.integers(min_value=0, max_value=24 * 20), st.sampled_from(list(Outcome)), st.booleans()),
    max_size=25,
).map(
    lambda items: [
        ContactEvent(START + timedelta(hours=h), outcome, uuid.UUID(int=i + 1), scheduled)
        for i, (h, outcome, scheduled) in enumerate(items)
    ]
)


def ordered(events: list[ContactEvent]) -> list[ContactEvent]:
    """Time order; at one instant a missed planned contact comes after everything else (the safer reading:
    an unplanned miss and a missed planned contact at the same time are two misses, not miss and attempt)."""
    return sorted(events, key=lambda e: (e.at, e.scheduled and e.outcome in MISSED_OUTCOMES, e.note_id))


def runs_without_contact(events: list[ContactEvent]) -> list[list[ContactEvent]]:
    """The misses between contacts that reached the person (the oracle, written independently)."""
    runs, current = [], []
    for e in ordered(events):
        if e.outcome in MISSED_OUTCOMES:
            current.append(e)
        elif e.outcome in REESTABLISHING and current:
            runs.append(current)
            current = []
    if current:
        runs.append(current)
    return runs


def counted(run: list[ContactEvent], policy: MissedContactPolicy) -> list[ContactEvent]:
    """The misses the welfare-check rule counts, up to the one that raises it: a miss that met no planned
    contact within the re-contact time of the last counted one is a re-contact attempt (issue 9, 3c)."""
    result = [run[0]]
    for e in run[1:]:
        if not e.scheduled and e.at - result[-1].at <= policy.recontact_within:
            continue
        result.append(e)
        if e.at - result[-2].at <= policy.welfare_window:
            break
    return result


@given(histories, policies)
def test_never_a_welfare_check_without_two_misses_in_the_window(events, policy) -> None:
    for episode in episodes(events, policy):
        if episode.welfare_check_raised_at is None:
            continue
        misses = [m for m in episode.counted if m.at <= episode.welfare_check_raised_at]
        pairs = itertools.pairwise(misses)
        assert any(b.at - a.at <= policy.welfare_window and b.at == episode.welfare_check_raised_at for a, b in pairs)


@given(histories, policies)
def test_two_misses_in_the_window_always_raise_the_welfare_check(events, policy) -> None:
    found = episodes(events, policy)
    for run in runs_without_contact(events):
        count = counted(run, policy)
        first_pair = next((b for a, b in itertools.pairwise(count) if b.at - a.at <= policy.welfare_window), None)
        episode = next(e for e in found if e.key == run[0].note_id)
        assert [m.note_id for m in episode.misses] == [m.note_id for m in run], "every miss is kept in its episode"
        if first_pair is None:
            assert episode.welfare_check_raised_at is None
        else:
            assert episode.welfare_check_raised_at == first_pair.at


@given(histories, policies)
def test_every_miss_gets_a_recontact_task_and_only_contact_closes_an_episode(events, policy) -> None:
    found = episodes(events, policy)
    runs = runs_without_contact(events)
    assert len(found) == len(runs)
    for episode in found:
        assert episode.recontact_due > episode.misses[0].at
        if episode.closed_at is not None:
            timeline = ordered(events)
            after_last_miss = timeline[timeline.index(episode.misses[-1]) + 1 :]
            closer = next(e for e in after_last_miss if e.outcome in REESTABLISHING)
            assert closer.at == episode.closed_at
            assert episode.outcome == (
                "welfare_confirmed_by_third_party"
                if closer.outcome is Outcome.THIRD_PARTY_ONLY
                else "contact_re_established"
            )
    # Only the last episode can still be open, and nothing ever closes without a contact.
    assert all(e.state is EpisodeState.CLOSED for e in found[:-1])


def test_a_miss_outside_the_window_starts_the_count_again() -> None:
    policy = MissedContactPolicy(welfare_window=timedelta(hours=24), recontact_within=timedelta(hours=12))
    a = ContactEvent(START, Outcome.NO_ANSWER, uuid.UUID(int=1))
    b = ContactEvent(START + timedelta(hours=30), Outcome.NOT_AT_HOME, uuid.UUID(int=2))
    c = ContactEvent(START + timedelta(hours=50), Outcome.NO_ANSWER, uuid.UUID(int=3))
    (only,) = episodes([a, b], policy)
    assert only.state is EpisodeState.RECONTACT
    assert only.recontact_due == a.at + policy.recontact_within, "never attempted: the first re-contact stays due"
    (only,) = episodes([a, b, c], policy)
    assert only.state is EpisodeState.WELFARE_CHECK and only.welfare_check_raised_at == c.at


def test_policy_thresholds_are_configuration_within_the_sources_range() -> None:
    assert MissedContactPolicy().welfare_window == timedelta(hours=48)
    with pytest.raises(ValueError, match="between 24 and 48 hours"):
        MissedContactPolicy(welfare_window=timedelta(hours=72))


def _person(methods: tuple[Route, ...], network: tuple[SupportNetworkMember, ...] = ()) -> Person:
    return Person(
        uuid.UUID(int=1), "A", "B", "A", None, None, None, None, "england", "eastmoor", methods, network, (), 7
    )


def test_recontact_routes_follow_preferred_order_and_consent() -> None:
    person = _person(
        (
            Route(Channel.TEXT, "07700 900001", True),
            Route(Channel.THIRD_PARTY, "07700 900002", via="Neighbour", consented=False),
            Route(Channel.PHONE, "07700 900003"),
        ),
        (
            SupportNetworkMember("Sister", "sister", "07700 900004", may_contact=True),
            SupportNetworkMember("Ex", "ex-partner", "07700 900005", may_contact=False),
        ),
    )
    routes, warning = recontact_routes(person)
    assert warning is None
    assert [(r.channel, r.value) for r in routes] == [
        (Channel.TEXT, "07700 900001"),
        (Channel.PHONE, "07700 900003"),
        (Channel.THIRD_PARTY, "07700 900004"),
    ]
    # Whether a message may be left, and through whom, travel with each route: a message left where it is not
    # safe could tell someone else about the person's care.
    expected = [(True, None), (False, None), (False, "Sister (sister)")]
    assert [(r.safe_to_leave_message, r.via) for r in routes] == expected
    via = recontact_routes(_person((Route(Channel.THIRD_PARTY, "07700 900006", via="Neighbour", consented=True),)))[0]
    assert [(r.channel, r.via) for r in via] == [(Channel.THIRD_PARTY, "Neighbour")]
    assert recontact_routes(_person(())) == ([], recontact_routes(_person(()))[1])
    assert recontact_routes(_person(()))[1] == (
        "No preferred contact method is recorded for this person: add one, and use the last known route."
    )


# -- as the worker meets it -------------------------------------------------------------------------


def _missed(ws: Workspace, person_id: uuid.UUID, at: datetime, outcome: Outcome = Outcome.NO_ANSWER) -> uuid.UUID:
    note, _ = ws.notes.record(
        NoteDraft(person_id, at, at + timedelta(minutes=5), ContactMethod.PHONE, outcome, "Tried to reach them")
    )
    return note.id


def _a_person_with_no_misses(ws: Workspace) -> uuid.UUID:
    with ws.store.sessions() as session:
        missed = set(session.scalars(select(models.MissedContactEpisode.person_id)))
    return next(r.person_id for r in ws.caseload.rows() if r.person_id not in missed)


def test_second_miss_in_the_window_raises_the_welfare_check_with_its_steps(workspace: Workspace, clock) -> None:
    pid = _a_person_with_no_misses(workspace)
    first = NOW - timedelta(hours=20)
    _missed(workspace, pid, first)
    with workspace.store.sessions() as session:
        (episode,) = session.scalars(
            select(models.MissedContactEpisode).where(models.MissedContactEpisode.person_id == pid)
        )
        assert episode.recontact_due == first + timedelta(minutes=5) + timedelta(hours=24)
        assert episode.escalation_id is None, "one miss: re-contact, never a welfare check"

    # An attempt within the re-contact time is the re-contact, not a second miss (issue 9, finding 3c).
    _missed(workspace, pid, NOW - timedelta(hours=1), Outcome.NOT_AT_HOME)
    assert workspace.escalations.for_person(pid) == []
    clock.set(NOW + timedelta(hours=6))
    _missed(workspace, pid, NOW + timedelta(hours=5), Outcome.NOT_AT_HOME)
    (check,) = workspace.escalations.for_person(pid)
    assert check.kind is EscalationKind.WELFARE_CHECK
    assert check.criteria == (), "no clinical criterion is ticked on the worker's behalf"
    assert "missed-contact policy" in check.rationale
    assert check.pathway.id == "moorland-welfare-check" and not check.reached_anyone
    steps = [(t.node.id, t.node.within_minutes) for t in check.timeliness()]
    assert steps == [("notify-manager", 60)]
    node_texts = [n.text for n in check.pathway.action_nodes()]
    assert any("duty manager" in t for t in node_texts) and any("safety history" in t for t in node_texts)
    assert any("crisis and NHS partners" in t for t in node_texts)

    # A third miss is recorded in the same episode, and raises nothing more.
    _missed(workspace, pid, NOW + timedelta(hours=5, minutes=20))
    assert len(workspace.escalations.for_person(pid)) == 1


def test_contact_re_established_closes_the_episode_and_never_discharges(workspace: Workspace) -> None:
    pid = _a_person_with_no_misses(workspace)
    _missed(workspace, pid, NOW - timedelta(hours=10))
    _missed(workspace, pid, NOW - timedelta(hours=3))
    workspace.notes.record(
        NoteDraft(pid, NOW - timedelta(hours=1), NOW - timedelta(minutes=30), ContactMethod.HOME_VISIT,
                  Outcome.SEEN, "Seen at home; safe; agreed to review the plan tomorrow")
    )  # fmt: skip
    with workspace.store.sessions() as session:
        (episode,) = session.scalars(
            select(models.MissedContactEpisode).where(models.MissedContactEpisode.person_id == pid)
        )
        assert episode.outcome == "contact_re_established" and episode.closed_at == NOW - timedelta(minutes=30)
        assert len(episode.missed_note_ids) == 2
    row = next(r for r in workspace.caseload.rows() if r.person_id == pid)
    assert row.open_episodes == 0
    assert any(r.person_id == pid for r in workspace.caseload.rows()), "still on the caseload"


def test_a_missed_note_entered_in_error_no_longer_counts(workspace: Workspace) -> None:
    pid = _a_person_with_no_misses(workspace)
    wrong = _missed(workspace, pid, NOW - timedelta(hours=10))
    workspace.notes.amend(wrong, AmendmentKind.ENTERED_IN_ERROR, "Wrong person's record", "")
    _missed(workspace, pid, NOW - timedelta(hours=2))
    assert workspace.escalations.for_person(pid) == [], "one real miss: re-contact, no welfare check"


def test_the_demo_missed_contact_person_has_an_open_welfare_check(workspace: Workspace, demo_summary) -> None:
    (check,) = workspace.escalations.for_person(demo_summary.missed_contacts_person_id)
    assert check.kind is EscalationKind.WELFARE_CHECK and check.is_open


def test_rebuilt_from_the_records_the_episode_still_points_at_its_welfare_check_and_when_it_is_due(
    workspace: Workspace, demo_summary
) -> None:
    """Sync rebuilds a person's episodes from the records alone: the demo's missed-contact person keeps the
    welfare check their second miss raised, with the time it is due, exactly as before the rebuild."""
    person = demo_summary.missed_contacts_person_id

    def stored() -> list[dict]:
        with workspace.store.sessions() as session:
            rows = session.scalars(
                select(models.MissedContactEpisode).where(models.MissedContactEpisode.person_id == person)
            )
            return sorted((row_to_dict(r) for r in rows), key=repr)

    before = stored()
    (check,) = workspace.escalations.for_person(person)
    assert [(r["escalation_id"], r["welfare_check_due"]) for r in before if r["closed_at"] is None] == [
        (str(check.id), json_value(check.identified_at + timedelta(hours=1)))
    ]
    # The episode row names the notes of its misses (the schema-3 migration read them back to find a welfare
    # check's cause), not only how many there were.
    missed_outcomes = [o.value for o in MISSED_OUTCOMES]
    with workspace.store.sessions() as session:
        notes = session.scalars(
            select(models.ContactNote.id).where(
                models.ContactNote.person_id == person, models.ContactNote.outcome.in_(missed_outcomes)
            )
        )
        missed = sorted(str(i) for i in notes)
    assert [sorted(r["missed_note_ids"]) for r in before if r["closed_at"] is None] == [missed]
    with workspace.store.sessions.begin() as session:
        session.execute(delete(models.MissedContactEpisode))
    with workspace.store.sessions.begin() as session:
        projections.rebuild(session, workspace.missed_contacts, [person])
    assert stored() == before


def _signed(ws: Workspace, clock, pid: uuid.UUID, at: datetime, outcome: Outcome, now: datetime | None = None) -> None:
    clock.set(now or at + timedelta(minutes=20))
    late = "Written up from the paper log" if clock.now() - at > timedelta(hours=24) else None
    ws.notes.record(NoteDraft(pid, at, at + timedelta(minutes=10), ContactMethod.PHONE, outcome, "Tried to reach",
                              late_entry_reason=late))  # fmt: skip


def _fresh(ws: Workspace) -> uuid.UUID:
    with ws.store.sessions() as session:
        busy = set(session.scalars(select(models.Escalation.person_id))) | set(
            session.scalars(select(models.MissedContactEpisode.person_id))
        )
    return next(r.person_id for r in ws.caseload.rows() if r.person_id not in busy)


LATER = datetime(2026, 11, 27, 11, 0, tzinfo=UTC)  # after everything the demo recorded for anyone


def test_an_earlier_episode_ended_by_contact_does_not_stop_a_later_one_raising_its_welfare_check(
    workspace: Workspace, clock
) -> None:
    ws = workspace
    pid = _fresh(ws)
    _signed(ws, clock, pid, LATER, Outcome.NO_ANSWER)
    _signed(ws, clock, pid, LATER + timedelta(hours=2), Outcome.SPOKEN_TO)  # reached: that episode ends
    assert ws.escalations.for_person(pid) == []
    _signed(ws, clock, pid, LATER + timedelta(days=3), Outcome.NO_ANSWER)
    _signed(ws, clock, pid, LATER + timedelta(days=3, hours=30), Outcome.NO_ANSWER)
    (check,) = ws.escalations.for_person(pid)
    assert check.kind is EscalationKind.WELFARE_CHECK
    assert check.identified_at == LATER + timedelta(days=3, hours=30, minutes=10)


def test_misses_learned_of_after_contact_raise_nothing_and_do_not_stop_a_later_welfare_check(
    workspace: Workspace, clock
) -> None:
    """Two misses recorded late, after the contact that ended them was already recorded: no welfare check for
    a person already reached (that episode is closed). Two new misses later still raise one."""
    ws = workspace
    pid = _fresh(ws)
    reached = LATER + timedelta(hours=40)
    _signed(ws, clock, pid, reached, Outcome.SEEN)
    late = reached + timedelta(hours=1)
    _signed(ws, clock, pid, LATER, Outcome.NO_ANSWER, now=late)
    _signed(ws, clock, pid, LATER + timedelta(hours=30), Outcome.NO_ANSWER, now=late)
    assert ws.escalations.for_person(pid) == []
    _signed(ws, clock, pid, LATER + timedelta(days=4), Outcome.NO_ANSWER)
    _signed(ws, clock, pid, LATER + timedelta(days=4, hours=30), Outcome.NO_ANSWER)
    (check,) = ws.escalations.for_person(pid)
    assert check.identified_at == LATER + timedelta(days=4, hours=30, minutes=10)


def test_a_miss_entered_in_error_is_not_the_first_of_two_within_the_window(workspace: Workspace, clock) -> None:
    """Recorded against the wrong person and marked so: a real miss 30 hours later (past the re-contact time, so a
    second miss were the first real) is the only one, and raises no welfare check."""
    ws = workspace
    pid = _fresh(ws)
    _signed(ws, clock, pid, LATER, Outcome.NO_ANSWER)
    (wrong,) = [n for n in ws.notes.timeline(pid) if n.contact_start == LATER]
    ws.notes.amend(wrong.id, AmendmentKind.ENTERED_IN_ERROR, "Wrong person's record", "")
    _signed(ws, clock, pid, LATER + timedelta(hours=30), Outcome.NO_ANSWER)
    assert ws.escalations.for_person(pid) == []
    assert ws.missed_contacts.status(pid).misses == 1
