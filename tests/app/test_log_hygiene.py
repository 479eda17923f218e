"""Run the demo journeys with DEBUG logging: no name, NHS number or note text may reach a log."""

import logging
from datetime import timedelta

import pytest

from app.contact_notes import AmendmentKind, ContactMethod, NoteDraft, Outcome
from app.errors import InvalidInput
from app.escalations import ActionDraft, ActionKind, EscalationDraft
from app.safety_reviews import ReviewDraft, TriggerPoint
from app.workspace import Workspace
from storage.errors import WrongPassphrase
from tests.conftest import NOW, PASSPHRASE

NOTE_TEXT = "Talked about the eviction letter and their brother Kieran"


def test_journeys_leave_no_personal_data_in_logs_or_errors(demo_dir, clock, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    for name in ("sqlalchemy", "sqlalchemy.engine", "sqlalchemy.pool", "waymark"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    messages: list[str] = []
    try:
        with pytest.raises(WrongPassphrase) as wrong:
            Workspace.open(demo_dir, "not the passphrase")
        messages.append(str(wrong.value))
        ws = Workspace.open(demo_dir, PASSPHRASE, clock=clock)
        rows = ws.caseload.rows()
        row = ws.caseload.find(rows[3].preferred_name.split()[0])[0]
        person = ws.caseload.open_person(row.person_id)
        ws.plans.current(person.id)
        note, _ = ws.notes.record(
            NoteDraft(
                person.id,
                NOW - timedelta(hours=1),
                NOW,
                ContactMethod.HOME_VISIT,
                Outcome.SEEN,
                NOTE_TEXT,
                plan_steps_used=[2],
            )
        )
        ws.notes.amend(note.id, AmendmentKind.CORRECTION, "Misheard", NOTE_TEXT + " (Kieran is a cousin)")
        ws.reviews.record(
            ReviewDraft(
                person.id, TriggerPoint.SIGNIFICANT_LIFE_EVENT, NOTE_TEXT, NOTE_TEXT, NOTE_TEXT, plan_reviewed=True
            )
        )
        # Escalation and the missed-contact policy: criteria, rationale, who was reached, what was shared.
        esc, _ = ws.escalations.start(EscalationDraft(person.id, ["sudden-deterioration"], NOTE_TEXT))
        esc, _ = ws.escalations.answer(esc.id, "danger", "No")
        esc, _ = ws.escalations.record_action(
            esc.id,
            ActionDraft("duty-worker", ActionKind.PHONED, True, contact_id="eastmoor-duty-worker",
                        contact_reached="Kieran at the duty desk", outcome=NOTE_TEXT,
                        information_shared=NOTE_TEXT, sharing_basis="Consent given"),
        )  # fmt: skip
        messages.append(repr(esc) + repr(esc.actions))
        for hours in (20, 2):
            ws.notes.record(
                NoteDraft(person.id, NOW - timedelta(hours=hours), NOW - timedelta(hours=hours - 1),
                          ContactMethod.PHONE, Outcome.NO_ANSWER, NOTE_TEXT)
            )  # fmt: skip
        status = ws.missed_contacts.status(person.id)
        messages.append(repr(status))
        with pytest.raises(InvalidInput) as refused:
            ws.escalations.record_action(esc.id, ActionDraft("crisis-needed", ActionKind.PHONED, True,
                                                             information_shared=NOTE_TEXT))  # fmt: skip
        messages.append(str(refused.value))
        with pytest.raises(InvalidInput) as bad:
            ws.notes.record(
                NoteDraft(person.id, NOW - timedelta(hours=1), NOW, ContactMethod.PHONE, Outcome.SEEN, "   ")
            )
        messages.append(str(bad.value))
        messages.append(repr(person) + repr(note) + repr(row))
        ws.close()
    finally:
        for name in ("sqlalchemy", "sqlalchemy.engine", "sqlalchemy.pool", "waymark"):
            logging.getLogger(name).setLevel(logging.NOTSET)
    assert caplog.records, "DEBUG logging captured nothing; the test would prove nothing"
    logged = "\n".join(r.getMessage() for r in caplog.records) + "\n".join(messages)
    secrets_ = {
        person.given_name,
        person.family_name,
        person.preferred_name,
        person.nhs_number,
        NOTE_TEXT,
        "Kieran",
        person.address,
    }
    for secret in secrets_:
        assert secret not in logged, "personal data reached a log, an error message or a repr"
