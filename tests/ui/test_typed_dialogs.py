"""Every dialog with typed text asks before discarding it, and Ctrl+S saves in every dialog (issue 11, item 2)."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from ui.amend_dialog import AmendDialog
from ui.escalation_window import EscalationStartDialog, EscalationWindow
from ui.planned_contact_dialogs import CancelContactDialog, IncreaseContactDialog, PlanContactDialog
from ui.review_dialog import ReviewDialog


def _open(qtbot, window, row: int = 0):
    name = window.model.row_at(row).preferred_name
    qtbot.keyClicks(window.search_box, name)
    qtbot.keyClick(window.search_box, Qt.Key.Key_Return)
    return window.person_panel.person


def _dialog(qtbot, window, kind):
    dialogs = [d for d in window.person_panel.dialogs if isinstance(d, kind)]
    assert dialogs, f"no {kind.__name__} open"
    dialogs[-1].activateWindow()
    qtbot.waitUntil(dialogs[-1].isActiveWindow)
    return dialogs[-1]


def _signed_note(workspace, person_id):
    return next(n for n in workspace.notes.timeline(person_id) if n.signed)


def _open_escalation_start(window, workspace):
    window.person_panel.escalate()


def _open_review(window, workspace):
    window.person_panel.record_review()


def _open_amend(window, workspace):
    from PySide6.QtCore import QUrl

    note = _signed_note(workspace, window.person_panel.person.id)
    window.person_panel.notes_view.anchorClicked.emit(QUrl(f"amend:{note.id}"))


def _type_escalation(qtbot, dialog):
    next(iter(dialog.criteria.values())).setChecked(True)
    qtbot.keyClicks(dialog.rationale, "Said goodbye to their sister on the phone")
    return dialog.rationale


def _type_review(qtbot, dialog):
    qtbot.keyClicks(dialog.what_changed, "Lost their job on Friday")
    return dialog.what_changed


def _type_amend(qtbot, dialog):
    qtbot.keyClicks(dialog.reason, "Wrong time")
    qtbot.keyClicks(dialog.text, "The visit was at 15:00, not 14:00")
    return dialog.text


def _open_plan_contact(window, workspace):
    window.person_panel.plan_contact()


def _open_increase(window, workspace):
    window.person_panel.increase_contact()


def _open_cancel(window, workspace):
    person = window.person_panel.person
    window.person_panel.cancel_contact(workspace.planned.for_person(person.id).upcoming[0])


def _type_plan_contact(qtbot, dialog):
    qtbot.keyClicks(dialog.purpose, "Check in after the housing letter")
    qtbot.keyClicks(dialog.with_whom, "Sam and their sister")
    return dialog.with_whom


def _type_reason(qtbot, dialog):
    qtbot.keyClicks(dialog.reason, "Contact re-established after two misses")
    return dialog.reason


CASES = [
    pytest.param(EscalationStartDialog, _open_escalation_start, _type_escalation, id="escalation-start"),
    pytest.param(ReviewDialog, _open_review, _type_review, id="safety-review"),
    pytest.param(AmendDialog, _open_amend, _type_amend, id="amend"),
    pytest.param(PlanContactDialog, _open_plan_contact, _type_plan_contact, id="plan-contact"),
    pytest.param(IncreaseContactDialog, _open_increase, _type_reason, id="increase-contact"),
    pytest.param(CancelContactDialog, _open_cancel, _type_reason, id="cancel-contact"),
]


@pytest.mark.parametrize(("kind", "opener", "typer"), CASES)
def test_escape_with_typed_text_asks_first(qtbot, window, workspace, monkeypatch, kind, opener, typer) -> None:
    _open(qtbot, window)
    opener(window, workspace)
    dialog = _dialog(qtbot, window, kind)
    field = typer(qtbot, dialog)
    asked: list[str] = []

    def keep(*args, **_kwargs):
        asked.append(args[1])
        return QMessageBox.StandardButton.Cancel

    monkeypatch.setattr(QMessageBox, "question", keep)
    qtbot.keyClick(field, Qt.Key.Key_Escape)
    assert asked == ["Discard what you typed?"] and dialog.isVisible()
    dialog.close()
    assert len(asked) == 2 and dialog.isVisible()
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Discard)
    qtbot.keyClick(field, Qt.Key.Key_Escape)
    assert not dialog.isVisible()


@pytest.mark.parametrize(("kind", "opener", "typer"), CASES)
def test_ctrl_s_saves_in_every_dialog(qtbot, window, workspace, kind, opener, typer) -> None:
    person = _open(qtbot, window)
    opener(window, workspace)
    dialog = _dialog(qtbot, window, kind)
    if kind is ReviewDialog:
        dialog.plan_reviewed.setChecked(True)
        for edit in (dialog.account, dialog.why):
            qtbot.keyClicks(edit, "Filled in")
    field = typer(qtbot, dialog)
    qtbot.keyClick(field, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    if kind is AmendDialog:
        assert _signed_note(workspace, person.id).amendments
    elif kind is ReviewDialog:
        assert workspace.reviews.history(person.id)[0].what_changed == "Lost their job on Friday"
    elif kind is PlanContactDialog:
        assert any(c.with_whom == "Sam and their sister" for c in workspace.planned.for_person(person.id).upcoming)
    elif kind is IncreaseContactDialog:
        assert workspace.planned.for_person(person.id).plans[0].reason == "Contact re-established after two misses"
    elif kind is CancelContactDialog:
        cancelled = [c for c in workspace.planned.for_person(person.id).contacts if c.status.value == "cancelled"]
        assert [c.change_reason for c in cancelled] == ["Contact re-established after two misses"]
    else:
        assert any(isinstance(d, EscalationWindow) for d in window.person_panel.dialogs)
