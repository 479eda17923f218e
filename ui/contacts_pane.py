"""Crisis contacts: the directory, searchable, with who can be reached now and how fresh each entry is."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QHeaderView, QLabel, QLineEdit, QPushButton, QTableView, QVBoxLayout, QWidget

from app.clock import Clock
from app.directory import Directory, Offer
from ui.clipboard import CopyFeedback, copy_briefly

HEADERS = ("Service", "Number", "Now", "Hours", "For", "Checked")
EntryIdRole = Qt.ItemDataRole.UserRole + 1
_Index = QModelIndex | QPersistentModelIndex


class DirectoryTableModel(QAbstractTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._offers: list[Offer] = []
        self._now: datetime | None = None

    def show(self, offers: list[Offer], now: datetime) -> None:
        """``offers`` as worked out at ``now``: a closed service says when it next opens, as of then."""
        self.beginResetModel()
        self._offers = list(offers)
        self._now = now
        self.endResetModel()

    def offer_at(self, row: int) -> Offer:
        return self._offers[row]

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's own signature
        return 0 if parent.isValid() else len(self._offers)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        offer = self._offers[index.row()]
        entry = offer.entry
        if role == EntryIdRole:
            return entry.id
        if role == Qt.ItemDataRole.ToolTipRole:
            return "\n".join(filter(None, [entry.caveat, *(c.note for c in entry.channels), f"Source: {entry.source}"]))
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        match index.column():
            case 0:
                return entry.service
            case 1:
                return " · ".join(str(c) for c in entry.channels)
            case 2:
                # "Closed now" alone left a worker at 02:00 to work out from the Hours column when to ring again.
                closed = offer.closed_words(self._now) if self._now is not None else "closed now"
                return "Open now" if closed is None else closed[0].upper() + closed[1:]
            case 3:
                return str(entry.availability)
            case 4:
                return {"person": "The person", "staff": "Staff", "both": "Staff and the person"}[entry.for_use_by]
            case 5:
                when = f"{entry.verified_on:%d %b %Y}" if entry.verified_on else "Not yet checked against its source"
                return f"{when} — OUT OF DATE, check before use" if offer.stale else when
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation is Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        return None


class ContactsPane(QWidget):
    def __init__(self, directory: Directory, clock: Clock, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("contacts_pane")
        self._directory = directory
        self._clock = clock
        self.search = QLineEdit(placeholderText="Search contacts: service or number")
        self.search.setAccessibleName("Search contacts")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.refresh)
        self.model = DirectoryTableModel(self)
        self.table = QTableView()
        self.table.setAccessibleName("Crisis contacts")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.activated.connect(lambda index: self._copy(index.row()))
        copy = QPushButton("&Copy number (cleared from the clipboard after 10 s)")
        copy.clicked.connect(lambda: self._copy(self.table.currentIndex().row()))
        QShortcut(
            QKeySequence.StandardKey.Copy, self.table, activated=lambda: self._copy(self.table.currentIndex().row())
        )
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.copied = CopyFeedback()
        copy_row = QHBoxLayout()
        copy_row.addWidget(copy)
        copy_row.addWidget(self.copied, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.search)
        layout.addWidget(self.table, 1)
        layout.addLayout(copy_row)
        layout.addWidget(self.status)
        self.refresh()

    def use_directory(self, directory: Directory) -> None:
        """The organisation's directory as now received by sync: search it from now on."""
        self._directory = directory
        self.refresh()

    def refresh(self, *_: object) -> None:
        now: datetime = self._clock.now()
        offers = self._directory.search(self.search.text(), now)
        self.model.show(offers, now)
        open_now = sum(o.open_now for o in offers)
        self.status.setText(f"{open_now} of {len(offers)} open now ({now.astimezone():%a %d %b %H:%M}).")

    def _copy(self, row: int) -> None:
        if 0 <= row < self.model.rowCount():
            offer = self.model.offer_at(row)
            copy_briefly(offer.entry.first_number, feedback=self.copied)
