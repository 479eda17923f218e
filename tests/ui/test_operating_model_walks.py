"""The operating model seed's operational example 1 walked through the UI (pytest-qt), as the seed says:
two scheduled contacts missed → re-contact by the person's preferred methods → welfare check (notify the
duty manager, review history, attempt contact again, coordinate with crisis/NHS partners) with its
timescales, each action recorded with its time and outcome → contact re-established → the prompts to
update the safety plan and increase contact. (Scheduling the increased contacts is issue 9 item 7.)"""

from datetime import UTC, datetime, timedelta

from PySide6.QtCore import Qt

from app.contact_notes import ContactMethod, Outcome
from app.escalations import ActionKind, EscalationKind, EscalationOutcome
from app.missed_contacts import EpisodeState
from tests.ui.saves import wait_saved
from tests.ui.test_journeys import _dialog
from ui.escalation_window import EscalationWindow
from ui.note_dialog import NoteDialog, to_qt

MONDAY_10 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def _note_through_the_dialog(qtbot, window, clock, at: datetime, method: ContactMethod, outcome: Outcome, text: str):
    clock.set(at + timedelta(minutes=15))
    window.person_panel.record_note(outcome, method)
    dialog = _dialog(window, NoteDialog)
    qtbot.waitUntil(dialog.isActiveWindow)
    dialog.start.setDateTime(to_qt(at))
    dialog.end.setDateTime(to_qt(at + timedelta(minutes=10)))
    qtbot.keyClicks(dialog.narrative, text)
    qtbot.keyClick(dialog.narrative, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    wait_saved(qtbot, dialog)
    assert not dialog.isVisible(), "signed and saved"


def _act(view: EscalationWindow, clock, at: datetime, kind: ActionKind, reached: bool, contact: str | None = None,
         who: str = "", outcome: str = "", move_on: bool = False, shared: str = "",
         basis: str = "") -> None:  # fmt: skip
    clock.set(at)
    view.refresh(view._workspace.escalations.get(view.escalation.id))
    if contact is not None:
        view.contact.setCurrentIndex(view.contact.findData(contact))
    view.kind.setCurrentIndex(view.kind.findData(kind))
    view.reached.setChecked(reached)
    view.who.setText(who)
    view.outcome.setText(outcome)
    view.shared.setText(shared)
    view.basis.setCurrentText(basis)
    view.record_action(move_on=move_on) if move_on else view.record_action()
    wait_saved(None, view)


def test_example_1_missed_contacts_and_deterioration_through_the_ui(qtbot, window, workspace, clock, monkeypatch):
    from PySide6.QtWidgets import QMessageBox
    from sqlalchemy import select

    from storage import models

    with workspace.store.sessions() as session:
        busy = set(session.scalars(select(models.MissedContactEpisode.person_id))) | set(
            session.scalars(select(models.Escalation.person_id))
        )
    row = next(i for i in range(window.model.rowCount()) if window.model.row_at(i).person_id not in busy)
    name = window.model.row_at(row).preferred_name
    qtbot.keyClicks(window.search_box, name)
    qtbot.keyClick(window.search_box, Qt.Key.Key_Return)
    pid = window.person_panel.person.id
    refused: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: refused.append(a[2]))
    monkeypatch.setattr(QMessageBox, "critical", lambda *a: refused.append(a[2]))

    # First scheduled contact missed: re-contact by their preferred methods is due, no welfare check.
    _note_through_the_dialog(qtbot, window, clock, MONDAY_10, ContactMethod.HOME_VISIT, Outcome.NO_ANSWER,
                             "No answer at the door")  # fmt: skip
    banner = window.person_panel.banner
    assert banner.isVisible() and "try to reach them again" in banner.text.text()
    assert "preferred routes, in order" in banner.text.text()
    # The re-contact attempt by phone that afternoon: recorded, still no answer, still no welfare check.
    _note_through_the_dialog(qtbot, window, clock, MONDAY_10 + timedelta(hours=4), ContactMethod.PHONE,
                             Outcome.NO_ANSWER, "Phoned; voicemail; message left")  # fmt: skip
    assert workspace.escalations.for_person(pid) == []

    # Second scheduled contact missed within 24-48 h: the welfare check is raised, with its timescales.
    second = MONDAY_10 + timedelta(hours=25)
    _note_through_the_dialog(qtbot, window, clock, second, ContactMethod.HOME_VISIT, Outcome.NO_ANSWER,
                             "No answer at the door again")  # fmt: skip
    assert "Welfare check needed" in banner.text.text()
    banner.welfare.click()
    view = _dialog(window, EscalationWindow)
    assert view.escalation.kind is EscalationKind.WELFARE_CHECK and "Nobody has been told yet" in view.notice.text()
    assert "duty manager" in view.step.text() and "Within 60 min" in view.step.text()
    t0 = view.escalation.identified_at

    _act(view, clock, t0 + timedelta(minutes=15), ActionKind.PHONED, True, "eastmoor-duty-manager",
         "Gareth Lowe, duty manager", "Agreed the welfare check")  # fmt: skip
    assert "Reached: <b>Gareth Lowe, duty manager</b>" in view.notice.text()
    _act(view, clock, t0 + timedelta(minutes=40), ActionKind.DONE, True, None, "", "Isolation preceded crises")
    _act(view, clock, t0 + timedelta(minutes=70), ActionKind.TEXTED, False, None, "", "Texted and phoned; no reply",
         move_on=True)  # fmt: skip
    _act(view, clock, t0 + timedelta(minutes=95), ActionKind.PHONED, True, "moorland-crisis-team",
         "Crisis team coordinator", "Will visit with police if no contact by 14:00")  # fmt: skip
    esc = view.escalation
    assert esc.walk.path == ("notify-manager", "review-history", "attempt-contact", "partners", "follow-up")
    assert all(t.met() for t in esc.timeliness()), "each step within its timescale"
    assert "within the standard" in view.timescales.text()

    # Contact re-established: the person is reached; the banner prompts the plan update and more contact.
    _note_through_the_dialog(qtbot, window, clock, t0 + timedelta(minutes=110), ContactMethod.PHONE,
                             Outcome.SPOKEN_TO, "Spoke to them at their sister's; safe; phone was off")  # fmt: skip
    assert workspace.missed_contacts.status(pid).state is None
    assert "review the safety plan" in banner.text.text() and "Increase contact" in banner.text.text()
    assert workspace.missed_contacts.status(pid).state is not EpisodeState.WELFARE_CHECK

    clock.set(t0 + timedelta(minutes=130))
    view.refresh(workspace.escalations.get(esc.id))
    view.follow_owner.setText("Sam Okafor")
    view.follow_due.setDateTime(to_qt(t0 + timedelta(days=1)))
    view.set_follow_up()
    wait_saved(qtbot, view)
    view.close_outcome.setCurrentIndex(view.close_outcome.findData(EscalationOutcome.CONTACT_RE_ESTABLISHED))
    view.close_escalation()
    wait_saved(qtbot, view)
    assert not view.escalation.is_open and view.escalation.outcome is EscalationOutcome.CONTACT_RE_ESTABLISHED
    recorded = [(a.at - t0, a.kind.value, a.contact_id) for a in view.escalation.actions if a.is_step]
    assert recorded == [
        (timedelta(minutes=15), "phoned", "eastmoor-duty-manager"),
        (timedelta(minutes=40), "done", None),
        (timedelta(minutes=70), "texted", None),
        (timedelta(minutes=95), "phoned", "moorland-crisis-team"),
    ], "actions with timestamps, not 'advised to contact crisis line'"
    assert refused == [], refused


