"""Issue 9 findings 1, 2 and 6 in the escalation window: a sister reached is shown but the notice stays;
closing with nobody who can act reached asks why; the follow-up is recorded as done from the window."""

from datetime import timedelta

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from app.escalations import ActionDraft, ActionKind, EscalationDraft
from tests.ui.saves import wait_saved
from tests.ui.test_journeys import _open


def test_closing_with_nobody_who_can_act_reached_asks_why_and_the_follow_up_is_done_here(
    qtbot, window, workspace, clock, monkeypatch
) -> None:
    refused: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: refused.append(a[2]))
    person = _open(qtbot, window)
    esc, _ = workspace.escalations.start(EscalationDraft(person.id, ["sudden-deterioration"], "Not themselves"))
    workspace.escalations.answer(esc.id, "danger", "No")
    esc, _ = workspace.escalations.record_action(
        esc.id, ActionDraft("duty-worker", ActionKind.OTHER, True, contact_reached="Their sister, Jo")
    )
    view = window.person_panel.open_escalation(esc)
    notice = view.notice.text()
    assert "Nobody has been told yet" in notice and "Also reached: Their sister, Jo" in notice

    view.follow_owner.setText("Sam Okafor")
    view.follow_due.setDateTime(view.follow_due.dateTime().addSecs(-3600))  # chosen: none is chosen for the worker
    view.set_follow_up()
    wait_saved(qtbot, view)
    assert "not done yet" in view.follow_state.text()
    from app.escalations import EscalationOutcome

    view.close_outcome.setCurrentIndex(view.close_outcome.findData(EscalationOutcome.PERSON_SAFE_PLAN_AGREED))
    view.close_escalation()
    wait_saved(qtbot, view)
    assert refused and "Nobody who can act" in refused[-1] and view.escalation.is_open

    view.activateWindow()
    qtbot.waitUntil(view.isActiveWindow)
    view.close_note.setFocus()
    qtbot.keyClicks(view.close_note, "Person seen by police - welfare confirmed")
    qtbot.keyClick(view, Qt.Key.Key_L, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: not view.escalation.is_open or len(refused) > 1)
    assert len(refused) == 1, refused
    closed_at = view.escalation.closed_at
    assert closed_at is not None
    notice = view.notice.text()
    assert (
        f"Closed {closed_at.astimezone():%a %d %b %H:%M} — nobody at an escalation step was reached:</b> "
        "Person seen by police" in notice
    )
    assert "Phone now" not in notice and "Nobody has been told yet" not in notice, "nothing is left to phone"
    assert "Their sister, Jo" in notice
    assert not view.copy_now.isEnabled()
    from ui.person_panel import escalations_html

    history = escalations_html([view.escalation])
    assert "nobody reached yet" not in history and "was reached: Person seen by police" in history

    clock.set(clock.now() + timedelta(days=2))
    rows = {r.person_id: r for r in workspace.caseload.rows()}
    assert rows[person.id].overdue_actions >= 1, "the closed escalation's follow-up is overdue work"
    qtbot.keyClicks(view.done_outcome, "Visited; settled")
    qtbot.keyClick(view, Qt.Key.Key_D, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: view.escalation.follow_up_done_at is not None)
    assert view.escalation.follow_up_done_by == "Sam Okafor" and "Follow-up done" in view.follow_state.text()
    assert not view.done_button.isEnabled()


def test_the_window_says_when_the_period_changes_and_offers_the_other_contacts(qtbot, window, workspace, clock):
    from datetime import UTC, datetime

    started = datetime(2026, 11, 26, 16, 50, tzinfo=UTC)
    clock.set(started)
    person = _open(qtbot, window)
    esc, _ = workspace.escalations.start(EscalationDraft(person.id, ["sudden-deterioration"], "Much worse"))
    esc, _ = workspace.escalations.answer(esc.id, "danger", "No")
    view = window.person_panel.open_escalation(esc)
    assert "The period has changed" not in view.period.text()
    clock.set(started + timedelta(minutes=20))
    view.refresh(workspace.escalations.get(esc.id))
    assert "The period has changed." in view.period.text() and "it is now out of hours" in view.period.text()
    offered = [view.contact.itemData(i) for i in range(view.contact.count())]
    assert "moorland-crisis-team" in offered and "moorland-on-call-manager" in offered
    assert view.contact.currentData() != person.area + "-duty-worker", "an open line is offered first"


def test_the_persons_sharing_preference_for_the_recipient_is_shown_when_sharing(qtbot, window, workspace) -> None:
    from sqlalchemy import select

    from storage import models

    person = _open(qtbot, window)
    with workspace.store.sessions() as session:
        pref = session.scalars(
            select(models.SharingPreference).where(models.SharingPreference.person_id == person.id)
        ).first()
    esc, _ = workspace.escalations.start(EscalationDraft(person.id, ["sudden-deterioration"], "Not themselves"))
    esc, _ = workspace.escalations.answer(esc.id, "danger", "No")
    view = window.person_panel.open_escalation(esc)
    assert "No sharing preference is recorded for this recipient" in view.sharing_prefs.text(), "the duty line"
    assert pref is not None, "the demo records one for everyone"
    view.contact.setCurrentIndex(view.contact.count() - 1)  # someone else
    view.who.setText(pref.recipient)
    view.who.editingFinished.emit()
    assert pref.what in view.sharing_prefs.text()
