"""The governance dashboard for a team lead's window: figures, their monthly trend, and the records
behind each figure; CSV and PDF exports.

Self-contained: give it a GovernanceService and the serial store pool; the lead's window holds it as its
"Governance" tab (Alt+G), gives it the new service after an unlock and makes it forget at a lock. Making
the report and writing the exports run off the UI thread; an export shows its progress, and a failed one
says in words what happened, that nothing in Waymark was lost, and what to do.
Nothing here is coloured by result: every bar is the same ink, and no figure is a judgement about a
person (the report's definitions say so).
"""

from __future__ import annotations

import errno
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path

from PySide6.QtCore import (
    QAbstractListModel,
    QAbstractTableModel,
    QDate,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRectF,
    Qt,
    QThreadPool,
    Signal,
)
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListView,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.governance.counted import PLAN_USE, REVIEW_COVERAGE, counted_words, why_note_totals_differ
from app.governance.csv_export import record_roles, to_csv
from app.governance.figures import Figure, FigureKind, Measure
from app.governance.report import ABOUT, Report
from app.governance.service import GovernanceService, TeamRef
from ui.governance_charts import paint_counts, paint_trend, trend
from ui.report_pdf import write_pdf
from ui.tasks import Task

_Index = QModelIndex | QPersistentModelIndex
FigureRole = Qt.ItemDataRole.UserRole + 1
RecordIdRole = Qt.ItemDataRole.UserRole + 2
HEADERS = ("Measure", "Figure", "Value", "Pending")
EVERY_WORKER = "every worker"
PER_WORKER_NOTE = (
    "A worker's figures are for supervision and learning, not for judging anyone. Making them records in the "
    "audit log that you looked at them, whose they were and when. The team's figures stay first."
)
ROLE_WORDS = {"counted": "counted", "not_counted": "not counted", "pending": "pending (timescale not yet over)"}


class FigureTableModel(QAbstractTableModel):
    """One row per figure of the report: its measure, what it counts, its value in words, pending cases."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[tuple[Measure, Figure]] = []
        self._team_rows = 0

    def set_report(self, report: Report | None, names: dict[uuid.UUID, str] | None = None) -> None:
        """The team's figures, then each worker's when the lead asked for them."""
        self.beginResetModel()
        self._rows = [(m, f) for m in report.measures for f in m.figures] if report else []
        self._team_rows = len(self._rows)
        for worker, measures in report.by_worker if report else ():
            who = (names or {}).get(worker, str(worker))
            self._rows += [(replace(m, title=f"{m.title} — {who}"), f) for m in measures for f in m.figures]
        self.endResetModel()

    def team_rows(self) -> int:
        """How many rows are the team's (a worker's follow them)."""
        return self._team_rows

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if orientation is Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        measure, figure = self._rows[index.row()]
        if role == FigureRole:
            return (measure, figure, index.row() < self._team_rows)
        if role == Qt.ItemDataRole.DisplayRole:
            return (measure.title, figure.label, figure.text(), str(len(figure.pending)) if figure.pending else "")[
                index.column()
            ]
        if role == Qt.ItemDataRole.ToolTipRole:
            return "Select to see the records behind this figure"
        return None


class RecordListModel(QAbstractListModel):
    """The records behind one figure, by id, with their part in it."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[tuple[uuid.UUID, str]] = []

    def set_figure(self, figure: Figure | None) -> None:
        self.beginResetModel()
        self._rows = record_roles(figure) if figure else []
        self.endResetModel()

    def record_ids(self) -> list[uuid.UUID]:
        return [record_id for record_id, _ in self._rows]

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        record_id, part = self._rows[index.row()]
        if role == RecordIdRole:
            return record_id
        if role == Qt.ItemDataRole.DisplayRole:
            words = ROLE_WORDS.get(part) or part.replace("_", " ")
            return f"{record_id}  —  {words}"
        return None