def test_example_3_multi_agency_coordination_during_relapse_through_the_ui(qtbot, window, workspace, clock) -> None:
    """Example 3: a coordinated discussion with substance misuse support, crisis team liaison and primary care;
    shared triggers met → same-day contact and escalation; agreed actions, who and when recorded; weekly review."""
    from ui.escalation_window import EscalationStartDialog

    t0 = datetime(2026, 11, 24, 13, 0, tzinfo=UTC)  # Tuesday, in hours
    clock.set(t0)
    row = window.model.row_at(0)
    qtbot.keyClicks(window.search_box, row.preferred_name)
    qtbot.keyClick(window.search_box, Qt.Key.Key_Return)
    pid = window.person_panel.person.id
    qtbot.keyClick(window, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    start = _dialog(window, EscalationStartDialog)
    start.criteria["sudden-deterioration"].setChecked(True)
    start.criteria["other-clinical-judgement"].setChecked(True)
    start.rationale.setPlainText("Drinking daily again, alone, missed medication for 3 days: the shared triggers "
                                 "agreed with the recovery service are all met.")  # fmt: skip
    start.start()
    wait_saved(qtbot, start)
    qtbot.waitUntil(lambda: any(isinstance(d, EscalationWindow) for d in window.person_panel.dialogs))
    view = _dialog(window, EscalationWindow)
    assert view.escalation.pathway.id == "moorland-in-hours"
    view.answer("No")
    wait_saved(qtbot, view)
    _act(view, clock, t0 + timedelta(minutes=20), ActionKind.PHONED, True, f"{row_area(workspace, pid)}-duty-worker",
         "Duty worker", "Agreed same-day crisis team involvement")  # fmt: skip
    view.answer("Yes")
    wait_saved(qtbot, view)
    _act(view, clock, t0 + timedelta(minutes=35), ActionKind.PHONED, True, "moorland-crisis-team",
         "Crisis team liaison nurse", "Urgent assessment today at 17:00",
         shared="Triggers met, safety plan, medication", basis="Within the care team")  # fmt: skip
    # Partners outside this step's contacts are named by the worker ("someone else", say who).
    for minutes, who, outcome in (
        (50, "Recovery worker", "Visits tomorrow; joint review weekly"),
        (60, "Duty GP", "Medication review booked Thursday"),
    ):
        clock.set(t0 + timedelta(minutes=minutes))
        view.refresh(workspace.escalations.get(view.escalation.id))
        view.contact.setCurrentIndex(view.contact.count() - 1)  # someone else: the partner, named
        view.who.setText(who)
        _act(view, clock, t0 + timedelta(minutes=minutes), ActionKind.OTHER, True, None, who, outcome)
        esc = workspace.escalations.get(view.escalation.id)
        assert esc.actions[-1].contact_reached == who
    view.follow_owner.setText("Sam Okafor (weekly joint review)")
    view.follow_due.setDateTime(to_qt(t0 + timedelta(days=7)))
    view.set_follow_up()
    wait_saved(qtbot, view)
    esc = view.escalation
    who = [(a.kind.value, a.contact_id or a.contact_reached) for a in esc.actions if a.kind is not ActionKind.ANSWER]
    assert who[:4] == [
        ("phoned", f"{row_area(workspace, pid)}-duty-worker"),
        ("phoned", "moorland-crisis-team"),
        ("other", "Recovery worker"),
        ("other", "Duty GP"),
    ], "an auditable record of coordinated decisions, not single-agency notes"
    assert esc.follow_up_due == t0 + timedelta(days=7) and esc.is_open and esc.reached_anyone
    assert {t.node.id: t.met() for t in esc.timeliness()} == {"duty-worker": True, "crisis-team": True}
    shared = [a for a in esc.actions if a.information_shared]
    assert shared and shared[0].sharing_basis == "Within the care team"


def row_area(workspace, pid) -> str:
    from storage import models

    with workspace.store.sessions() as session:
        person = session.get(models.Person, pid)
        assert person is not None
        return person.area
