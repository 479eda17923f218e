"""The person's planned contacts on the person view: overdue first, then the next ones, with the actions to
plan, reschedule, cancel and increase contact. Overdue is said in words (it is work due), never as a colour
or a level."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.planned_contacts import ContactPlan, PlannedContact, PlannedStatus, Schedule
from ui.display_text import escape
from ui.planned_contact_dialogs import method_label, when_text

_Index = QModelIndex | QPersistentModelIndex
HEADERS = ("When", "Kind", "Purpose", "With whom", "State")


class PlannedContactsModel(QAbstractTableModel):
    """Outstanding planned contacts, overdue first (longest overdue first), then the next ones."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: list[PlannedContact] = []

    def set_contacts(self, contacts: Sequence[PlannedContact]) -> None:
        self.beginResetModel()
        overdue = [c for c in contacts if c.status is PlannedStatus.OVERDUE]
        upcoming = [c for c in contacts if c.status is PlannedStatus.PLANNED]
        self._rows = overdue + upcoming
        self.endResetModel()

    def contact_at(self, row: int) -> PlannedContact | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        c = self.contact_at(index.row())
        if c is None:
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            column = index.column()
            if column == 0:
                return when_text(c)
            if column == 1:
                return method_label(c.method)
            if column == 2:
                return c.purpose or "—"
            if column == 3:
                return c.with_whom or "—"
            state = "Overdue: no note yet" if c.status is PlannedStatus.OVERDUE else ""
            if c.replaces_id is not None:
                state = (state + " · " if state else "") + "rescheduled"
            if c.contact_plan_id is not None:
                state = (state + " · " if state else "") + "increased contact"
            return state
        if role == Qt.ItemDataRole.ToolTipRole and c.replaces_reason:
            return f"Rescheduled: {c.replaces_reason}"
        return None


class PlannedContactsPane(QWidget):
    plan_requested = Signal()
    reschedule_requested = Signal(object)  # PlannedContact
    cancel_requested = Signal(object)  # PlannedContact
    increase_requested = Signal()
    end_plan_requested = Signal(object)  # ContactPlan

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel()
        self.title.setObjectName("planned_contacts_title")
        self.title.setAccessibleName("Planned contacts summary")
        self.title.setWordWrap(True)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.title.linkActivated.connect(self._on_link)
        # One line for above the person's tabs (the owner places it): the next contact, anything overdue,
        # and "no contact is planned" where the worker looks first.
        self.summary = QLabel()
        self.summary.setObjectName("planned_contacts_summary")
        self.summary.setAccessibleName("Next planned contact")
        # Wraps rather than widening the window: it must not set the main window's minimum width.
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.model = PlannedContactsModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName("Planned contacts")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.plan_button = QPushButton("Plan contact (Ctrl+T)")
        self.plan_button.clicked.connect(self.plan_requested.emit)
        self.reschedule_button = QPushButton("Reschedule…")
        self.reschedule_button.clicked.connect(lambda: self._with_selected(self.reschedule_requested))
        self.cancel_button = QPushButton("Cancel contact…")
        self.cancel_button.clicked.connect(lambda: self._with_selected(self.cancel_requested))
        self.increase_button = QPushButton("Increase contact…")
        self.increase_button.clicked.connect(self.increase_requested.emit)
        # Two rows of two, so the tab never sets a wider minimum for the main window than the other tabs.
        buttons = QGridLayout()
        for i, b in enumerate((self.plan_button, self.increase_button, self.reschedule_button, self.cancel_button)):
            buttons.addWidget(b, i // 2, i % 2)
        buttons.setColumnStretch(2, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.table)
        layout.addLayout(buttons)
        self._plans: tuple[ContactPlan, ...] = ()
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._enable_row_actions())
        self.set_enabled(False)

    def show_schedule(self, schedule: Schedule, person_name: str, today: date) -> None:
        self.model.set_contacts(schedule.outstanding)
        self._plans = tuple(p for p in schedule.plans if p.active(today))
        overdue, upcoming = len(schedule.overdue), len(schedule.upcoming)
        parts = ["<b>Planned contacts</b>"]
        if overdue:
            parts.append(f"{overdue} passed with no note")
        if not upcoming:
            # HAZ-29: nobody planned to see the person is said where the worker looks, not left to be noticed.
            parts.append(f"<b>No contact is planned with {escape(person_name)}.</b> Plan one (Ctrl+T)")
        for p in self._plans:
            parts.append(
                f"Increased contact every {p.every_days} day{'s' if p.every_days != 1 else ''} until "
                f"{p.until:%a %d %b} · <a href='end-plan:{p.id}'>end it early…</a>"
            )
        self.title.setText(" · ".join(parts))
        line = []
        if upcoming:
            first = schedule.upcoming[0]
            kind = escape(method_label(first.method).lower())
            line.append(f"Next planned: <b>{escape(when_text(first))}</b>, {kind}")
        else:
            line.append(f"<b>No contact is planned with {escape(person_name)}</b> — plan one (Ctrl+T)")
        if overdue:
            line.append(f"{overdue} planned contact{'s' if overdue != 1 else ''} passed with no note")
        if self._plans:
            line.append(f"increased contact until {max(p.until for p in self._plans):%a %d %b}")
        self.summary.setText(" · ".join(line))
        if self.model.rowCount():
            self.table.selectRow(0)
        self._enable_row_actions()

    def clear(self) -> None:
        self.model.set_contacts(())
        self._plans = ()
        self.title.clear()
        self.summary.clear()
        self.set_enabled(False)

    def set_enabled(self, enabled: bool) -> None:
        self.plan_button.setEnabled(enabled)
        self.increase_button.setEnabled(enabled)
        self._enable_row_actions(enabled)

    def selected(self) -> PlannedContact | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.contact_at(rows[0].row()) if rows else None

    def _enable_row_actions(self, enabled: bool = True) -> None:
        has = enabled and self.selected() is not None
        self.reschedule_button.setEnabled(has)
        self.cancel_button.setEnabled(has)

    def _with_selected(self, signal: Signal) -> None:
        contact = self.selected()
        if contact is not None:
            signal.emit(contact)  # type: ignore[attr-defined]

    def _on_link(self, link: str) -> None:
        if link.startswith("end-plan:"):
            for p in self._plans:
                if str(p.id) == link.removeprefix("end-plan:"):
                    self.end_plan_requested.emit(p)