class ChartView(QWidget):
    """The selected figure's trend by month (or, for out-of-hours counts, the counts by period)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumHeight(180)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self._draw: Callable[[QPainter, QRectF], None] | None = None
        self.words: str | None = None  # shown in place of a chart

    def show_figure(self, report: Report | None, measure: Measure | None, figure: Figure | None) -> None:
        self.words = None
        if report is None or measure is None or figure is None:
            self._draw = None
        elif figure.kind is FigureKind.COUNT and measure.key == "out_of_hours":
            counts = [(f.label, f.numerator) for f in measure.figures if f.kind is FigureKind.COUNT]
            self._draw = lambda p, r: paint_counts(p, r, f"{measure.title} in the period", counts)
        else:
            points = trend(report, measure.key, figure.key)
            if figure.kind is not FigureKind.SHARE:
                points = []
            title = f"{figure.label}, by month" if points else f"{figure.label}: no monthly chart for this figure"
            self._draw = lambda p, r: paint_trend(p, r, title, points)
        self.update()

    def show_words(self, words: str) -> None:
        """Words where a chart would be: a blank pane reads as something gone wrong."""
        self.words = words
        self._draw = lambda p, r: paint_trend(p, r, words, [])
        self.update()

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), Qt.GlobalColor.white)
        if self._draw is not None:
            self._draw(painter, QRectF(self.rect()).adjusted(8, 8, -8, -8))
        painter.end()


class _Progress(QObject):
    moved = Signal(int, int)


class GovernanceDashboard(QWidget):
    """Choose team and period, make the report, select a figure to see its trend and its records."""

    report_ready = Signal(object)
    export_finished = Signal(str)  # the file written, or an empty string when it failed (the message says why)

    def __init__(self, service: GovernanceService | None, pool: QThreadPool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._service = service
        self._pool = pool
        self._tasks: list[Task] = []
        self.report: Report | None = None
        self._names: dict[uuid.UUID, str] = {}

        self.team = QComboBox()
        self.first = QDateEdit(calendarPopup=True)
        self.last = QDateEdit(calendarPopup=True)
        for edit in (self.first, self.last):
            edit.setDisplayFormat("d MMM yyyy")
        self._defaulting = False
        self._default_period()
        # Until the lead picks dates, the period follows the calendar: a window left open (or locked)
        # overnight would otherwise end yesterday and leave the night's escalations out of the figures.
        self._period_chosen = False
        for edit in (self.first, self.last):
            edit.dateChanged.connect(self._period_picked)
        self.whose = QComboBox(accessibleName="Whose figures")
        self.whose_note = QLabel(PER_WORKER_NOTE)
        self.whose_note.setObjectName("per_worker_note")
        self.whose_note.setWordWrap(True)
        self._team_only()
        self.whose.currentIndexChanged.connect(self._whose_chosen)
        self.make = QPushButton("&Make report")
        self.make.setDefault(True)
        self.export_csv_button = QPushButton("Export &CSV…")
        self.export_pdf_button = QPushButton("Export P&DF…")
        for button in (self.export_csv_button, self.export_pdf_button):
            button.setEnabled(False)
        self.status = QLabel("Choose a team and a period, then Make report.")
        self.status.setWordWrap(True)
        # Room for two lines, so the sync caveat is never squeezed out by the table below.
        self.status.setMinimumHeight(self.status.fontMetrics().lineSpacing() * 2 + 4)
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        about = QLabel(ABOUT)
        about.setWordWrap(True)

        self.figures = FigureTableModel(self)
        self.table = QTableView()
        self.table.setModel(self.figures)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.ResizeToContents)
        self.table.setAccessibleName("Governance figures")
        self.chart = ChartView()
        self.records = RecordListModel(self)
        self.record_list = QListView()
        self.record_list.setModel(self.records)
        self.record_list.setAccessibleName("Records behind the selected figure")
        self.records_label = QLabel("Records behind the selected figure")
        # It carries what the figure counts (why two contact-note totals differ, why a night of notes is 0
        # out of hours): a few lines, wrapped in the pane's width.
        self.records_label.setWordWrap(True)

        form = QFormLayout()
        team_label = QLabel("T&eam")  # Alt+T is the person's Notes tab on the lead window's Persons page
        team_label.setBuddy(self.team)
        form.addRow(team_label, self.team)
        period = QHBoxLayout()
        period.addWidget(self.first)
        period.addWidget(QLabel("to"))
        period.addWidget(self.last)
        period.addStretch(1)
        period_label = QLabel("&Period")
        period_label.setBuddy(self.first)
        form.addRow(period_label, period)
        whose_label = QLabel("&Whose figures")
        whose_label.setBuddy(self.whose)
        # The buttons share the last row of choices: at 1366x768 every line given to the table counts.
        buttons = QHBoxLayout()
        buttons.addWidget(self.whose)
        buttons.addStretch(1)
        for button in (self.make, self.export_csv_button, self.export_pdf_button):
            buttons.addWidget(button)
        form.addRow(whose_label, buttons)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.chart, 3)
        right_layout.addWidget(self.records_label)
        right_layout.addWidget(self.record_list, 2)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.table)
        split.addWidget(right)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.whose_note)
        layout.addWidget(self.status)
        layout.addWidget(self.progress)
        layout.addWidget(split, 1)
        layout.addWidget(about)

        self.make.clicked.connect(self.make_report)
        self.export_csv_button.clicked.connect(lambda: self._choose_and_export("csv"))
        self.export_pdf_button.clicked.connect(lambda: self._choose_and_export("pdf"))
        self.table.selectionModel().currentRowChanged.connect(self._figure_chosen)
        self._load_teams()

    # -- the store: set at unlock, forgotten at a lock ----------------------------------------------

    def set_service(self, service: GovernanceService) -> None:
        """The store was opened again (after a full lock): report from it from now on."""
        if service is self._service:
            return
        self.forget()
        self._service = service
        self._load_teams()

    def forget(self) -> None:
        """The lock: the report, its figures, records and chart leave the screen and memory."""
        self._service = None
        self.report = None
        self._names = {}
        self.figures.set_report(None)
        self.records.set_figure(None)
        self.chart.show_figure(None, None, None)
        self.team.clear()
        self._team_only()
        self.make.setEnabled(True)
        for button in (self.export_csv_button, self.export_pdf_button):
            button.setEnabled(False)
        self.progress.setVisible(False)
        self.status.setText("Choose a team and a period, then Make report.")

    # -- report -------------------------------------------------------------------------------------

    def _load_teams(self) -> None:
        service = self._service
        if service is None:
            return
        task = Task(lambda: (service.teams(), service.workers()))
        task.outcome.succeeded.connect(lambda found, t=task: self._on_teams(*found, t, service))
        task.outcome.failed.connect(lambda exc, t=task: self._on_failed(exc, t))
        self._start(task)

    def _on_teams(
        self, teams: list[TeamRef], workers: list[tuple[uuid.UUID, str]], task: Task, service: GovernanceService
    ) -> None:
        self._tasks.remove(task)
        if service is not self._service:
            return  # locked (or reopened) while they loaded
        self.team.clear()
        for team in teams:
            self.team.addItem(team.name, team.area)
        self._team_only()
        self.whose.addItem("Each worker, one after another", EVERY_WORKER)
        for worker_id, name in workers:
            self.whose.addItem(name, worker_id)

    def _team_only(self) -> None:
        """The team's figures are the default, and all there is to choose until the workers are read."""
        self.whose.blockSignals(True)
        self.whose.clear()
        self.whose.addItem("The team (default)", None)
        self.whose.blockSignals(False)
        self._whose_chosen()

    def _whose_chosen(self, *_: object) -> None:
        self.whose_note.setVisible(self.whose.currentData() is not None)

    def _default_period(self) -> None:
        today = _today()
        self._defaulting = True
        self.first.setDate(today.addMonths(-6).addDays(1 - today.day()))
        self.last.setDate(today)
        self._defaulting = False

    def _period_picked(self) -> None:
        if not self._defaulting:
            self._period_chosen = True

    def make_report(self) -> None:
        service = self._service
        if service is None:
            return
        if not self._period_chosen:
            self._default_period()
        if self.team.currentIndex() < 0:
            self.status.setText("No team is on this laptop yet: sync first, then make the report.")
            return
        first, last = _day(self.first.date()), _day(self.last.date())
        if last < first:
            self.status.setText("The period ends before it starts: choose a last day on or after the first.")
            return
        area, whose = self.team.currentData(), self.whose.currentData()
        per_worker, worker = whose == EVERY_WORKER, whose if isinstance(whose, uuid.UUID) else None
        self.make.setEnabled(False)
        self.status.setText("Making the report…")
        task = Task(
            lambda: (service.report(area, first, last, per_worker=per_worker, worker=worker), service.staff_names())
        )
        task.outcome.succeeded.connect(lambda made, t=task: self._on_report(*made, t, service))
        task.outcome.failed.connect(lambda exc, t=task: self._on_failed(exc, t))
        self._start(task)

    def _on_report(self, report: Report, names: dict[uuid.UUID, str], task: Task, service: GovernanceService) -> None:
        self._tasks.remove(task)
        if service is not self._service:
            return  # locked while it was made: nothing from the store goes on screen
        self.report = report
        self._names = names
        self.make.setEnabled(True)
        self.figures.set_report(report, names)
        for button in (self.export_csv_button, self.export_pdf_button):
            button.setEnabled(True)
        whose = ""
        if report.by_worker:
            count = len(report.by_worker)
            shown = names.get(report.by_worker[0][0], "one worker") if count == 1 else f"{count} workers"
            whose = f" Below the team's, selected: the figures of {shown} (recorded in the audit log)."
        differ = why_note_totals_differ(report.measures)
        hint = " Contact-note totals differ between measures by design: select one to see why." if differ else ""
        self.status.setText(
            f"{report.team}, {report.period.label()}. Data last synced: {report.synced_text()}.{whose} "
            f"Select a figure to see its trend and the records behind it.{hint}"
        )
        if self.figures.rowCount():
            # A worker's figures sit below the team's: the lead who asked for them is taken to them.
            first = self.figures.team_rows() if report.by_worker else 0
            self.table.selectRow(first)
            self.table.scrollTo(self.figures.index(first, 0), QAbstractItemView.ScrollHint.PositionAtTop)
        self.report_ready.emit(report)

    def _on_failed(self, exc: Exception, task: Task) -> None:
        self._tasks.remove(task)
        self.make.setEnabled(True)
        self.progress.setVisible(False)
        self.status.setText(str(exc))

    def _figure_chosen(self, current: QModelIndex, _previous: QModelIndex) -> None:
        chosen = self.figures.data(current, FigureRole) if current.isValid() else None
        measure, figure, team = chosen if chosen else (None, None, True)
        # The monthly trend is the team's; a worker's row shows its records, not a team chart under its name.
        if figure is not None and not team:
            self.chart.show_words(f"{figure.label}: one worker's figure for the period (trends are the team's)")
        else:
            self.chart.show_figure(self.report, measure, figure)
        self.records.set_figure(figure)
        if figure is not None and measure is not None:
            words = [f"Records behind “{figure.label}”: {self.records.rowCount()}."]
            counted = counted_words(measure, figure)
            if counted:
                words.append(counted)
            differ = why_note_totals_differ(self.report.measures) if self.report is not None else None
            if differ and team and (measure.key, figure.key) in (PLAN_USE, REVIEW_COVERAGE):
                words.append(differ)
            self.records_label.setText(" ".join(words))

    # -- exports ------------------------------------------------------------------------------------

    def _choose_and_export(self, kind: str) -> None:
        name = f"governance-{self.report.period.first}-{self.report.period.last}.{kind}" if self.report else ""
        path, _ = QFileDialog.getSaveFileName(self, f"Export {kind.upper()}", name, f"{kind.upper()} (*.{kind})")
        if path:
            self.export(kind, Path(path))

    def export(self, kind: str, path: Path) -> None:
        """Write the report as CSV or PDF to ``path`` off the UI thread, showing progress."""
        report = self.report
        if report is None:
            return
        names = dict(self._names)
        progress = _Progress()
        progress.moved.connect(self._on_progress)
        self.progress.setRange(0, 0)
        self.progress.setVisible(True)
        self._exporting(True)
        self.status.setText(f"Writing {path.name}…")

        def work() -> str:
            if kind == "csv":
                path.write_text(to_csv(report), encoding="utf-8")
                progress.moved.emit(1, 1)
            else:
                write_pdf(report, path, names, lambda done, total: progress.moved.emit(done, total))
            return str(path)

        task = Task(work)
        task.outcome.succeeded.connect(lambda written, t=task, p=progress: self._on_exported(written, t, p))
        task.outcome.failed.connect(lambda exc, t=task, p=progress: self._on_export_failed(exc, t, p))
        self._start(task)

    def _on_progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, total)
        self.progress.setValue(done)

    def _exporting(self, busy: bool) -> None:
        """One export at a time: the buttons wait while a file is being written."""
        for button in (self.export_csv_button, self.export_pdf_button):
            button.setEnabled(not busy and self.report is not None)

    def _on_exported(self, written: str, task: Task, _progress: _Progress) -> None:
        self._tasks.remove(task)
        self._exporting(False)
        self.progress.setVisible(False)
        self.status.setText(f"Written to {written}. It holds record ids, not names: keep it where the team's "
                            "records are allowed to be.")  # fmt: skip
        self.export_finished.emit(written)

    def _on_export_failed(self, exc: Exception, task: Task, _progress: _Progress) -> None:
        self._tasks.remove(task)
        self._exporting(False)
        self.progress.setVisible(False)
        self.status.setText(export_failure_words(exc))
        self.export_finished.emit("")

    def _start(self, task: Task) -> None:
        self._tasks.append(task)
        self._pool.start(task)


def export_failure_words(exc: Exception) -> str:
    """What happened to an export, that nothing was lost, and what to do: never a bare exception name."""
    name = Path(exc.filename).name if isinstance(exc, OSError) and exc.filename else "the file"
    if isinstance(exc, FileNotFoundError):
        why = f"{name} could not be written: the folder it was to go in is not there (a USB stick taken out?)"
    elif isinstance(exc, PermissionError):
        why = f"{name} could not be written: this laptop does not allow writing in that folder"
    elif isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        why = f"{name} could not be written: the disk is full"
    elif isinstance(exc, OSError):
        why = f"{name} could not be written ({exc.strerror or 'the system refused'})"
    else:
        why = f"The export could not be made ({exc})"
    return f"{why}. Nothing in Waymark was changed or lost; choose another folder and export again."


def _today() -> QDate:
    return QDate.currentDate()


def _day(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())
