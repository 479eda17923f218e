"""Agreed actions of supervisions and learning reviews as a Qt table: overdue first, then open, then
closed; each row says its state in words."""

from __future__ import annotations

from html import escape
from typing import Any

from PySide6.QtCore import QAbstractListModel, QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from app.actions import ActionState, TrackedAction
from app.lead_records import RecordedDiscussion

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


class RecordedModel(QAbstractListModel):
    """Recorded supervisions and learning reviews, newest first, one line each (the detail pane shows one
    whole)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._records: list[RecordedDiscussion] = []

    def set_records(self, records: list[RecordedDiscussion]) -> None:
        self.beginResetModel()
        self._records = list(records)
        self.endResetModel()

    def forget(self) -> None:
        self.set_records([])

    def record(self, row: int) -> RecordedDiscussion:
        return self._records[row]

    def row_of_source(self, source_id: object) -> int:
        """The row of the supervision or learning review that agreed an action (-1: none here)."""
        return next((r for r, d in enumerate(self._records) if source_id in d.source_ids), -1)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._records)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return None
        d = self._records[index.row()]
        open_ = sum(not a.is_closed for a in d.actions)
        return f"{d.title} — {len(d.actions)} action{'s' if len(d.actions) != 1 else ''}, {open_} not done"


def recorded_html(d: RecordedDiscussion) -> str:
    """One supervision or learning review whole: who, when, persons, escalations, rationale, actions."""

    def para(label: str, text: str) -> str:
        return f"<p><b>{escape(label)}</b><br>{escape(text).replace(chr(10), '<br>') or '(not written)'}</p>"

    def action_rows(actions: tuple[TrackedAction, ...]) -> str:
        if not actions:
            return "<p>No actions agreed.</p>"
        rows = "".join(
            f"<li>{escape(a.action.action)} — owner {escape(a.action.owner)}, due {a.action.due:%a %d %b %Y}: "
            f"<b>{escape(a.state.label)}</b>{f' {a.closed_at.astimezone():%d %b}' if a.closed_at else ''}</li>"
            for a in actions
        )
        return f"<p><b>Agreed actions</b></p><ul>{rows}</ul>"

    when = f"{d.at.astimezone():%A %d %B %Y %H:%M}"
    if d.kind == "supervision":
        head = (
            f"<h3>Supervision of {escape(d.worker or '')}'s risk decisions</h3>"
            f"<p>{when}, recorded by {escape(d.recorded_by)}</p>"
        )
        body = ""
        for p in d.persons:
            escalations = "".join(f"<li>{escape(e.describe())}</li>" for e in p.escalations) or "<li>None named</li>"
            body += (f"<h4>{escape(p.person)}</h4><p><b>Escalations discussed</b></p><ul>{escalations}</ul>"
                     f"{para('Rationale discussed', p.rationale)}{action_rows(p.actions)}")  # fmt: skip
        return head + body
    [p] = d.persons
    escalation = "; ".join(e.describe() for e in p.escalations) or "None (an incident)"
    refinement = d.refinement if d.refinement is not None else "Not needed"
    return (
        f"<h3>Learning review: {escape(p.person)}</h3><p>{when}, recorded by {escape(d.recorded_by)}</p>"
        f"{para('Escalation reviewed', escalation)}{para('What happened', d.what_happened)}"
        f"{para('What helped', d.what_helped)}{para('Delays or barriers', d.delays)}"
        f"{para('Pathway refinement', refinement)}{action_rows(p.actions)}"
    )
