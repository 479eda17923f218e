"""What the escalation service keeps, and what it asks the screens to show again: the worker's words as typed
(trimmed, blanks kept as nothing rather than as empty text), each criterion once, a share logged only when
something was shared, the decision to move on recorded only when nobody was reached, and after each record the
person's screen (and for starting, the follow-up and closing, the caseload) redrawn with it queued for sync."""

import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.changes import Changed
from app.errors import InvalidInput, NotFound
from app.escalations import ActionDraft, ActionKind, EscalationDraft, EscalationKind, EscalationOutcome
from app.hours import Period
from app.pathways import MOVE_ON
from app.persons import Nation
from storage import models
from tests.app.test_escalation_closing import _fresh_person

RECORDED = Changed.PERSON | Changed.ESCALATIONS | Changed.OUTBOX  # shown again, and queued for sync


def test_starting_keeps_each_criterion_once_and_the_reason_as_written_and_redraws_the_caseload(workspace, clock):
    ws = workspace
    pid = _fresh_person(ws)
    criteria = [" sudden-deterioration ", "", "current-intent-or-plan", "sudden-deterioration", "  "]
    esc, changed = ws.escalations.start(EscalationDraft(pid, criteria, "  Not themselves on the phone \n"))
    assert esc.criteria == ("sudden-deterioration", "current-intent-or-plan"), "ticked order, each once"
    assert esc.rationale == "Not themselves on the phone"
    assert esc.kind is EscalationKind.ESCALATION and esc.person_id == pid
    assert esc.identified_at == clock.now(), "identified now unless the worker says when"
    assert esc.versions["pathway"] == esc.pathway.ref == "moorland-in-hours@3"
    assert changed & (RECORDED | Changed.CASELOAD) == RECORDED | Changed.CASELOAD
    assert ws.escalations.get(esc.id) == esc, "what was returned is what was kept"


def test_an_action_keeps_the_words_typed_trimmed_and_blanks_as_nothing_and_logs_no_share_without_one(workspace, clock):
    ws = workspace
    esc, _ = ws.escalations.start(EscalationDraft(_fresh_person(ws), ["sudden-deterioration"], "Not themselves"))
    esc, changed = ws.escalations.answer(esc.id, "danger", "No")
    assert changed & RECORDED == RECORDED
    draft = ActionDraft(
        "duty-worker", ActionKind.PHONED, True, contact_id="eastmoor-duty-worker",
        contact_reached="  Gareth Lowe, duty worker ", outcome=" Agreed a joint visit ",
        information_shared=" ", sharing_basis=" ",
    )  # fmt: skip
    esc, changed = ws.escalations.record_action(esc.id, draft)
    assert changed & RECORDED == RECORDED
    action = esc.actions[-1]
    assert (action.contact_reached, action.outcome) == ("Gareth Lowe, duty worker", "Agreed a joint visit")
    assert (action.information_shared, action.sharing_basis) == (None, None)
    blank = ActionDraft("crisis-needed", ActionKind.OTHER, False, contact_reached=" ", outcome="")
    esc, _ = ws.escalations.record_action(esc.id, blank)
    other = esc.actions[-1]
    assert (other.contact_reached, other.outcome, other.information_shared, other.sharing_basis) == (None,) * 4
    with ws.store.sessions() as session:
        verbs = list(
            session.scalars(select(models.AuditEvent.action).where(models.AuditEvent.record_id == str(action.id)))
        )
    assert "create" in verbs and "share" not in verbs, "nothing was shared, so no share is logged"


def test_moving_on_is_recorded_once_and_only_when_nobody_was_reached(workspace, clock):
    ws = workspace
    esc, _ = ws.escalations.start(EscalationDraft(_fresh_person(ws), ["sudden-deterioration"], "Not themselves"))
    esc, _ = ws.escalations.answer(esc.id, "danger", "No")
    at = clock.now() - timedelta(minutes=1)
    esc, _ = ws.escalations.record_action(
        esc.id, ActionDraft("duty-worker", ActionKind.PHONED, False, at, "eastmoor-duty-worker", move_on=True)
    )
    tried, moved = esc.actions[-2:]
    assert (tried.kind, tried.reached, tried.answer) == (ActionKind.PHONED, False, None)
    assert (tried.contact_reached, tried.outcome) == (None, None), "nothing typed, nothing kept"
    assert (moved.kind, moved.answer, moved.node_id, moved.at) == (ActionKind.ANSWER, MOVE_ON, "duty-worker", at)
    assert esc.walk.current.id == "duty-manager", "the pathway's route for nobody reached"
    # Reached and "move on" both ticked: reaching them moves the pathway on its own; no decision is recorded.
    esc, _ = ws.escalations.record_action(
        esc.id, ActionDraft("duty-manager", ActionKind.PHONED, True, None, "eastmoor-duty-manager", move_on=True)
    )
    assert [a.kind for a in esc.actions[-1:]] == [ActionKind.PHONED]
    assert sum(a.answer == MOVE_ON for a in esc.actions) == 1
    assert esc.walk.current.id == "crisis-needed"


