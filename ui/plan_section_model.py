"""One safety-plan step as an editable table: what (or who), phone, when they can be reached.

Order matters (steps 4, 5 and 9 are "in this order"), so rows move up and down; blank rows are dropped
when the plan is saved, never stored.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from app.safety_plans import PlanItem

_Index = QModelIndex | QPersistentModelIndex
HEADERS = ("What, or who", "Phone", "When")


class PlanSectionModel(QAbstractTableModel):
    def __init__(self, items: Sequence[PlanItem] = (), parent: object = None) -> None:
        super().__init__(parent)  # type: ignore[arg-type]
        self._rows: list[list[str]] = [[i.text, i.phone or "", i.hours or ""] for i in items]
        # The directory entry a row refers to ("" for a line typed by hand): such a row is the directory's,
        # not edited here (remove it and choose again, or type a line of your own).
        self._refs: list[str] = [i.directory_id or "" for i in items]

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 (Qt's own default)
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return HEADERS[section]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return self._rows[index.row()][index.column()]
        if role == Qt.ItemDataRole.AccessibleTextRole:
            source = ", from the directory" if self._refs[index.row()] else ""
            return f"{HEADERS[index.column()]}: {self._rows[index.row()][index.column()] or 'empty'}{source}"
        if role == Qt.ItemDataRole.ToolTipRole and self._refs[index.row()]:
            return "From the directory: its number and hours are kept up to date wherever the plan is shown."
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        if self._refs[index.row()]:
            return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEditable

    def setData(self, index: _Index, value: object, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid() or role != Qt.ItemDataRole.EditRole:
            return False
        self._rows[index.row()][index.column()] = str(value)
        self.dataChanged.emit(index, index, [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole])
        return True

    def add_row(self) -> int:
        row = len(self._rows)
        self.beginInsertRows(QModelIndex(), row, row)
        self._rows.append(["", "", ""])
        self._refs.append("")
        self.endInsertRows()
        return row

    def add_reference(self, item: PlanItem) -> int:
        """A line referring to a directory entry (``item.directory_id``)."""
        row = len(self._rows)
        self.beginInsertRows(QModelIndex(), row, row)
        self._rows.append([item.text, item.phone or "", item.hours or ""])
        self._refs.append(item.directory_id or "")
        self.endInsertRows()
        return row

    def remove_row(self, row: int) -> None:
        if 0 <= row < len(self._rows):
            self.beginRemoveRows(QModelIndex(), row, row)
            del self._rows[row]
            del self._refs[row]
            self.endRemoveRows()

    def move_row(self, row: int, delta: int) -> int:
        """Move a row up (-1) or down (+1); returns where it is now."""
        target = row + delta
        if not (0 <= row < len(self._rows) and 0 <= target < len(self._rows)):
            return row
        # Qt's destination index is "before this row" in the pre-move numbering.
        self.beginMoveRows(QModelIndex(), row, row, QModelIndex(), target + 1 if delta > 0 else target)
        self._rows.insert(target, self._rows.pop(row))
        self._refs.insert(target, self._refs.pop(row))
        self.endMoveRows()
        return target

    def set_items(self, items: Sequence[PlanItem]) -> None:
        self.beginResetModel()
        self._rows = [[i.text, i.phone or "", i.hours or ""] for i in items]
        self._refs = [i.directory_id or "" for i in items]
        self.endResetModel()

    def items(self) -> list[PlanItem]:
        """Every line with anything typed in it; a number without a name is kept so saving can say so."""
        return [
            PlanItem(text.strip(), phone.strip() or None, hours.strip() or None, ref or None)
            for (text, phone, hours), ref in zip(self._rows, self._refs, strict=True)
            if text.strip() or phone.strip() or hours.strip()
        ]

    def rows(self) -> list[list[str]]:
        """Every row as typed, blank ones too, with the directory entry it refers to ("" for none): what a
        form draft keeps."""
        return [[*r, ref] for r, ref in zip(self._rows, self._refs, strict=True)]

    def set_rows(self, rows: Sequence[Sequence[str]]) -> None:
        self.beginResetModel()
        padded = [[str(c) for c in [*r, "", "", "", ""][:4]] for r in rows]  # a draft from before refs: 3 columns
        self._rows = [r[:3] for r in padded]
        self._refs = [r[3] for r in padded]
        self.endResetModel()
