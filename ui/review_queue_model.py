"""The review queue as a Qt table model: one row per synced note, safety review or escalation, in the
work-due order app/review_queue.py gives. No colour, no rank: the State column says the process state."""

from __future__ import annotations

import enum
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from app.review_queue import QueueItem

ItemRole = Qt.ItemDataRole.UserRole + 1


class QueueColumn(enum.IntEnum):
    WHEN = 0
    KIND = 1
    PERSON = 2
    WORKER = 3
    STATE = 4
    SUMMARY = 5


HEADERS = ("When", "Kind", "Person", "Worker", "State", "Summary")


class ReviewQueueModel(QAbstractTableModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._items: list[QueueItem] = []

    def set_items(self, items: list[QueueItem]) -> None:
        self.beginResetModel()
        self._items = list(items)
        self.endResetModel()

    def forget(self) -> None:
        self.set_items([])

    def item(self, row: int) -> QueueItem:
        return self._items[row]

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._items)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(QueueColumn)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        item = self._items[index.row()]
        if role == ItemRole:
            return item
        if role == Qt.ItemDataRole.ToolTipRole and index.column() in (QueueColumn.STATE, QueueColumn.SUMMARY):
            return item.state if index.column() == QueueColumn.STATE else item.summary
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return None
        match QueueColumn(index.column()):
            case QueueColumn.WHEN:
                return item.at.astimezone().strftime("%a %d %b %H:%M")
            case QueueColumn.KIND:
                return item.kind.label
            case QueueColumn.PERSON:
                return item.person
            case QueueColumn.WORKER:
                return item.author
            case QueueColumn.STATE:
                return item.state
            case QueueColumn.SUMMARY:
                return item.summary