def test_steps_may_be_recorded_up_to_five_minutes_before_the_concern_as_clocks_differ(workspace, clock):
    ws = workspace
    identified = clock.now() - timedelta(hours=1)
    esc, _ = ws.escalations.start(
        EscalationDraft(_fresh_person(ws), ["sudden-deterioration"], "Not themselves", identified)
    )
    esc, _ = ws.escalations.answer(esc.id, "danger", "No")
    five_before = identified - timedelta(minutes=5)
    esc, _ = ws.escalations.record_action(esc.id, ActionDraft("duty-worker", ActionKind.PHONED, False, five_before))
    assert esc.actions[-1].at == five_before
    esc, changed = ws.escalations.move_on(esc.id, "duty-worker", five_before)
    assert esc.actions[-1].answer == MOVE_ON and esc.walk.current.id == "duty-manager"
    assert changed & RECORDED == RECORDED


def test_setting_the_follow_up_and_closing_redraw_the_caseload_and_keep_the_owner_as_written(workspace, clock):
    ws = workspace
    esc, _ = ws.escalations.start(EscalationDraft(_fresh_person(ws), ["sudden-deterioration"], "Not themselves"))
    due = clock.now() + timedelta(hours=4)
    esc, changed = ws.escalations.set_follow_up(esc.id, due, "  Sam Okafor ")
    assert changed & (RECORDED | Changed.CASELOAD) == RECORDED | Changed.CASELOAD
    assert (esc.follow_up_due, esc.follow_up_owner) == (due, "Sam Okafor")
    assert (esc.actions[-1].at, esc.actions[-1].node_id) == (clock.now(), "danger"), "set now, where it stood"
    esc, _ = ws.escalations.answer(esc.id, "danger", "No")
    esc, _ = ws.escalations.record_action(
        esc.id, ActionDraft("duty-worker", ActionKind.PHONED, True, contact_id="eastmoor-duty-worker")
    )
    esc, changed = ws.escalations.close(esc.id, EscalationOutcome.PERSON_SAFE_PLAN_AGREED)
    assert changed & (RECORDED | Changed.CASELOAD) == RECORDED | Changed.CASELOAD
    assert (esc.closed_at, esc.outcome, esc.closing_note) == (
        clock.now(),
        EscalationOutcome.PERSON_SAFE_PLAN_AGREED,
        None,
    )
    assert esc.actions[-1].node_id == esc.walk.current.id == "crisis-needed", "closed where the pathway stood"
    esc, changed = ws.escalations.follow_up_done(esc.id, " Sam Okafor ", " Visited; settled ")
    assert changed & (RECORDED | Changed.CASELOAD) == RECORDED | Changed.CASELOAD
    assert (esc.follow_up_done_by, esc.follow_up_outcome, esc.follow_up_done_at) == (
        "Sam Okafor",
        "Visited; settled",
        clock.now(),
    )


def test_a_directory_contacts_sharing_preference_is_found_by_its_services_name_and_said_in_words(workspace):
    """The person's preferences name recipients in their own words; a directory contact is matched by its
    service's name, a name typed by the worker by the name itself (issue 9, finding 7)."""
    ws = workspace
    pid = _fresh_person(ws)
    crisis_team = "Moorland crisis resolution and home treatment team"  # moorland-crisis-team's service
    with ws.store.sessions.begin() as session:
        pref = session.scalars(select(models.SharingPreference).where(models.SharingPreference.person_id == pid)).one()
        pref.recipient = crisis_team
        pref.confidentiality_limits_explained, pref.review_due = True, date(2027, 1, 15)
        what, decision = pref.what, pref.decision
    (found,) = ws.escalations.sharing_preferences(pid, "moorland-crisis-team")
    assert found.recipient == crisis_team
    assert ws.escalations.sharing_preferences(pid, "crisis resolution") == [found], "a typed name"
    said = ws.escalations.describe_preferences(pid, "moorland-crisis-team")
    assert said == (
        f"{crisis_team}: {decision} — “{what}” (limits of confidentiality explained; review due 15 Jan 2027)"
    )
    assert ws.escalations.describe_preferences(pid, "crisis resolution") == said
    assert ws.escalations.sharing_preferences(pid, "eastmoor-duty-worker") == []
    assert ws.escalations.sharing_preferences(pid, None) == []
    assert ws.escalations.describe_preferences(pid, None) == "No sharing preference is recorded for this recipient."
    # Sharing with that contact on consent asks to confirm beyond the preference, as for a name typed.
    esc, _ = ws.escalations.start(EscalationDraft(pid, ["sudden-deterioration"], "Not themselves"))
    esc, _ = ws.escalations.answer(esc.id, "danger", "Yes")
    share = ActionDraft("call-999", ActionKind.PHONED, True, contact_id="moorland-crisis-team",
                        information_shared="Details of the plan", sharing_basis="Consent given")  # fmt: skip
    with pytest.raises(InvalidInput) as refusal:
        ws.escalations.record_action(esc.id, share)
    assert refusal.value.field == "Consent" and found.what in refusal.value.problem


