"""The actions recorded on an escalation, oldest first, as a read-only table."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from app.directory import Directory
from app.escalations import CONTACT_KINDS, ActionKind, ActionRecord, Escalation
from app.pathways import MOVE_ON

MOVED_ON = "Moved on: nobody reached at this step"
HEADERS = ("Time", "Step", "What", "Who", "Outcome", "Shared (basis)")
_Index = QModelIndex | QPersistentModelIndex


class EscalationActionsModel(QAbstractTableModel):
    def __init__(self, directory: Directory, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[tuple[str, ...]] = []
        self._directory = directory

    def show(self, escalation: Escalation | None) -> None:
        self.beginResetModel()
        self._rows = [] if escalation is None else [self._cells(escalation, a) for a in escalation.actions]
        self.endResetModel()

    def _cells(self, escalation: Escalation, a: ActionRecord) -> tuple[str, ...]:
        node = escalation.pathway.nodes.get(a.node_id)
        step = node.text if node else a.node_id
        who = who_was_contacted(a, self._directory)
        if a.kind is ActionKind.ANSWER and a.answer == MOVE_ON:
            # A decision, not a call: it names only the contacts actually tried at this step, if any.
            what = MOVED_ON
            who = tried_at_step(escalation, a, self._directory)
        elif a.kind is ActionKind.ANSWER:
            what = f"Answered: {a.answer}"
        elif a.kind is ActionKind.FOLLOW_UP:
            what = f"Follow-up set for {a.due.astimezone():%a %d %b %H:%M}" if a.due else "Follow-up set"
        elif a.kind is ActionKind.FOLLOW_UP_DONE:
            what = "Follow-up done"
        elif a.kind is ActionKind.CLOSED:
            what = "Closed"
        elif a.kind is ActionKind.DONE:
            # Doing a step (reviewing the history, say) is not reaching anyone.
            what = "Step done" if a.reached else "Step not done yet"
        else:
            what = f"{a.kind.label}{' — reached' if a.reached else ' — not reached'}"
            if a.answer == MOVE_ON:  # recorded before the move on was a record of its own
                what += ", moved on"
        shared = f"{a.information_shared} ({a.sharing_basis})" if a.information_shared and a.sharing_basis else ""
        return (
            f"{a.at.astimezone():%d %b %H:%M}",
            step,
            what,
            who,
            a.outcome or "",
            shared,
        )

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        return self._rows[index.row()][index.column()]

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation is Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        return None


def who_was_contacted(action: ActionRecord, directory: Directory) -> str:
    """Who the worker spoke to and the directory entry's name, never its internal id (e.g.
    "eastmoor-duty-manager"); an entry no longer in the directory is said to be so."""
    service = ""
    if action.contact_id:
        entry = directory.get(action.contact_id)
        service = entry.service if entry is not None else "a contact no longer in the directory"
    return ", ".join(part for part in (action.contact_reached or "", service) if part)


def tried_at_step(escalation: Escalation, decision: ActionRecord, directory: Directory) -> str:
    """Whom the attempts at the decision's step, recorded before it, tried: "tried: …", or "" when none was."""
    index = escalation.actions.index(decision)
    tried = [
        who_was_contacted(a, directory)
        for a in escalation.actions[:index]
        if a.node_id == decision.node_id and a.kind.value in CONTACT_KINDS and not a.reached
    ]
    names = [t for t in dict.fromkeys(tried) if t]
    return f"tried: {'; '.join(names)}" if names else ""
