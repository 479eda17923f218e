from datetime import timedelta

from app.audit import verify_chain
from app.changes import Changed
from app.contact_notes import AmendmentKind, ContactMethod, NoteDraft, Outcome
from storage import models
from tests.conftest import NOW


def test_caseload_shows_work_due_for_the_demo_persons(workspace, demo_summary) -> None:
    rows = {r.person_id: r for r in workspace.caseload.rows()}
    assert len(rows) == 24
    assert rows[demo_summary.missed_contacts_person_id].open_episodes == 1
    assert rows[demo_summary.escalation_person_id].open_escalations == 1
    assert all(r.last_contact_at is not None for r in rows.values())
    assert any(r.overdue_actions for r in rows.values())


def test_quick_find_by_any_part_of_name_or_nhs_number(workspace) -> None:
    rows = workspace.caseload.rows()
    target = rows[5]
    assert target in workspace.caseload.find(target.preferred_name.split()[-1].lower())
    assert target in workspace.caseload.find(target.full_name.split()[0][:3].upper())
    spaced = f"{target.nhs_number[:3]} {target.nhs_number[3:6]}"
    assert workspace.caseload.find(spaced) == [target] or target in workspace.caseload.find(spaced)
    assert workspace.caseload.find(target.nhs_number) == [target]
    assert workspace.caseload.find("zzzz-nobody") == []


def test_a_recorded_contact_updates_last_contact(workspace) -> None:
    row = workspace.caseload.rows()[0]
    workspace.notes.record(
        NoteDraft(
            row.person_id,
            NOW - timedelta(minutes=40),
            NOW - timedelta(minutes=1),
            ContactMethod.PHONE,
            Outcome.SPOKEN_TO,
            "Checked in.",
        )
    )
    updated = next(r for r in workspace.caseload.rows() if r.person_id == row.person_id)
    assert updated.last_contact_at == NOW - timedelta(minutes=1)


def test_an_unsigned_draft_is_not_counted_as_the_last_contact(workspace) -> None:
    """A draft may still change or never be signed: "last contact" is what the record stands behind."""
    row = workspace.caseload.rows()[0]
    before = row.last_contact_at
    assert before is not None and before < NOW - timedelta(minutes=1)
    draft = NoteDraft(
        row.person_id, NOW - timedelta(minutes=40), NOW - timedelta(minutes=1), ContactMethod.HOME_VISIT,
        Outcome.SEEN, "Half written at the door.",
    )  # fmt: skip
    kept = workspace.drafts.keep(draft)
    assert next(r for r in workspace.caseload.rows() if r.person_id == row.person_id).last_contact_at == before
    workspace.drafts.sign(kept.id, draft)
    signed = next(r for r in workspace.caseload.rows() if r.person_id == row.person_id)
    assert signed.last_contact_at == NOW - timedelta(minutes=1)


def test_a_note_entered_in_error_is_no_longer_the_last_contact_nor_its_next_action(workspace) -> None:
    """A worker signs "seen" by mistake and marks it entered in error: the caseload must not go on saying the
    person was seen then (the welfare check and the worker's own judgement lean on that date)."""
    row = workspace.caseload.rows()[0]
    before = row.last_contact_at
    assert before is not None and before < NOW - timedelta(minutes=1)
    wrong, _ = workspace.notes.record(
        NoteDraft(
            row.person_id, NOW - timedelta(minutes=40), NOW - timedelta(minutes=1), ContactMethod.HOME_VISIT,
            Outcome.SEEN, "Phoned, no answer.", next_action="Visit", next_action_due=NOW - timedelta(seconds=30),
        )
    )  # fmt: skip
    seen = next(r for r in workspace.caseload.rows() if r.person_id == row.person_id)
    assert seen.last_contact_at == NOW - timedelta(minutes=1)
    _, changed = workspace.notes.amend(wrong.id, AmendmentKind.ENTERED_IN_ERROR, "Was a phone call, no answer", "")
    assert Changed.CASELOAD in changed  # so the open caseload redraws the row at once
    after = next(r for r in workspace.caseload.rows() if r.person_id == row.person_id)
    assert after.last_contact_at == before
    assert after.overdue_actions == seen.overdue_actions - 1  # the wrong note's next action is not owed


def test_audit_chain_records_views_and_detects_tampering(workspace) -> None:
    row = workspace.caseload.rows()[0]
    workspace.caseload.open_person(row.person_id)
    with workspace.store.sessions() as session:
        assert verify_chain(session) is None
        actions = [e.action for e in session.query(models.AuditEvent).order_by(models.AuditEvent.seq)]
    assert actions[-2:] == ["login", "view"]
    login_seq = len(actions) - 1
    # An edit behind the app's back: drop the append-only trigger as an attacker with the key could.
    with workspace.store.engine.begin() as conn:
        conn.exec_driver_sql("DROP TRIGGER audit_event_append_only")
        conn.exec_driver_sql(f"UPDATE audit_event SET record_id = 'someone-else' WHERE seq = {login_seq + 1}")
    with workspace.store.sessions() as session:
        assert verify_chain(session) == login_seq + 1