def test_the_preview_before_starting_is_the_period_and_pathway_starting_would_use(workspace, clock):
    ws = workspace
    pid = _fresh_person(ws)
    period, pathway, warning = ws.escalations.preview(pid)  # Thursday 14:30: in team hours
    assert (period.period, pathway.ref, warning) == (Period.IN_HOURS, "moorland-in-hours@3", None)
    early = clock.now().replace(hour=7)  # 07:30 that morning, before the team opens
    period, pathway, warning = ws.escalations.preview(pid, early)
    assert (period.period, pathway.ref, warning) == (Period.OUT_OF_HOURS, "moorland-out-of-hours@3", None)
    esc, _ = ws.escalations.start(EscalationDraft(pid, ["sudden-deterioration"], "Not themselves", early))
    assert (esc.period, esc.pathway) == (period, pathway), "what was previewed is what starting used"
    with pytest.raises(NotFound, match=r"^That person is not on this device\.$"):
        ws.escalations.preview(uuid.UUID(int=7))


def test_every_escalation_on_the_device_by_person_each_persons_newest_first(workspace, clock):
    ws = workspace
    before = ws.escalations.by_person()
    first, second = _fresh_person(ws), None
    older, _ = ws.escalations.start(
        EscalationDraft(first, ["sudden-deterioration"], "Not themselves", clock.now() - timedelta(hours=3))
    )
    newer, _ = ws.escalations.start(EscalationDraft(first, ["sudden-deterioration"], "Worse again"))
    second = _fresh_person(ws)
    other, _ = ws.escalations.start(EscalationDraft(second, ["sudden-deterioration"], "Not themselves"))
    found = ws.escalations.by_person()
    assert [e.id for e in found[first]] == [newer.id, older.id]
    assert [e.id for e in found[second]] == [other.id]
    assert found[first] == ws.escalations.for_person(first)
    assert {k: v for k, v in found.items() if k not in (first, second)} == before


def test_the_number_to_phone_is_for_the_time_asked_about_and_none_when_nothing_is_open(workspace, clock, monkeypatch):
    """phone_now names a line open at the time it is asked about (the screens ask for now), never a closed one:
    with nothing open it names none, and the notice says to use the steps' numbers instead."""
    from types import SimpleNamespace

    ws = workspace
    esc, _ = ws.escalations.start(EscalationDraft(_fresh_person(ws), ["sudden-deterioration"], "Not themselves"))
    esc, _ = ws.escalations.answer(esc.id, "danger", "No")
    offer = ws.escalations.phone_now(esc)  # Thursday 14:30, in team hours
    assert offer is not None and offer.entry.id == "eastmoor-duty-worker" and offer.open_now
    evening = clock.now().replace(hour=19)  # the team's line has closed; the crisis team is open
    later = ws.escalations.phone_now(esc, evening)
    assert later is not None and later.open_now and later.entry.id != "eastmoor-duty-worker"
    closed = ws.config.directory.offer("eastmoor-duty-worker", evening, Nation.ENGLAND, "eastmoor")
    assert closed is not None and not closed.open_now
    monkeypatch.setattr(ws.escalations, "call_now", lambda _e, _at=None: [SimpleNamespace(best=closed)])
    assert ws.escalations.phone_now(esc, evening) is None
    monkeypatch.setattr(ws.escalations, "call_now", lambda _e, _at=None: [SimpleNamespace(best=None)])
    assert ws.escalations.phone_now(esc, evening) is None


def test_a_contact_the_step_itself_names_is_recordable_after_the_directory_stopped_listing_it(workspace, clock):
    """An escalation walks the pathway version it started on: a contact that version's step names is recorded
    as the worker reached it even once the directory has dropped it; any other contact must be in the directory."""
    import dataclasses

    from app.escalations import EscalationService

    ws = workspace
    esc, _ = ws.escalations.start(EscalationDraft(_fresh_person(ws), ["sudden-deterioration"], "Not themselves"))
    esc, _ = ws.escalations.answer(esc.id, "danger", "No")
    directory = ws.config.directory
    dropped = dataclasses.replace(
        directory, entries={k: e for k, e in directory.entries.items() if k != "eastmoor-duty-worker"}
    )
    later = EscalationService(ws.uow, clock, ws.actor, dataclasses.replace(ws.config, directory=dropped))
    draft = ActionDraft("duty-worker", ActionKind.PHONED, True, contact_id="eastmoor-duty-worker")
    esc, _ = later.record_action(esc.id, draft)
    assert esc.actions[-1].contact_id == "eastmoor-duty-worker"


