"""The escalation's action log names the directory entry ("Eastmoor team duty manager"), never its internal
id ("eastmoor-duty-manager"), as a new user's review found it did."""

from PySide6.QtCore import Qt

from app.escalations import ActionDraft, ActionKind, EscalationDraft
from tests.conftest import NOW
from tests.ui.saves import wait_saved
from ui.escalation_actions_model import HEADERS
from ui.escalation_window import EscalationWindow

WHO = HEADERS.index("Who")


def _log(esc_window: EscalationWindow) -> list[str]:
    model = esc_window.actions_model
    return [model.data(model.index(r, WHO), Qt.ItemDataRole.DisplayRole) for r in range(model.rowCount())]


def test_the_action_log_and_the_notice_name_the_contact_not_its_id(qtbot, window, workspace) -> None:
    person_id = window.model.row_at(0).person_id
    window.open_person(person_id)
    codes = [c.code for c in workspace.escalations.config.pathways.criteria.criteria]
    escalation, _ = workspace.escalations.start(EscalationDraft(person_id, codes[:1], "Rang in distress", NOW))
    esc_window = window.person_panel.open_escalation(escalation)
    assert isinstance(esc_window, EscalationWindow)
    esc_window.answer("No")
    wait_saved(qtbot, esc_window)
    entry_id = esc_window.contact.itemData(0)
    entry = workspace.escalations.config.directory.get(entry_id)
    assert entry is not None and entry.service != entry_id
    esc_window.contact.setCurrentIndex(0)
    esc_window.reached.setChecked(True)
    esc_window.record_action()
    wait_saved(qtbot, esc_window)
    assert entry.service in _log(esc_window)
    assert not any(entry_id in who for who in _log(esc_window))
    assert entry.service in esc_window.notice.text() and entry_id not in esc_window.notice.text()
    # Who the worker spoke to comes first, then the service.
    current = esc_window.escalation
    draft = ActionDraft(
        current.walk.current.id, ActionKind.PHONED, reached=False, contact_id=entry_id, contact_reached="Jo, duty"
    )
    updated, _ = workspace.escalations.record_action(current.id, draft)
    esc_window.refresh(updated)
    assert f"Jo, duty, {entry.service}" in _log(esc_window)
