"""A new user's walk of a welfare check at 08:11, out of hours, after it began in hours: the window says the
period now first; the Contact list is each step's own (nothing carried over from the step before, the
person's own numbers where the step tries the person); a step done reaches nobody; moving on invents no
call; "within the time" never stands alone after a call that reached nobody; Alt+letters are unique and
Ctrl+S records the action form."""

import re

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QLabel, QMessageBox, QPushButton

from app.escalations import ActionKind
from app.missed_contacts import recontact_routes
from tests.app.test_escalation_closing import _welfare_check
from tests.app.test_escalation_honest_log import WEDNESDAY_0811
from tests.ui.saves import wait_saved
from ui.escalation_actions_model import HEADERS
from ui.escalation_window import EscalationWindow
from ui.note_dialog import from_qt


def _row(view: EscalationWindow, row: int) -> dict[str, str]:
    model = view.actions_model
    return {h: model.index(row, c).data() for c, h in enumerate(HEADERS)}


def _open(qtbot, window, workspace, clock) -> EscalationWindow:
    pid, check = _welfare_check(workspace, clock)
    clock.set(WEDNESDAY_0811)
    window.open_person(pid)
    view = window.person_panel.open_escalation(check)
    assert isinstance(view, EscalationWindow)
    return view


def _choose(view: EscalationWindow, text: str) -> None:
    index = next(i for i in range(view.contact.count()) if text in view.contact.itemText(i))
    view.contact.setCurrentIndex(index)


def test_each_step_records_what_happened_there(qtbot, window, workspace, clock) -> None:
    view = _open(qtbot, window, workspace, clock)
    _choose(view, "on-call manager")
    view.reached.setChecked(True)
    view.record_action()
    wait_saved(qtbot, view)

    # The desk review: nobody to contact, so nothing of the manager's step is carried over or offered.
    assert view.escalation.walk.current.id == "review-history"
    assert [view.contact.itemText(i) for i in range(view.contact.count())] == ["Someone else (say who)"]
    assert view.kind.currentData() == ActionKind.DONE and not view.contact.isEnabled()
    view.reached.setChecked(True)
    view.record_action()
    wait_saved(qtbot, view)
    done = _row(view, view.actions_model.rowCount() - 1)
    assert (done["What"], done["Who"]) == ("Step done", "")

    # Trying the person again: their own numbers and the people they agreed to, first.
    assert view.escalation.walk.current.id == "attempt-contact"
    routes, _ = recontact_routes(workspace.caseload.person(view.escalation.person_id))
    offered = [view.contact.itemText(i) for i in range(view.contact.count())]
    assert routes and all(any(r.value in text for text in offered) for r in routes)
    expected = {"phone": "phoned", "text": "texted", "email": "emailed", "visit": "in_person", "third_party": "phoned"}
    for i, route in enumerate(routes):  # "What you did" follows the route chosen: a visit is not a call
        view.contact.setCurrentIndex(i)
        assert view.kind.currentData() == expected[route.channel.value]
    view.contact.setCurrentIndex(next(i for i, r in enumerate(routes) if r.channel.value == "phone"))
    view.record_action()  # their phone, not reached
    wait_saved(qtbot, view)
    step_text = view.step.text()
    assert "<b>Nobody reached yet — first tried at 08:11, " in step_text
    tried = _row(view, view.actions_model.rowCount() - 1)
    assert tried["What"] == "Phoned — not reached" and "(phone)" in tried["Who"]

    # Moving on with the form untouched: the decision, naming only whom this step tried.
    view.move_on_button.click()
    wait_saved(qtbot, view)
    moved = _row(view, view.actions_model.rowCount() - 1)
    assert moved["What"] == "Moved on: nobody reached at this step"
    assert "on-call manager" not in moved["Who"] and moved["Who"].startswith("tried: ")
    assert view.escalation.walk.current.id == "partners"


def test_the_period_now_leads_when_it_changed_since_the_check_began(qtbot, window, workspace, clock) -> None:
    view = _open(qtbot, window, workspace, clock)
    first_line = view.period.text().split("<br>")[0]
    assert first_line.startswith("<b>Now: Out of hours") and "it was in hours when this welfare check began" in (
        first_line
    )
    assert "In hours —" not in first_line


def _mnemonics(view: EscalationWindow) -> list[str]:
    widgets = [*view.findChildren(QPushButton), *view.findChildren(QCheckBox), *view.findChildren(QLabel)]
    found = []
    for w in widgets:
        if w.isVisibleTo(view) and (m := re.search(r"&(\w)", w.text().replace("&&", ""))):
            found.append(m.group(1).lower())
    return found


def test_alt_letters_are_unique_and_alt_c_goes_to_contact(qtbot, window, workspace, clock) -> None:
    view = _open(qtbot, window, workspace, clock)
    letters = _mnemonics(view)
    assert len(letters) == len(set(letters)), letters
    view.activateWindow()
    qtbot.waitUntil(view.isActiveWindow)
    qtbot.keyClick(view, Qt.Key.Key_C, Qt.KeyboardModifier.AltModifier)
    assert view.focusWidget() is view.contact


def test_ctrl_s_records_the_action_form_showing(qtbot, window, workspace, clock) -> None:
    view = _open(qtbot, window, workspace, clock)
    before = len(view.escalation.actions)
    view.activateWindow()
    qtbot.waitUntil(view.isActiveWindow)
    view.outcome.setFocus()
    qtbot.keyClick(view.outcome, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    wait_saved(qtbot, view)
    assert len(view.escalation.actions) == before + 1


def test_a_follow_up_is_set_only_once_its_due_is_chosen(qtbot, window, workspace, clock, monkeypatch) -> None:
    """'Due' started tomorrow at this time and was saved unchosen for a crisis tonight."""
    refused: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: refused.append(a[2]))
    view = _open(qtbot, window, workspace, clock)
    assert "not chosen yet" in view.due_state.text()
    view.follow_owner.setText("Sam Okafor")
    view.set_follow_up()
    assert refused and "Follow-up due" in refused[-1]
    assert workspace.escalations.get(view.escalation.id).follow_up_due is None, "nothing saved unchosen"
    tonight = view.follow_due.dateTime().addSecs(-12 * 3600)
    view.follow_due.setDateTime(tonight)
    assert "as you chose" in view.due_state.text()
    view.set_follow_up()
    wait_saved(qtbot, view)
    saved = workspace.escalations.get(view.escalation.id).follow_up_due
    assert saved is not None and saved == from_qt(tonight)
