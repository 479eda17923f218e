"""The main window: caseload on the left, the selected person's safety plan and notes on the right."""

from __future__ import annotations

import uuid

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QHeaderView, QLabel, QLineEdit, QMainWindow, QSplitter, QTableView, QVBoxLayout, QWidget

from app.workspace import Workspace
from ui.caseload_model import CaseloadFilter, CaseloadTableModel, Column, PersonIdRole
from ui.plan_view import PlanView


class MainWindow(QMainWindow):
    def __init__(self, workspace: Workspace) -> None:
        super().__init__()
        self._workspace = workspace
        self.setWindowTitle("Waymark")
        self.resize(1200, 760)

        self.model = CaseloadTableModel(self)
        self.proxy = CaseloadFilter(self)
        self.proxy.setSourceModel(self.model)

        self.search_box = QLineEdit(placeholderText="Find a person: part of a name or NHS number (Ctrl+K)")
        self.search_box.setAccessibleName("Find a person")
        self.search_box.setClearButtonEnabled(True)
        self.search_box.textChanged.connect(self.proxy.set_query)
        self.search_box.returnPressed.connect(self._open_first_match)

        self.table = QTableView()
        self.table.setAccessibleName("Caseload")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(Column.NAME, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.activated.connect(self._open_index)
        self.table.selectionModel().currentRowChanged.connect(lambda current, _prev: self._open_index(current))

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(6, 6, 6, 6)
        left_layout.addWidget(self.search_box)
        left_layout.addWidget(self.table)
        self.plan_view = PlanView()
        self.plan_view.setHtml(
            "<p style='font-size:120%'>Type part of a name or NHS number, then press Enter to open the "
            "person's safety plan.</p>"
        )
        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(self.plan_view)
        splitter.setSizes([560, 640])
        self.setCentralWidget(splitter)

        self.outbox_label = QLabel()
        self.outbox_label.setAccessibleName("Records waiting to sync")
        self.statusBar().addPermanentWidget(self.outbox_label)
        self.statusBar().showMessage("Offline: working from the copy on this laptop")

        find = QAction("Find a person", self, shortcut=QKeySequence("Ctrl+K"))
        find.triggered.connect(self._focus_search)
        self.addAction(find)
        self.reload()
        self.search_box.setFocus()

    def reload(self) -> None:
        self.model.replace_rows(self._workspace.caseload.rows())
        pending = self._workspace.outbox_pending()
        self.outbox_label.setText(f"{pending} record{'s' if pending != 1 else ''} waiting to sync")

    def _focus_search(self) -> None:
        self.search_box.setFocus()
        self.search_box.selectAll()

    def _open_first_match(self) -> None:
        if self.proxy.rowCount() > 0:
            index = self.proxy.index(0, 0)
            self.table.setCurrentIndex(index)
            self._open_index(index)

    def _open_index(self, index: QModelIndex) -> None:
        if not index.isValid():
            return
        person_id = index.siblingAtColumn(0).data(PersonIdRole)
        if isinstance(person_id, uuid.UUID):
            self.open_person(person_id)

    def open_person(self, person_id: uuid.UUID) -> None:
        person = self._workspace.caseload.open_person(person_id)
        plan = self._workspace.plans.current(person_id)
        notes = self._workspace.notes.timeline(person_id, limit=5)
        self.plan_view.show_person(person, plan, notes)

    def closeEvent(self, event: object) -> None:
        self.model.forget()
        self.plan_view.forget()
        self._workspace.close()
        super().closeEvent(event)  # type: ignore[arg-type]
