"""Dates within reason, refusals naming the field (issue 11, item 15)."""

from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from app.contact_notes import ContactMethod, NoteDraft, Outcome
from app.errors import InvalidInput
from app.escalations import EscalationDraft
from tests.conftest import NOW
from tests.ui.note_form import choose
from tests.ui.saves import wait_saved
from ui.escalation_window import EscalationStartDialog
from ui.note_dialog import NoteDialog, from_qt, to_qt

OLD = datetime(1900, 12, 1, 10, 0, tzinfo=UTC)


def _open(qtbot, window, row: int = 0):
    name = window.model.row_at(row).preferred_name
    qtbot.keyClicks(window.search_box, name)
    qtbot.keyClick(window.search_box, Qt.Key.Key_Return)
    return window.person_panel.person


def _criteria(workspace):
    return [c.code for c in workspace.escalations.config.pathways.criteria.criteria][:1]


def test_a_note_from_1900_to_today_is_refused_naming_the_field(qtbot, window, workspace, monkeypatch) -> None:
    person = _open(qtbot, window)
    window.person_panel.record_note()
    dialog = next(d for d in window.person_panel.dialogs if isinstance(d, NoteDialog))
    choose(dialog)
    qtbot.keyClicks(dialog.narrative, "Long visit")
    dialog.start.setDateTime(to_qt(datetime(1900, 1, 1, 9, 0, tzinfo=UTC)))
    qtbot.keyClicks(dialog.late_reason, "typed late")
    refused: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: refused.append(a[2]))
    dialog.save()
    wait_saved(qtbot, dialog)
    assert refused and refused[0].startswith("Contact ended: is more than 24 hours after the contact started")
    assert dialog.isVisible() and all(n.narrative != "Long visit" for n in workspace.notes.timeline(person.id))


def test_a_note_before_the_persons_record_began_is_refused(workspace) -> None:
    row = workspace.caseload.rows()[0]
    start = datetime(2001, 3, 1, 10, 0, tzinfo=UTC)
    draft = NoteDraft(row.person_id, start, start + timedelta(hours=1), ContactMethod.PHONE, Outcome.SPOKEN_TO, "x",
                      late_entry_reason="found in the paper file")  # fmt: skip
    with pytest.raises(InvalidInput, match="Contact started: is before this person's record began"):
        workspace.notes.record(draft)


def test_an_escalation_identified_in_1900_is_refused_and_the_field_cannot_go_there(qtbot, window, workspace):
    person = _open(qtbot, window)
    with pytest.raises(InvalidInput, match="When you identified the concern: is more than 7 days ago"):
        workspace.escalations.start(EscalationDraft(person.id, _criteria(workspace), "why", OLD))
    window.person_panel.escalate()
    start = next(d for d in window.person_panel.dialogs if isinstance(d, EscalationStartDialog))
    start.identified.setDateTime(to_qt(OLD))
    assert from_qt(start.identified.dateTime()) >= NOW - timedelta(days=7, minutes=1)


def test_a_follow_up_must_be_in_the_future_and_shows_its_year(qtbot, window, workspace) -> None:
    person = _open(qtbot, window)
    escalation, _ = workspace.escalations.start(EscalationDraft(person.id, _criteria(workspace), "why", NOW))
    with pytest.raises(InvalidInput, match="Follow-up due: must be in the future"):
        workspace.escalations.set_follow_up(escalation.id, NOW - timedelta(hours=1), "Me")
    with pytest.raises(InvalidInput, match="Follow-up due: is more than 3 months ahead"):
        workspace.escalations.set_follow_up(escalation.id, NOW + timedelta(days=400), "Me")
    esc_window = window.person_panel.open_escalation(escalation)
    esc_window.follow_due.setDateTime(to_qt(NOW + timedelta(days=1)))
    assert "2026" in esc_window.follow_due.text()
    esc_window.follow_due.setDateTime(to_qt(NOW - timedelta(days=3)))
    assert from_qt(esc_window.follow_due.dateTime()) >= NOW - timedelta(minutes=1)
