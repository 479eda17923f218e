"""The person view's planned contacts: the next one in words above the tabs, overdue first in the list,
reschedule and cancel with a reason, and "no contact is planned" said where the worker looks (HAZ-29)."""

from datetime import timedelta

from PySide6.QtCore import Qt

from app.contact_notes import ContactMethod
from app.planned_contacts import PlannedContactDraft, PlannedStatus
from tests.conftest import NOW
from tests.ui.saves import wait_saved
from tests.ui.test_journeys import _dialog
from ui.planned_contact_dialogs import CancelContactDialog, EndPlanDialog, PlanContactDialog


def _open(qtbot, window, row: int = 0):
    qtbot.keyClicks(window.search_box, window.model.row_at(row).preferred_name)
    qtbot.keyClick(window.search_box, Qt.Key.Key_Return)
    return window.person_panel.person.id


def test_cancelling_the_only_planned_contact_warns_first_and_then_says_nobody_is_planned(qtbot, window, workspace):
    pid = _open(qtbot, window)
    panel = window.person_panel
    for c in workspace.planned.for_person(pid).upcoming[1:]:
        workspace.planned.cancel(c.id, "Clearing the demo's extra contacts")
    panel.refresh()
    (only,) = workspace.planned.for_person(pid).upcoming
    assert "Next planned:" in panel.planned.summary.text()
    panel.planned.table.selectRow(0)
    panel.planned.cancel_button.click()
    dialog = _dialog(window, CancelContactDialog)
    qtbot.waitUntil(dialog.isActiveWindow)
    assert "It is the only contact planned with" in dialog.message.text()
    qtbot.keyClicks(dialog.reason, "Admitted to hospital this morning")
    qtbot.keyClick(dialog.reason, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    wait_saved(qtbot, dialog)
    assert not dialog.isVisible()
    name = panel.person.preferred_name
    assert f"No contact is planned with {name}" in panel.planned.summary.text()
    assert f"No contact is planned with {name}" in panel.planned.title.text()
    (cancelled,) = [c for c in workspace.planned.for_person(pid).contacts if c.id == only.id]
    assert cancelled.status is PlannedStatus.CANCELLED
    assert cancelled.change_reason == "Admitted to hospital this morning"


def test_reschedule_through_the_view_keeps_the_original_and_lists_overdue_first(qtbot, window, workspace, clock):
    pid = _open(qtbot, window)
    panel = window.person_panel
    clock.set(NOW - timedelta(days=1))
    workspace.planned.plan(PlannedContactDraft(pid, NOW - timedelta(hours=2), ContactMethod.HOME_VISIT, "Passed"))
    clock.set(NOW)
    panel.refresh()
    first = panel.planned.model.contact_at(0)
    assert first is not None and first.purpose == "Passed" and first.status is PlannedStatus.OVERDUE
    assert panel.planned.model.index(0, 4).data() == "Overdue: no note yet", "said in words, never a colour"
    assert "1 planned contact passed with no note" in panel.planned.summary.text()
    panel.planned.table.selectRow(0)
    panel.planned.reschedule_button.click()
    dialog = _dialog(window, PlanContactDialog)
    qtbot.waitUntil(dialog.isActiveWindow)
    qtbot.keyClicks(dialog.reason, "Nobody home; agreed by text to come tomorrow")
    qtbot.keyClick(dialog.reason, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    wait_saved(qtbot, dialog)
    assert not dialog.isVisible()
    moved = [c for c in workspace.planned.for_person(pid).contacts if c.purpose == "Passed"]
    assert [c.status for c in moved] == [PlannedStatus.RESCHEDULED, PlannedStatus.PLANNED]
    assert moved[0].due_at == NOW - timedelta(hours=2), "the original time is kept"
    assert "passed with no note" not in panel.planned.summary.text()


def test_increased_contact_is_ended_early_from_its_line(qtbot, window, workspace):
    from datetime import time

    from app.planned_contacts import ContactPlanDraft

    pid = _open(qtbot, window)
    panel = window.person_panel
    today = NOW.date()
    workspace.planned.increase(ContactPlanDraft(pid, 2, today + timedelta(days=1), today + timedelta(days=9),
                                                time(10), ContactMethod.PHONE, "After a crisis"))  # fmt: skip
    panel.refresh()
    assert "Increased contact every 2 days until" in panel.planned.title.text()
    (plan,) = workspace.planned.for_person(pid).plans
    panel.planned.title.linkActivated.emit(f"end-plan:{plan.id}")
    dialog = _dialog(window, EndPlanDialog)
    qtbot.waitUntil(dialog.isActiveWindow)
    qtbot.keyClicks(dialog.reason, "Settled; back to weekly visits")
    qtbot.keyClick(dialog.reason, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    wait_saved(qtbot, dialog)
    assert not dialog.isVisible()
    assert "Increased contact every" not in panel.planned.title.text()
    assert not [c for c in workspace.planned.for_person(pid).upcoming if c.contact_plan_id == plan.id]
