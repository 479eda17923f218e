"""Unlocking lost the worker's place (a new user under a real X server, finding 3): locked with Cal's escalation
window open, they unlocked to a caseload with nothing said of where they had been. The escalation window open at a
full lock now comes back after unlocking, at its step, with what was typed in it, and the status bar says where
they were; one for someone other than the person left open is named, with how to carry on."""

from __future__ import annotations

from PySide6.QtCore import Qt

from app.escalations import EscalationDraft
from app.form_drafts import FormKind
from app.unreached import reaching_nobody
from tests.conftest import NOW, PASSPHRASE
from ui.escalation_window import EscalationWindow

CTRL = Qt.KeyboardModifier.ControlModifier


def _unlock(qtbot, window) -> None:
    qtbot.keyClicks(window.lock_screen.passphrase, PASSPHRASE)
    qtbot.keyClick(window.lock_screen.passphrase, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.workspace is not None and window.model.rowCount() > 0, timeout=60_000)


def _windows(window) -> list[EscalationWindow]:
    return [d for d in window.person_panel.dialogs if isinstance(d, EscalationWindow)]


def test_the_escalation_window_open_at_ctrl_l_is_open_again_after_unlocking_as_typed(qtbot, window, workspace):
    (item,) = reaching_nobody(workspace.escalations, workspace.caseload.person)
    qtbot.waitUntil(window.unreached_bar.isVisible)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window.search_box, Qt.Key.Key_O, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: bool(_windows(window)))
    (escalation_window,) = _windows(window)
    escalation_window.activateWindow()
    qtbot.waitUntil(escalation_window.isActiveWindow)
    qtbot.keyClicks(escalation_window.who, "Duty manager, Jo")
    qtbot.keyClick(escalation_window.who, Qt.Key.Key_L, CTRL)
    assert window.is_locked and window.workspace is None and not _windows(window)

    _unlock(qtbot, window)
    assert window.person_panel.person is not None and window.person_panel.person.id == item.person_id
    (back,) = _windows(window)
    assert back.escalation.id == item.escalation_id
    assert back.who.text() == "Duty manager, Jo", "what was typed comes back"
    assert back.arrived.isVisibleTo(back) and "Restored what you were typing before the app locked" in (
        back.arrived.text()
    )
    said = window.statusBar().currentMessage()
    assert f"You were in {item.short_name}'s welfare check: it is open again, as you left it." in said
    # Taken once open again: a later opening of the person does not bring a second copy, nor Alt+O.
    qtbot.waitUntil(lambda: window.workspace.forms.for_person(item.person_id) == [], timeout=5_000)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window.search_box, Qt.Key.Key_O, Qt.KeyboardModifier.AltModifier)
    qtbot.wait(300)
    assert _windows(window) == [back]


def test_an_escalation_of_someone_no_longer_open_is_named_with_how_to_carry_on(qtbot, window, workspace):
    rows = window.model.rows()
    cal, other = rows[0], rows[1]
    codes = [c.code for c in workspace.escalations.config.pathways.criteria.criteria]
    escalation, _ = workspace.escalations.start(EscalationDraft(cal.person_id, codes[:1], "Rang in distress", NOW))
    window.open_person(cal.person_id)
    window.person_panel.open_escalation(escalation)
    window.open_person(other.person_id)  # the escalation window stays open beside the next person
    window.lock_full()
    _unlock(qtbot, window)
    assert window.person_panel.person.id == other.person_id and not _windows(window)
    first = cal.preferred_name.split()[0]
    said = window.statusBar().currentMessage()
    assert f"You were in {first} " in said and "open " in said and "to carry on (what you typed is kept)" in said
    kept = window.workspace.forms.get(FormKind.ESCALATION_STEP, cal.person_id, escalation.id)
    assert kept is not None and kept.kept_at_lock
    window.open_person(cal.person_id)
    (back,) = _windows(window)
    assert back.escalation.id == escalation.id
