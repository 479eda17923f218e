"""Agreed actions of supervisions and learning reviews as a Qt table: overdue first, then open, then
closed; each row says its state in words."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from app.actions import ActionState, TrackedAction

HEADERS = ("State", "Due", "Action", "Owner", "From", "Agreed")
_ORDER = {ActionState.OVERDUE: 0, ActionState.OPEN: 1, ActionState.DONE: 2, ActionState.CANCELLED: 3}
_SOURCE = {"supervision": "Supervision", "learning_review": "Learning review"}


class ActionsModel(QAbstractTableModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._actions: list[TrackedAction] = []

    def set_actions(self, actions: list[TrackedAction]) -> None:
        self.beginResetModel()
        self._actions = sorted(actions, key=lambda a: (_ORDER[a.state], a.action.due, a.agreed_at))
        self.endResetModel()

    def forget(self) -> None:
        self.set_actions([])

    def action(self, row: int) -> TrackedAction:
        return self._actions[row]

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._actions)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return None
        a = self._actions[index.row()]
        match index.column():
            case 0:
                closed = f" {a.closed_at.astimezone():%d %b}" if a.closed_at else ""
                return a.state.label + closed
            case 1:
                return a.action.due.strftime("%a %d %b %Y")
            case 2:
                return a.action.action
            case 3:
                return a.action.owner
            case 4:
                return _SOURCE.get(a.source_type, a.source_type)
            case 5:
                return a.agreed_at.astimezone().strftime("%d %b %Y")
        return None
