"""Qt adapter over app.caseload.CaseloadRow values; it holds no rules of its own."""

from __future__ import annotations

import enum
import uuid
from collections.abc import Collection, Sequence
from datetime import datetime

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)

from app.caseload import CaseloadRow


class Column(enum.IntEnum):
    NAME = 0
    LAST_CONTACT = 1
    NEXT_CONTACT = 2
    OVERDUE = 3
    MISSED = 4
    ESCALATIONS = 5


HEADERS = {
    Column.NAME: "Name",
    Column.LAST_CONTACT: "Last contact",
    Column.NEXT_CONTACT: "Next contact",
    Column.OVERDUE: "Overdue",
    Column.MISSED: "Missed",
    Column.ESCALATIONS: "Escalations",
}
# Short headers keep every column on screen beside the plan; the full meaning is the tooltip.
HEADER_TIPS = {
    Column.NAME: "Preferred name (hover a name for the full name)",
    Column.LAST_CONTACT: "When the person was last seen or spoken to",
    Column.NEXT_CONTACT: "Next planned contact",
    Column.OVERDUE: "Planned contacts passed with no note, and next actions past their due time",
    Column.MISSED: "Open missed-contact episodes (re-contact or welfare check due)",
    Column.ESCALATIONS: "Open escalations and welfare checks",
}
PersonIdRole = Qt.ItemDataRole.UserRole + 1
SortRole = Qt.ItemDataRole.UserRole + 2
_Index = QModelIndex | QPersistentModelIndex


def _when(value: datetime | None) -> str:
    return value.astimezone().strftime("%a %d %b %H:%M") if value else "—"


def sort_key(row: CaseloadRow, column: Column) -> object:
    match column:
        case Column.NAME:
            return row.preferred_name.lower()
        case Column.LAST_CONTACT:
            return row.last_contact_at.timestamp() if row.last_contact_at else 0.0
        case Column.NEXT_CONTACT:
            return row.next_planned_at.timestamp() if row.next_planned_at else float("inf")
        case Column.OVERDUE:
            return row.overdue_actions
        case Column.MISSED:
            return row.open_episodes
        case Column.ESCALATIONS:
            return row.open_escalations


