"""At 1366×768 the escalation window's action form was below the fold (a new user's review): when the
pathway reaches an action step, the step and its form down to "Record action" are in view."""

import pytest
from PySide6.QtCore import QPoint, QRect, QSize
from PySide6.QtWidgets import QWidget

from app.escalations import EscalationDraft
from tests.conftest import NOW
from tests.ui.saves import wait_saved
from tests.ui.test_small_screens import SIZES, _person_with_missed_contacts, _place
from ui.escalation_window import EscalationWindow


def _in_view(widget: QWidget, window: EscalationWindow) -> bool:
    viewport = window.panel_scroll.viewport()
    rect = QRect(widget.mapTo(viewport, QPoint(0, 0)), widget.size())
    return widget.isVisible() and viewport.rect().contains(rect)


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
    # The form comes first; the step's text above it may be partly scrolled past when both cannot fit, but
    # never out of view altogether.
    step_bottom = esc_window.step.mapTo(esc_window.panel_scroll.viewport(), QPoint(0, esc_window.step.height())).y()
    assert step_bottom > 0, "the step being recorded shows above its form"


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
