"""Issue 9, finding 3: missed contacts that disappeared from the policy.

(a) a re-contact due and never attempted stays overdue when a later miss restarts the count;
(b) consecutive misses with no contact between stay one open episode with a prompt, however far apart;
(c) a re-contact *attempt* within the re-contact time after a miss is the re-contact the seed asks for,
    not the "second missed contact": it does not raise the welfare check on its own;
(d) an unsigned "no answer" draft is prompted to be signed, never silently ignored."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from app import audit
from app.changes import Changed
from app.contact_notes import ContactMethod, NoteDraft, Outcome
from app.errors import InvalidInput, NotFound
from app.missed_contacts import (
    ContactEvent,
    EpisodeState,
    MissedContactPolicy,
    MissedContactService,
    episodes,
    recontact_routes,
)
from app.persons import Person
from app.write_path import WritePath
from storage import models
from tests.app.test_escalation_closing import _fresh_person

START = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)  # a Monday
POLICY = MissedContactPolicy()


def _miss(hours: float, n: int, scheduled: bool = True) -> ContactEvent:
    return ContactEvent(START + timedelta(hours=hours), Outcome.NO_ANSWER, uuid.UUID(int=n), scheduled=scheduled)


def test_a_a_recontact_never_attempted_stays_overdue_when_a_later_miss_restarts_the_count() -> None:
    first, later = _miss(0, 1), _miss(24 * 7, 2)  # a weekly visit missed, then next week's missed too
    (episode,) = episodes([first, later], POLICY)
    assert episode.recontact_due == first.at + POLICY.recontact_within, "the first re-contact is still due"
    attempt = ContactEvent(START + timedelta(hours=3), Outcome.NO_ANSWER, uuid.UUID(int=3), scheduled=False)
    (episode,) = episodes([first, attempt, later], POLICY)
    assert episode.recontact_due == later.at + POLICY.recontact_within, "attempted: the next one is due"


def test_b_two_weekly_visits_missed_in_a_row_stay_an_open_episode_with_a_prompt() -> None:
    (episode,) = episodes([_miss(0, 1), _miss(24 * 7, 2)], POLICY)
    assert episode.state is EpisodeState.RECONTACT and episode.welfare_check_raised_at is None
    assert len(episode.counted) == 2
    assert episode.run_prompt() is not None and "2 missed contacts in a row" in (episode.run_prompt() or "")
    (one,) = episodes([_miss(0, 1)], POLICY)
    assert one.run_prompt() is None


def test_b_the_24_to_48_hour_rule_still_raises_the_welfare_check() -> None:
    (episode,) = episodes([_miss(0, 1), _miss(30, 2)], POLICY)
    assert episode.welfare_check_raised_at == START + timedelta(hours=30)


def test_c_a_phone_reattempt_20_minutes_after_a_missed_visit_is_a_recontact_attempt_not_a_second_miss() -> None:
    visit, phone = _miss(0, 1), _miss(1 / 3, 2, scheduled=False)
    (episode,) = episodes([visit, phone], POLICY)
    assert episode.welfare_check_raised_at is None and episode.attempts == (phone,)
    assert [m.note_id for m in episode.misses] == [visit.note_id, phone.note_id], "both kept in the episode"
    # A scheduled contact missed within the window is a second missed contact, however soon.
    (episode,) = episodes([visit, phone, _miss(20, 3)], POLICY)
    assert episode.welfare_check_raised_at == START + timedelta(hours=20)
    # Re-contact attempts that keep failing past the re-contact time count as a second miss.
    (episode,) = episodes([visit, phone, _miss(25, 4, scheduled=False)], POLICY)
    assert episode.welfare_check_raised_at == START + timedelta(hours=25)


def test_d_an_unsigned_no_answer_draft_is_prompted_to_be_signed(workspace, clock) -> None:
    ws = workspace
    pid = _fresh_person(ws)
    at = datetime(2026, 11, 26, 11, 0, tzinfo=UTC)
    clock.set(at + timedelta(minutes=20))
    ws.notes.record(NoteDraft(pid, at, at + timedelta(minutes=10), ContactMethod.HOME_VISIT, Outcome.NO_ANSWER,
                              "No answer at the door"), sign=False)  # fmt: skip
    status = ws.missed_contacts.status(pid)
    assert status.unsigned_misses == 1
    assert any("draft" in p and "sign" in p for p in status.prompts)


def test_the_banner_says_the_prompts(workspace, clock) -> None:
    from ui.missed_contact_banner import banner_html

    ws = workspace
    pid = _fresh_person(ws)
    at = datetime(2026, 11, 26, 11, 0, tzinfo=UTC)
    clock.set(at + timedelta(minutes=20))
    ws.notes.record(NoteDraft(pid, at, at + timedelta(minutes=10), ContactMethod.HOME_VISIT, Outcome.NO_ANSWER,
                              "No answer at the door"), sign=False)  # fmt: skip
    assert "still a draft: sign it" in banner_html(ws.missed_contacts.status(pid), clock.now())


def test_b_the_run_prompt_says_what_to_do_and_is_not_repeated_once_a_welfare_check_is_raised() -> None:
    (episode,) = episodes([_miss(0, 1), _miss(24 * 7, 2)], POLICY)
    assert episode.run_prompt() == (
        "2 missed contacts in a row since 02 Nov, with no contact in between: review the risk history with your "
        "duty manager and decide whether a welfare check is needed."
    )
    # Once the welfare check is raised it is the prompt (its pathway starts with the duty manager).
    (raised,) = episodes([_miss(0, 1), _miss(24 * 7, 2), _miss(24 * 7 + 30, 3)], POLICY)
    assert raised.welfare_check_raised_at is not None and raised.closed_at is None and len(raised.counted) == 3
    assert raised.run_prompt() is None
    seen = ContactEvent(START + timedelta(days=8), Outcome.SEEN, uuid.UUID(int=9))
    (closed,) = episodes([_miss(0, 1), _miss(24 * 7, 2), seen], POLICY)
    assert closed.closed_at == seen.at and closed.run_prompt() is None, "contact made: nothing left to prompt"


def test_b_the_run_prompt_dates_the_first_miss_in_london_time() -> None:
    # 23:30 UTC on 10 June is 00:30 on 11 June in London (BST): the worker's calendar says the 11th.
    late = datetime(2026, 6, 10, 23, 30, tzinfo=UTC)
    misses = [ContactEvent(late + timedelta(days=7 * n), Outcome.NO_ANSWER, uuid.UUID(int=n + 1), scheduled=True)
              for n in range(2)]  # fmt: skip
    (episode,) = episodes(misses, POLICY)
    assert "since 11 Jun" in (episode.run_prompt() or "")


def test_d_a_no_answer_draft_is_not_counted_until_it_is_signed(workspace, clock) -> None:
    """The hazard log's decision (HAZ-14, finding 3d): a draft never leaves the device and nobody else could
    check a welfare check citing it, so it is prompted, never counted. Signed, it counts like any miss."""
    ws = workspace
    pid = _fresh_person(ws)
    first = datetime(2026, 11, 24, 11, 0, tzinfo=UTC)
    second = first + timedelta(hours=30)  # within the 48-hour window of the first
    clock.set(first + timedelta(minutes=20))
    draft, _ = ws.notes.record(NoteDraft(pid, first, first + timedelta(minutes=10), ContactMethod.HOME_VISIT,
                                         Outcome.NO_ANSWER, "No answer at the door"), sign=False)  # fmt: skip
    clock.set(second + timedelta(minutes=20))
    ws.notes.record(NoteDraft(pid, second, second + timedelta(minutes=10), ContactMethod.PHONE, Outcome.NO_ANSWER,
                              "No answer on the phone"))  # fmt: skip
    status = ws.missed_contacts.status(pid)
    assert (status.state, status.misses, status.welfare_check_id) == (EpisodeState.RECONTACT, 1, None)
    assert status.recontact_due == second + timedelta(minutes=10) + POLICY.recontact_within
    assert status.unsigned_misses == 1 and ws.escalations.for_person(pid) == []

    ws.notes.sign(draft.id)
    signed = ws.missed_contacts.status(pid)
    (check,) = ws.escalations.for_person(pid)
    assert (signed.state, signed.misses, signed.welfare_check_id) == (EpisodeState.WELFARE_CHECK, 2, check.id)
    assert signed.unsigned_misses == 0


def test_c_an_attempt_exactly_at_the_re_contact_time_is_the_re_contact_a_second_later_is_a_second_miss() -> None:
    """The re-contact is due within 24 hours of the miss, the 24th hour included: an attempt at that minute
    meets it. Later than that it is a missed contact of its own, and two within the window raise the check."""
    visit = _miss(0, 1)
    on_time = _miss(24, 2, scheduled=False)
    (episode,) = episodes([visit, on_time], POLICY)
    assert episode.attempts == (on_time,) and episode.counted == (visit,)
    assert episode.welfare_check_raised_at is None
    late = ContactEvent(on_time.at + timedelta(seconds=1), Outcome.NO_ANSWER, uuid.UUID(int=3), scheduled=False)
    (episode,) = episodes([visit, late], POLICY)
    assert episode.attempts == () and episode.counted == (visit, late)
    assert episode.welfare_check_raised_at == late.at


def _signed_miss(ws, clock, pid: uuid.UUID, at: datetime) -> None:
    clock.set(at + timedelta(minutes=20))
    ws.notes.record(NoteDraft(pid, at, at + timedelta(minutes=10), ContactMethod.HOME_VISIT, Outcome.NO_ANSWER,
                              "No answer at the door"))  # fmt: skip


def test_b_the_person_shows_the_run_prompt_for_their_open_episode(workspace, clock) -> None:
    """What the worker is shown for the person (the service's status, not the rule alone): two weekly visits
    missed with no contact between, so no welfare check, and the prompt to review it with the duty manager."""
    ws = workspace
    pid = _fresh_person(ws)
    first = datetime(2026, 11, 27, 11, 0, tzinfo=UTC)  # after everything the demo recorded for anyone
    _signed_miss(ws, clock, pid, first)
    assert ws.missed_contacts.status(pid).prompts == (), "one miss: re-contact is due, nothing more to prompt"
    _signed_miss(ws, clock, pid, first + timedelta(days=7))
    status = ws.missed_contacts.status(pid)
    assert (status.state, status.misses, status.welfare_check_id) == (EpisodeState.RECONTACT, 2, None)
    assert status.prompts == (
        "2 missed contacts in a row since 27 Nov, with no contact in between: review the risk history with your "
        "duty manager and decide whether a welfare check is needed.",
    )


def test_d_the_draft_prompt_counts_the_unsigned_no_answer_notes_in_words(workspace, clock) -> None:
    ws = workspace
    pid = _fresh_person(ws)
    at = datetime(2026, 11, 27, 11, 0, tzinfo=UTC)
    for n in range(2):
        clock.set(at + timedelta(hours=n, minutes=20))
        ws.notes.record(NoteDraft(pid, at + timedelta(hours=n), at + timedelta(hours=n, minutes=10),
                                  ContactMethod.PHONE, Outcome.NO_ANSWER, "No answer"), sign=False)  # fmt: skip
        said = "1 'no answer' or 'not at home' note is" if n == 0 else "2 'no answer' or 'not at home' notes are"
        assert ws.missed_contacts.status(pid).prompts == (
            f"{said} still a draft: sign it so the missed-contact policy counts it.",
        )


def test_the_status_of_someone_not_on_this_laptop_says_so(workspace) -> None:
    with pytest.raises(NotFound, match=r"^That person is not on this device\.$"):
        workspace.missed_contacts.status(uuid.UUID(int=0xDEAD))


NO_ROUTE = "No preferred contact method is recorded for this person: add one, and use the last known route."


def _routes_recorded(ws, pid: uuid.UUID) -> tuple:
    with ws.store.sessions() as session:
        return tuple(recontact_routes(Person.from_row(session.get(models.Person, pid)))[0])


def _forget_routes(ws, pid: uuid.UUID) -> None:
    with ws.store.sessions.begin() as session:
        row = session.get(models.Person, pid)
        row.contact_methods, row.support_network = [], []


def test_the_re_contact_routes_or_the_no_route_warning_are_shown_with_or_without_an_open_episode(
    workspace, clock
) -> None:
    """The worker trying to re-contact someone sees the person's own routes in their order, or the warning that
    none is recorded; the status carries them whether an episode is open or not, and nothing else by accident."""
    ws = workspace
    pid = _fresh_person(ws)
    routes = _routes_recorded(ws, pid)
    assert routes, "the demo person has a way to reach them"
    quiet = ws.missed_contacts.status(pid)
    assert (quiet.state, quiet.routes, quiet.routes_warning, quiet.prompts) == (None, routes, None, ())
    _signed_miss(ws, clock, pid, datetime(2026, 11, 27, 11, 0, tzinfo=UTC))
    missed = ws.missed_contacts.status(pid)
    assert (missed.state, missed.routes, missed.routes_warning) == (EpisodeState.RECONTACT, routes, None)
    assert (missed.after_contact, missed.prompts) == ((), ())
    _forget_routes(ws, pid)
    assert (ws.missed_contacts.status(pid).routes, ws.missed_contacts.status(pid).routes_warning) == ((), NO_ROUTE)
    nobody_missed = next(p for p in (r.person_id for r in ws.caseload.rows()) if p != pid and p == _fresh_person(ws))
    _forget_routes(ws, nobody_missed)
    status = ws.missed_contacts.status(nobody_missed)
    assert (status.state, status.routes, status.routes_warning) == (None, (), NO_ROUTE)


def test_applying_the_policy_asks_for_the_person_and_the_caseload_to_be_redrawn(workspace, clock) -> None:
    """The demo loads notes in bulk and then applies the policy: what it raised must reach the screen."""
    pid = _fresh_person(workspace)
    raised, changed = workspace.missed_contacts.apply(pid)
    assert raised is False and Changed.PERSON in changed and Changed.CASELOAD in changed


def test_a_device_enrolled_to_nobody_cannot_apply_the_policy_and_says_what_it_cannot_record(workspace, clock) -> None:
    ws = workspace
    nobody = MissedContactService(
        ws.uow, WritePath(ws.uow, clock, audit.Actor(None, None)), POLICY, ws.escalations.raise_welfare_check
    )
    refused = r"^Device: is not enrolled to a worker, so it cannot record welfare checks\."
    with pytest.raises(InvalidInput, match=refused):
        nobody.apply(_fresh_person(ws))


def test_a_an_attempt_after_the_count_restarted_meets_every_re_contact_due_so_far() -> None:
    """The first week's re-contact was never attempted, so it stays due when next week's miss restarts the count;
    a re-contact attempt after that second miss is the re-contact the seed asks for: nothing earlier is still
    due, and the next one falls due a day after the miss it followed."""
    first, later = _miss(0, 1), _miss(24 * 7, 2)
    attempt = _miss(24 * 7 + 2, 3, scheduled=False)
    (episode,) = episodes([first, later, attempt], POLICY)
    assert episode.attempts == (attempt,)
    assert episode.recontact_due == later.at + POLICY.recontact_within