def test_a_basis_given_with_nothing_shared_is_kept_as_written_and_asks_nothing_more(workspace, clock):
    """The consent and capacity questions are about information shared: with nothing shared, a basis typed in
    advance is kept as written and asks for no capacity decision."""
    ws = workspace
    esc, _ = ws.escalations.start(EscalationDraft(_fresh_person(ws), ["sudden-deterioration"], "Not themselves"))
    esc, _ = ws.escalations.answer(esc.id, "danger", "No")
    draft = ActionDraft("duty-worker", ActionKind.PHONED, False, sharing_basis=" Best interests ")
    esc, _ = ws.escalations.record_action(esc.id, draft)
    assert (esc.actions[-1].information_shared, esc.actions[-1].sharing_basis) == (None, "Best interests")


def test_a_time_up_to_five_minutes_ahead_is_a_clock_difference_and_later_is_the_future(workspace, clock):
    """Laptop and phone clocks differ: a time up to five minutes ahead of this laptop's is taken as now-ish and
    kept as given; a second more is refused as in the future."""
    ws = workspace
    esc, _ = ws.escalations.start(EscalationDraft(_fresh_person(ws), ["sudden-deterioration"], "Not themselves"))
    ahead = clock.now() + timedelta(minutes=5)
    with pytest.raises(InvalidInput, match=r"^Time: is in the future\."):
        ws.escalations.answer(esc.id, "danger", "No", ahead + timedelta(seconds=1))
    esc, _ = ws.escalations.answer(esc.id, "danger", "No", ahead)
    assert esc.actions[-1].at == ahead
    with pytest.raises(InvalidInput, match=r"^Time: needs a time zone\."):
        ws.escalations.record_action(
            esc.id, ActionDraft("duty-worker", ActionKind.PHONED, False, ahead.replace(tzinfo=None))
        )


def test_a_welfare_check_raised_again_for_the_same_missed_contacts_is_the_same_record(tmp_path, clock):
    """Two laptops (or two releases) applying the missed-contact policy to the same missed notes raise one welfare
    check: its id comes from the person and the notes, so the second finds the first rather than adding another
    when they sync. tests/fixtures/store-v8 is a store an earlier release wrote, with the welfare check it raised."""
    import shutil
    from pathlib import Path

    from app.workspace import Workspace
    from app.write_path import WritePath
    from tests.conftest import PASSPHRASE

    shutil.copytree(Path(__file__).parents[1] / "fixtures" / "store-v8", tmp_path / "store")
    ws = Workspace.open(tmp_path / "store", PASSPHRASE, clock=clock)
    try:
        with ws.store.sessions() as session:
            (row,) = session.scalars(select(models.Escalation).where(models.Escalation.kind == "welfare-check"))
            pid, cause, identified = row.person_id, [uuid.UUID(c) for c in row.cause], row.identified_at
            before = session.scalar(select(func.count()).select_from(models.Escalation))
        with WritePath(ws.uow, clock, ws.actor).person(pid, "welfare checks") as w:
            again = ws.escalations.raise_welfare_check(w, identified, "Raised again", cause, "policy@test")
        assert again == row.id
        with ws.store.sessions() as session:
            assert session.scalar(select(func.count()).select_from(models.Escalation)) == before
    finally:
        ws.close()


def test_a_period_change_offers_the_pathway_of_the_same_kind_for_now(workspace, clock):
    """When the period changes during an open escalation, the contacts offered are those of the escalation
    pathway for now; during a welfare check, those of the welfare-check pathway (issue 9, finding 5)."""
    from tests.app.test_escalation_closing import _welfare_check

    ws = workspace
    started = clock.now().replace(hour=16, minute=50) - timedelta(days=1)  # Wednesday, ten minutes before 17:00
    esc, _ = ws.escalations.start(EscalationDraft(_fresh_person(ws), ["sudden-deterioration"], "Worse", started))
    change = ws.escalations.period_change(esc, started + timedelta(minutes=20))
    assert change is not None and change.pathway.ref == "moorland-out-of-hours@3"
    _pid, check = _welfare_check(ws, clock)  # its clock now in the afternoon, in team hours
    assert check.period.period is Period.IN_HOURS
    change = ws.escalations.period_change(check, clock.now().replace(hour=21))
    assert change is not None and change.pathway.ref == "moorland-welfare-check@2"
