from datetime import timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from app.contact_notes import AmendmentKind, ContactMethod, NoteDraft, Outcome
from app.errors import InvalidInput, RecordImmutable
from storage import models
from tests.conftest import NOW


def _draft(person_id, **overrides):
    values = dict(
        person_id=person_id,
        contact_start=NOW - timedelta(minutes=50),
        contact_end=NOW - timedelta(minutes=10),
        method=ContactMethod.HOME_VISIT,
        outcome=Outcome.SEEN,
        narrative="Visited at home; used the breathing exercise together.",
        plan_steps_used=[2],
        next_action="Extra call tomorrow",
        next_action_due=NOW + timedelta(days=1),
    )
    values.update(overrides)
    return NoteDraft(**values)


def test_signed_note_cites_plan_steps_and_plan_revision(workspace) -> None:
    person = workspace.caseload.rows()[0].person_id
    note, _ = workspace.notes.record(_draft(person, plan_steps_used=[4, 2, 2]))
    assert note.signed and note.plan_steps_used == (2, 4)
    assert note.plan_revision_id == workspace.plans.current(person).id
    assert workspace.notes.timeline(person)[0].id == note.id


def test_amendment_keeps_the_original_text_byte_for_byte(workspace) -> None:
    person = workspace.caseload.rows()[0].person_id
    original = "Said they were sleeping 6 hours.\nAgreed next visit Tuesday — 10:00."
    note, _ = workspace.notes.record(_draft(person, narrative=original))
    workspace.notes.amend(note.id, AmendmentKind.CORRECTION, "Misheard on the call", "Sleeping 4 hours, not 6.")
    workspace.notes.amend(note.id, AmendmentKind.ADDENDUM, "Later information", "Sister phoned to confirm.")
    reread = workspace.notes.get(note.id)
    assert reread.narrative == original
    assert [a.kind for a in reread.amendments] == [AmendmentKind.CORRECTION, AmendmentKind.ADDENDUM]
    with workspace.store.sessions() as session:
        assert session.get(models.ContactNote, note.id).narrative.encode() == original.encode()


def test_entered_in_error_needs_a_reason_and_keeps_the_note(workspace) -> None:
    person = workspace.caseload.rows()[0].person_id
    note, _ = workspace.notes.record(_draft(person))
    with pytest.raises(InvalidInput, match="Reason for amendment"):
        workspace.notes.amend(note.id, AmendmentKind.ENTERED_IN_ERROR, "  ", "")
    workspace.notes.amend(note.id, AmendmentKind.ENTERED_IN_ERROR, "Wrong person's record", "")
    reread = workspace.notes.get(note.id)
    assert reread.entered_in_error and reread.narrative == note.narrative


def test_the_database_refuses_to_overwrite_a_signed_note(workspace) -> None:
    person = workspace.caseload.rows()[0].person_id
    note, _ = workspace.notes.record(_draft(person))
    with pytest.raises(IntegrityError, match="immutable"), workspace.store.sessions.begin() as session:
        session.get(models.ContactNote, note.id).narrative = "silently changed"
    assert workspace.notes.get(note.id).narrative == note.narrative


def test_draft_can_be_signed_once(workspace) -> None:
    person = workspace.caseload.rows()[0].person_id
    draft, _ = workspace.notes.record(_draft(person), sign=False)
    assert not draft.signed
    signed, _ = workspace.notes.sign(draft.id)
    assert signed.signed
    with pytest.raises(RecordImmutable):
        workspace.notes.sign(draft.id)


def test_late_entry_is_flagged_and_needs_a_reason(workspace) -> None:
    person = workspace.caseload.rows()[0].person_id
    late = dict(contact_start=NOW - timedelta(days=2, hours=1), contact_end=NOW - timedelta(days=2))
    with pytest.raises(InvalidInput, match="Reason for late entry"):
        workspace.notes.record(_draft(person, **late))
    note, _ = workspace.notes.record(_draft(person, **late, late_entry_reason="No signal at the farm; laptop flat"))
    assert note.late_entry and note.late_entry_reason
    on_time, _ = workspace.notes.record(_draft(person))
    assert not on_time.late_entry


@pytest.mark.parametrize(
    "overrides,field",
    [
        (dict(narrative="   "), "What happened"),
        (dict(contact_end=NOW - timedelta(hours=2)), "Contact end"),
        (dict(contact_end=NOW + timedelta(hours=1), contact_start=NOW), "Contact end"),
        (dict(plan_steps_used=[12]), "Safety plan steps used"),
        (dict(next_action="", next_action_due=NOW + timedelta(days=1)), "Next action"),
    ],
)
def test_bad_note_input_is_refused_naming_the_field(workspace, overrides, field) -> None:
    person = workspace.caseload.rows()[0].person_id
    before = len(workspace.notes.timeline(person))
    with pytest.raises(InvalidInput) as info:
        workspace.notes.record(_draft(person, **overrides))
    assert info.value.field == field
    assert len(workspace.notes.timeline(person)) == before


def test_a_note_meets_the_planned_contact_due_near_it_so_it_is_no_longer_overdue(workspace) -> None:
    from sqlalchemy import select

    from app.planned_contacts import PlannedContactDraft
    from storage import models

    person = workspace.caseload.rows()[0].person_id
    due_soon, due_later = NOW - timedelta(hours=2), NOW + timedelta(days=3)
    workspace.clock.set(NOW - timedelta(days=1))  # planned yesterday
    for due in (due_soon, due_later):
        workspace.planned.plan(PlannedContactDraft(person, due, ContactMethod.HOME_VISIT, "Weekly visit"))
    workspace.clock.set(NOW)
    before = next(r for r in workspace.caseload.rows() if r.person_id == person)
    assert before.overdue_actions >= 1
    note, _ = workspace.notes.record(
        NoteDraft(person, NOW - timedelta(minutes=50), NOW - timedelta(minutes=10), ContactMethod.HOME_VISIT,
                  Outcome.SEEN, "Visited at home")
    )  # fmt: skip
    with workspace.store.sessions() as session:
        met = session.get(models.PlannedContact, note.planned_contact_id)
        assert met is not None and met.due_at == due_soon, "the planned visit two hours ago, not next week's"
        assert session.scalar(select(models.PlannedContact.id).where(models.PlannedContact.due_at == due_later))
    after = next(r for r in workspace.caseload.rows() if r.person_id == person)
    assert after.overdue_actions == before.overdue_actions - 1