class CaseloadTableModel(QAbstractTableModel):
    """Sorts itself in Python (list.sort, milliseconds for 10,000 rows): sorting in the proxy would call
    data() from C++ a few hundred thousand times, over a second for a large caseload."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[CaseloadRow] = []
        self._sort: tuple[Column, Qt.SortOrder] = (Column.NAME, Qt.SortOrder.AscendingOrder)
        self._due_first = False  # the work-due list: what is due first (CaseloadRow.due_order)

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's own signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(Column)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[Column(section)]
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.ToolTipRole:
            return HEADER_TIPS[Column(section)]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        column = Column(index.column())
        if role == PersonIdRole:
            return row.person_id
        if role == SortRole:
            return sort_key(row, column)
        if role == Qt.ItemDataRole.DisplayRole:
            match column:
                case Column.NAME:
                    return row.preferred_name
                case Column.LAST_CONTACT:
                    return _when(row.last_contact_at)
                case Column.NEXT_CONTACT:
                    return _when(row.next_planned_at)
                case Column.OVERDUE:
                    return f"{row.overdue_actions} overdue" if row.overdue_actions else "—"
                case Column.MISSED:
                    return f"{row.open_episodes} open" if row.open_episodes else "—"
                case Column.ESCALATIONS:
                    return f"{row.open_escalations} open" if row.open_escalations else "—"
        if role == Qt.ItemDataRole.ToolTipRole and column is Column.NAME:
            return row.full_name
        return None

    def row_at(self, source_row: int) -> CaseloadRow:
        return self._rows[source_row]

    def replace_rows(self, rows: Sequence[CaseloadRow]) -> None:
        self.beginResetModel()
        self._rows = self._sorted(rows)
        self.endResetModel()

    def update_rows(self, persons: Collection[uuid.UUID], rows: Sequence[CaseloadRow]) -> None:
        """Replace only the rows of ``persons`` (those a change touched) with ``rows``; a person among them
        with no row any more leaves the list. The selection stays on the same person."""
        fresh = {r.person_id: r for r in rows}
        gone = [n for n, r in enumerate(self._rows) if r.person_id in persons and r.person_id not in fresh]
        for n in reversed(gone):
            self.beginRemoveRows(QModelIndex(), n, n)
            del self._rows[n]
            self.endRemoveRows()
        held = {r.person_id for r in self._rows}
        for n, row in enumerate(self._rows):
            if row.person_id in fresh:
                self._rows[n] = fresh[row.person_id]
                self.dataChanged.emit(self.index(n, 0), self.index(n, len(Column) - 1))
        new = [r for pid, r in fresh.items() if pid not in held]
        if new:
            self.beginInsertRows(QModelIndex(), len(self._rows), len(self._rows) + len(new) - 1)
            self._rows.extend(new)
            self.endInsertRows()
        self._resort()

    def rows(self) -> list[CaseloadRow]:
        return list(self._rows)

    def row_of(self, person_id: uuid.UUID) -> int | None:
        """The source row holding ``person_id``, or None when they are not in the list."""
        return next((n for n, r in enumerate(self._rows) if r.person_id == person_id), None)

    def _sorted(self, rows: Sequence[CaseloadRow]) -> list[CaseloadRow]:
        column, order = self._sort
        # Ties (same date, same count) fall back to the name, so the order is stable and predictable.
        by_name = sorted(rows, key=lambda r: r.preferred_name.lower())
        if self._due_first:
            return sorted(by_name, key=lambda r: r.due_order)
        return sorted(by_name, key=lambda r: sort_key(r, column), reverse=order == Qt.SortOrder.DescendingOrder)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(Column):
            return
        self._sort = (Column(column), order)
        self._due_first = False  # the worker chose a column
        self._resort()

    def sort_due_first(self, on: bool) -> None:
        """The work-due list's order (on), or back to the column last chosen (off)."""
        self._due_first = on
        self._resort()

    @property
    def due_first(self) -> bool:
        return self._due_first

    def _resort(self) -> None:
        self.layoutAboutToBeChanged.emit()
        before = self.persistentIndexList()
        ids = [self._rows[i.row()].person_id for i in before]
        self._rows = self._sorted(self._rows)
        position = {r.person_id: n for n, r in enumerate(self._rows)}
        self.changePersistentIndexList(
            before, [self.index(position[pid], i.column()) for pid, i in zip(ids, before, strict=True)]
        )
        self.layoutChanged.emit()

    def forget(self) -> None:
        """Drop every decrypted value (on lock)."""
        self.replace_rows([])


class CaseloadFilter(QSortFilterProxyModel):
    """Filters with CaseloadRow.matches (names and NHS number) and sorts by SortRole."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._query = ""
        self._work_due_only = False
        self.setSortRole(SortRole)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sorting is the source model's (fast, in Python); this proxy only filters."""
        source = self.sourceModel()
        if isinstance(source, CaseloadTableModel):
            source.sort(column, order)

    def set_query(self, query: str) -> None:
        self.beginFilterChange()
        self._query = query
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def set_work_due_only(self, only: bool) -> None:
        self.beginFilterChange()
        self._work_due_only = only
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    @property
    def query(self) -> str:
        return self._query

    @property
    def work_due_only(self) -> bool:
        return self._work_due_only

    def hidden_by_work_due(self) -> int:
        """How many persons the search matches that the work-due filter alone hides."""
        model = self.sourceModel()
        if not self._work_due_only or not isinstance(model, CaseloadTableModel):
            return 0
        return sum(1 for r in model.rows() if not r.has_work_due and r.matches(self._query))

    def filterAcceptsRow(self, source_row: int, source_parent: _Index) -> bool:
        model = self.sourceModel()
        assert isinstance(model, CaseloadTableModel)
        row = model.row_at(source_row)
        return (row.has_work_due or not self._work_due_only) and row.matches(self._query)
