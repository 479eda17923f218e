"""At 1366×768 the escalation window's action form was below the fold (a new user's review): when the
pathway reaches an action step, the step and its form down to "Record action" are in view."""

import pytest
from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtWidgets import QWidget

from app.escalations import EscalationDraft
from tests.conftest import NOW
from tests.ui.saves import wait_saved
from tests.ui.test_small_screens import SIZES, _person_with_missed_contacts, _place
from ui.escalation_window import EscalationWindow


def _in_view(widget: QWidget, window: EscalationWindow) -> bool:
    """Shown whole inside the window and, for what scrolls, inside the scrolled area's view."""
    in_window = QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())
    if not (widget.isVisible() and window.rect().contains(in_window)):
        return False
    viewport = window.panel_scroll.viewport()
    if not window.panel_scroll.widget().isAncestorOf(widget):
        return True
    return viewport.rect().contains(QRect(widget.mapTo(viewport, QPoint(0, 0)), widget.size()))


def _escalation_window(qtbot, window, workspace, width, height) -> EscalationWindow:
    person = _person_with_missed_contacts(qtbot, window)
    codes = [c.code for c in workspace.escalations.config.pathways.criteria.criteria]
    escalation, _ = workspace.escalations.start(EscalationDraft(person.id, codes[:1], "Rang in distress", NOW))
    esc_window = window.person_panel.open_escalation(escalation)
    assert isinstance(esc_window, EscalationWindow)
    _place(esc_window, QSize(1180, 800), width, height, qtbot)
    return esc_window


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_an_action_step_brings_its_form_into_view(qtbot, window, workspace, width, height) -> None:
    esc_window = _escalation_window(qtbot, window, workspace, width, height)
    esc_window.answer("No")  # the first question answered: an action step, with its form
    wait_saved(qtbot, esc_window)
    qtbot.waitUntil(lambda: _in_view(esc_window.record_button, esc_window))
    for widget in (esc_window.contact, esc_window.kind, esc_window.who, esc_window.at):
        assert _in_view(widget, esc_window), widget.accessibleName()
    # The step's text ("Now: …") is never scrolled out of view, and neither are the buttons that record it
    # (at 1366×768 "Now:" was scrolled past, and after "Record action" the buttons dropped below the fold).
    assert _in_view(esc_window.step, esc_window) and esc_window.step.text().startswith("<b>Now:</b>")
    esc_window.record_action()
    wait_saved(qtbot, esc_window)
    for widget in (esc_window.step, esc_window.record_button, esc_window.move_on_button):
        assert _in_view(widget, esc_window), widget.text()


def test_a_welfare_check_opens_with_its_form_in_view(qtbot, window, workspace) -> None:
    """A welfare check starts at an action step: its window opens with the form in view."""
    person = _person_with_missed_contacts(qtbot, window)
    status = workspace.missed_contacts.status(person.id)
    assert status.welfare_check_id is not None
    esc_window = window.person_panel.open_escalation(workspace.escalations.get(status.welfare_check_id))
    assert isinstance(esc_window, EscalationWindow)
    _place(esc_window, QSize(1180, 800), 1366, 768, qtbot)
    esc_window.hide()
    esc_window.show()
    qtbot.waitUntil(lambda: _in_view(esc_window.record_button, esc_window))
    assert _in_view(esc_window.kind, esc_window)


def test_copy_feedback_never_moves_the_layout(qtbot, window, workspace) -> None:
    """ "Copied — clears in 10 s" grew the header for 10 s and shrank it: a click landed on the wrong field."""
    esc_window = _escalation_window(qtbot, window, workspace, 1366, 768)
    before = esc_window.period.mapTo(esc_window, QPoint(0, 0))
    esc_window.copy_now.click()
    assert "Copied" in esc_window.copy_feedback.text()
    qtbot.wait(50)
    assert esc_window.period.mapTo(esc_window, QPoint(0, 0)) == before


def test_the_flowchart_can_be_made_readable(qtbot, window, workspace) -> None:
    """The whole pathway at 1366×768 set its text about 7 px high: Ctrl++ enlarges it, Ctrl+0 shows it whole."""
    esc_window = _escalation_window(qtbot, window, workspace, 1366, 768)
    whole = esc_window.flowchart.text_pixels()
    esc_window.activateWindow()
    qtbot.waitUntil(esc_window.isActiveWindow)
    qtbot.keyClick(esc_window, Qt.Key.Key_Plus, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(esc_window, Qt.Key.Key_Plus, Qt.KeyboardModifier.ControlModifier)
    assert esc_window.flowchart.text_pixels() >= max(12.0, whole * 2)
    qtbot.keyClick(esc_window, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert esc_window.flowchart.text_pixels() == pytest.approx(whole)
