"""What is on this laptop only, by person, unsent escalations first (opened from the status bar, Ctrl+U).

A tree: one row per person (with how many records wait, and how many are escalations), their unsent
records beneath. Enter on a person, or on one of their records, opens that person.
"""

from __future__ import annotations

import uuid

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QTreeView, QVBoxLayout, QWidget

from app.pending import PendingPerson

PersonIdRole = Qt.ItemDataRole.UserRole + 1


def person_line(person: PendingPerson) -> str:
    count = len(person.records)
    line = f"{person.name} — {count} record{'s' if count != 1 else ''} on this laptop only"
    if person.escalations and count == 1:
        line += ": an escalation"
    elif person.escalations:
        line += f", {person.escalations} of them about an escalation"
    return line


def pending_model(people: list[PendingPerson], parent: QWidget | None = None) -> QStandardItemModel:
    model = QStandardItemModel(parent)
    model.setHorizontalHeaderLabels(["Person and record", "Recorded"])
    for person in people:
        row = QStandardItem(person_line(person))
        row.setData(person.person_id, PersonIdRole)
        row.setEditable(False)
        when = QStandardItem("")
        when.setEditable(False)
        for record in person.records:
            label = QStandardItem(record.label)
            label.setData(person.person_id, PersonIdRole)
            label.setEditable(False)
            at = QStandardItem(f"{record.authored_at.astimezone():%a %d %b %Y %H:%M}")
            at.setEditable(False)
            row.appendRow([label, at])
        model.appendRow([row, when])
    return model


class PendingDialog(QDialog):
    open_person = Signal(object)  # uuid.UUID

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("On this laptop only (not sent yet)")
        self.setMinimumSize(620, 360)
        self.summary = QLabel()
        self.summary.setObjectName("pending_summary")
        self.summary.setWordWrap(True)
        self.view = QTreeView()
        self.view.setAccessibleName("Unsent records by person")
        self.view.setUniformRowHeights(True)
        self.view.activated.connect(self._activated)
        self.model = QStandardItemModel(self)
        self.view.setModel(self.model)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.hide)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.view, 1)
        layout.addWidget(buttons)

    def show_pending(self, people: list[PendingPerson], *, enrolled: bool) -> None:
        total = sum(len(p.records) for p in people)
        if total == 0:
            self.summary.setText("Nothing is waiting: every record on this laptop has reached the server.")
        else:
            where = (
                "They are safe on this laptop and will be sent at the next sync."
                if enrolled
                else "This laptop is not connected to a sync server, so they stay here, safe."
            )
            self.summary.setText(
                f"<b>{total} record{'s are' if total != 1 else ' is'} on this laptop only.</b> {where} "
                "Escalations are listed first. Sending never tells anyone: if an escalation needs someone "
                "told, phone them. Enter opens the person."
            )
        self.model = pending_model(people, self)
        self.view.setModel(self.model)
        self.view.expandAll()
        self.view.resizeColumnToContents(0)
        if self.model.rowCount():
            self.view.setCurrentIndex(self.model.index(0, 0))

    def forget(self) -> None:
        """Drop every name shown (lock, close)."""
        self.model = QStandardItemModel(self)
        self.view.setModel(self.model)
        self.summary.clear()
        self.hide()

    def _activated(self, index: QModelIndex) -> None:
        person_id = index.siblingAtColumn(0).data(PersonIdRole)
        if isinstance(person_id, uuid.UUID):
            self.open_person.emit(person_id)
