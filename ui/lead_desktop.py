"""The team lead's desktop: sync health at the top, the review queue, and agreed actions tracked to done.

Shown beside the persons list when the store's user is a team lead. Everything loads off the UI thread;
marking reviewed is keyboard-first (select a row, type a comment, Ctrl+Return). Lists show process state
and work due, never a score, level, colour or category about a person.
"""

from __future__ import annotations

import uuid
from datetime import date
from html import escape
from typing import TypeVar

from PySide6.QtCore import QDate, QItemSelection, QModelIndex, Qt, QThreadPool, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListView,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.actions import ActionState, ActionStatus, TrackedAction
from app.form_drafts import FormDraft, FormKind
from app.lead_records import RecordedDiscussion
from app.review_queue import ItemKind, QueueFilter, QueueItem, default_since, older_unreviewed, select_items
from app.workspace import Workspace
from ui.actions_model import ActionsModel, RecordedModel, recorded_html
from ui.case_audit_dialog import CaseAuditDialog
from ui.lead_dialogs import LearningReviewDialog, SupervisionDialog
from ui.operations import StoreOps
from ui.review_queue_model import ItemRole, QueueColumn, ReviewQueueModel
from ui.save_errors import explain_failed_save
from ui.tasks import Task
from ui.typed_dialog import TypedDialog

D = TypeVar("D", SupervisionDialog, LearningReviewDialog, CaseAuditDialog)


class LeadDesktop(QWidget):
    reviewed = Signal(object)  # the RecordReview row
    loaded = Signal()

    def __init__(
        self, workspace: Workspace, pool: QThreadPool, parent: QWidget | None = None, *, ops: StoreOps
    ) -> None:
        super().__init__(parent)
        self.workspace: Workspace | None = workspace
        self._pool = pool
        self.ops = ops
        self._tasks: list[Task] = []
        self._items: list[QueueItem] = []

        self.sync_health = QLabel()
        self.sync_health.setObjectName("sync_health")
        self.sync_health.setWordWrap(True)
        self.sync_health.setAccessibleName("Sync health of the team")
        self.sync_health.setTextFormat(Qt.TextFormat.RichText)

        # -- filters
        self.worker = QComboBox(accessibleName="Filter by worker")
        self.person = QComboBox(accessibleName="Filter by person")
        self.kind = QComboBox(accessibleName="Filter by kind")
        self.kind.addItem("Every kind", None)
        for kind in ItemKind:
            self.kind.addItem(kind.label, kind)
        self.since = QDateEdit(calendarPopup=True, accessibleName="From date")
        self.since.setDisplayFormat("dd MMM yyyy")
        self.use_since = QCheckBox("&Since")
        self.use_since.setToolTip("Show records from this date: by default, since you last reviewed")
        self.include_reviewed = QCheckBox("Show re&viewed")
        for widget in (self.worker, self.person, self.kind):
            widget.currentIndexChanged.connect(self._apply_filter)
            widget.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.since.dateChanged.connect(self._apply_filter)
        self.use_since.toggled.connect(self._apply_filter)
        self.include_reviewed.toggled.connect(self._apply_filter)
        filters = QHBoxLayout()
        for label, widget in (("&Worker", self.worker), ("&Person", self.person), ("&Kind", self.kind)):
            caption = QLabel(label)
            caption.setBuddy(widget)
            filters.addWidget(caption)
            filters.addWidget(widget)
        filters.addWidget(self.use_since)
        filters.addWidget(self.since)
        filters.addWidget(self.include_reviewed)
        filters.addStretch(1)

        # -- queue
        self.model = ReviewQueueModel(self)
        self.table = QTableView(accessibleName="Review queue")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.setTabKeyNavigation(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        # The state can be long (nobody reached, a step overdue, kept after review): a fixed width, the rest
        # in its tooltip and in full in the detail pane, so the summary stays on screen.
        self.table.horizontalHeader().setSectionResizeMode(QueueColumn.STATE, QHeaderView.ResizeMode.Interactive)
        self.table.setColumnWidth(QueueColumn.STATE, 300)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setWordWrap(False)
        self.table.selectionModel().selectionChanged.connect(self._on_selected)
        self.detail = QTextBrowser(accessibleName="The selected record")
        self.comment = QLineEdit(placeholderText="Comment for the worker (optional), then Ctrl+Return")
        self.comment.setAccessibleName("Review comment")
        self.mark = QPushButton("&Mark reviewed (Ctrl+Return)")
        self.mark.clicked.connect(self.mark_reviewed)
        self.mark.setEnabled(False)
        QShortcut(QKeySequence("Ctrl+Return"), self, activated=self.mark_reviewed,
                  context=Qt.ShortcutContext.WidgetWithChildrenShortcut)  # fmt: skip
        self.queue_count = QLabel()
        self.queue_count.setWordWrap(True)  # one long line would widen the window past a 1366 screen
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.detail)
        right_layout.addWidget(self.comment)
        right_layout.addWidget(self.mark)
        split = QSplitter()
        split.addWidget(self.table)
        split.addWidget(right)
        split.setSizes([960, 340])
        queue_page = QWidget()
        queue_layout = QVBoxLayout(queue_page)
        queue_layout.addLayout(filters)
        queue_layout.addWidget(self.queue_count)
        queue_layout.addWidget(split, 1)

        # -- actions
        self.actions_model = ActionsModel(self)
        self.actions_table = QTableView(accessibleName="Agreed actions")
        self.actions_table.setModel(self.actions_model)
        self.actions_table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.actions_table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.actions_table.verticalHeader().setVisible(False)
        self.actions_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.actions_table.horizontalHeader().setStretchLastSection(True)
        self.actions_summary = QLabel(accessibleName="Agreed actions: open, overdue, done")
        self.done_button = QPushButton("Mark &done…")
        self.done_button.clicked.connect(lambda: self.close_action(ActionStatus.DONE))
        self.cancel_button = QPushButton("&Cancel action…")
        self.cancel_button.clicked.connect(lambda: self.close_action(ActionStatus.CANCELLED))
        self.supervision_button = QPushButton("Record &supervision…")
        self.supervision_button.clicked.connect(self.record_supervision)
        self.learning_button = QPushButton("Record &learning review…")
        self.learning_button.clicked.connect(self.record_learning_review)
        self.audit_button = QPushButton("Case a&udit…")
        self.audit_button.clicked.connect(self.case_audit)
        buttons = QHBoxLayout()
        for button in (self.done_button, self.cancel_button, self.supervision_button, self.learning_button,
                       self.audit_button):  # fmt: skip
            buttons.addWidget(button)
        buttons.addStretch(1)
        # Every supervision and learning review recorded, newest first; the one selected (or the one that
        # agreed the selected action) is shown whole beside it, so what was saved can always be found again.
        self.recorded_model = RecordedModel(self)
        self.recorded_list = QListView(accessibleName="Recorded supervisions and learning reviews")
        self.recorded_list.setWordWrap(True)  # a long title reads whole, not cut at the pane's edge
        self.recorded_list.setModel(self.recorded_model)
        self.recorded_list.selectionModel().currentRowChanged.connect(self._on_recorded)
        self.recorded_detail = QTextBrowser(accessibleName="The selected supervision or learning review")
        recorded_label = QLabel("Recorded super&visions and learning reviews (newest first)")
        recorded_label.setBuddy(self.recorded_list)
        self.actions_table.selectionModel().currentRowChanged.connect(self._on_action_chosen)
        recorded = QSplitter()
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(recorded_label)
        left_layout.addWidget(self.recorded_list)
        recorded.addWidget(left)
        recorded.addWidget(self.recorded_detail)
        recorded.setSizes([500, 800])
        actions_split = QSplitter(Qt.Orientation.Vertical)
        actions_split.addWidget(self.actions_table)
        actions_split.addWidget(recorded)
        actions_page = QWidget()
        actions_layout = QVBoxLayout(actions_page)
        actions_layout.addWidget(self.actions_summary)
        actions_layout.addWidget(actions_split, 1)
        actions_layout.addLayout(buttons)

        self.tabs = QTabWidget()
        self.tabs.addTab(queue_page, "Review &queue")
        self.tabs.addTab(actions_page, "Supervision and learning &actions")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.sync_health)
        layout.addWidget(self.tabs, 1)
        self.dialogs: list[QWidget] = []

    # -- loading ------------------------------------------------------------------------------------
    def reload(self, workspace: Workspace | None = None) -> None:
        if workspace is not None:
            self.workspace = workspace
        ws = self.workspace
        if ws is None:
            return
        task = Task(
            lambda: (
                ws.review_queue.items(),
                ws.lead.actions(),
                ws.forms.for_team(),
                ws.lead.last_review_date(),
                ws.lead.recorded(),
            )
        )
        task.outcome.succeeded.connect(lambda result, t=task: self._on_loaded(result, t))
        task.outcome.failed.connect(self._on_failed)
        self._tasks.append(task)
        self._pool.start(task)

    def _on_loaded(
        self,
        result: tuple[list[QueueItem], list[TrackedAction], list[FormDraft], date | None, list[RecordedDiscussion]],
        task: Task,
    ) -> None:
        items, actions, kept_forms, last, recorded = result
        if task in self._tasks:
            self._tasks.remove(task)
        if self.workspace is None:
            return  # locked while it loaded: nothing decrypted goes on screen
        first_load = not self._items
        self._items = items
        self._fill_choices(items)
        if first_load:
            since = default_since(last, self.workspace.clock.now().date())
            self.since.setDate(QDate(since.year, since.month, since.day))
            self.use_since.setChecked(True)
        self._apply_filter()
        self.actions_model.set_actions(actions)
        self.recorded_model.set_records(recorded)
        self.recorded_detail.clear()
        totals = {s: sum(a.state is s for a in actions) for s in ActionState}
        self.actions_summary.setText(
            f"{totals[ActionState.OVERDUE]} overdue, {totals[ActionState.OPEN]} open, {totals[ActionState.DONE]} done, "
            f"{totals[ActionState.CANCELLED]} cancelled. Overdue actions are listed first."
        )
        self.show_sync_health()
        self.restore_forms(kept_forms)
        self.loaded.emit()

    def _on_failed(self, exc: Exception) -> None:
        self.queue_count.setText(str(exc))

    def _fill_choices(self, items: list[QueueItem]) -> None:
        for combo, everyone, values in (
            (self.worker, "Every worker", sorted({(i.author, i.author_id) for i in items})),
            (self.person, "Every person", sorted({(i.person, i.person_id) for i in items})),
        ):
            chosen = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(everyone, None)
            for name, key in values:
                combo.addItem(name, key)
            combo.setCurrentIndex(max(0, combo.findData(chosen)))
            combo.blockSignals(False)

    def current_filter(self) -> QueueFilter:
        kind = self.kind.currentData()
        since = self.since.date().toPython() if self.use_since.isChecked() else None
        return QueueFilter(
            worker_id=self.worker.currentData(),
            person_id=self.person.currentData(),
            kinds=frozenset({ItemKind(kind)}) if kind is not None else frozenset(ItemKind),
            date_from=since,  # type: ignore[arg-type]
            include_reviewed=self.include_reviewed.isChecked(),
        )

    def _apply_filter(self) -> None:
        chosen = self.current_filter()
        shown = select_items(self._items, chosen)
        self.model.set_items(shown)
        waiting = sum(not i.reviewed for i in shown)
        kept = sum(i.stays_after_review for i in shown)
        older = older_unreviewed(self._items, chosen)
        self.queue_count.setText(
            f"{len(shown)} shown, {waiting} not yet reviewed. Nobody reached first, then welfare checks, handover "
            "and missed contacts, then the rest, newest first."
            + (f" {kept} reviewed but still open with nobody who can act reached: kept at the top." if kept else "")
            + (
                f" {older} older not yet reviewed are before the Since date: untick Since (Alt+S) to see them."
                if older
                else ""
            )
        )
        self.detail.clear()
        self.mark.setEnabled(False)

    def _on_selected(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        item = self.selected_item()
        self.mark.setEnabled(item is not None)
        if item is None:
            self.detail.clear()
            return
        reviews = "".join(
            f"<p><b>Reviewed by {r.reviewer}</b> {r.at.astimezone():%d %b %H:%M}: {r.comment or '(no comment)'}</p>"
            for r in item.reviews
        )
        body = escape(item.detail).replace("\n", "<br>")
        # Every amendment, under the original and never merged into it: who, when, what and why.
        amendments = "".join(
            f"<p class='amendment'><b>{escape(a.kind.label)}</b> by {escape(a.author)}, "
            f"{a.at.astimezone():%a %d %b %H:%M}{': ' + escape(a.text) if a.text.strip() else ''}"
            f"<br><i>Reason: {escape(a.reason)}</i></p>"
            for a in item.amendments
        )
        warning = (
            "<p><b>Entered in error: this contact note is not a valid record. The worker marked it so; "
            "the original is kept below as written.</b></p>"
            if item.entered_in_error
            else "<p><b>Amended after your review: read the amendment below.</b></p>"
            if item.amended_since_review
            else ""
        )
        # What needs someone now comes first, in words: open with nobody who can act reached, each step
        # past its time and by how long, and why a reviewed item is still here.
        attention = "".join(f"<p><b>{escape(line)}</b></p>" for line in item.attention())
        state = "" if attention else f"<p><b>{escape(item.state)}</b></p>"
        self.detail.setHtml(
            f"<h3>{escape(item.kind.label)}: {escape(item.person)}</h3>{warning}{attention}<p>{escape(item.author)}, "
            f"{item.at.astimezone():%A %d %B %H:%M}</p>{state}"
            f"<p>{escape(item.summary)}</p><p>{body}</p>{amendments}{reviews}"
        )

    def selected_item(self) -> QueueItem | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.data(rows[0], ItemRole) if rows else None

    # -- reviewing ----------------------------------------------------------------------------------
    def mark_reviewed(self) -> None:
        item = self.selected_item()
        if item is None or self.workspace is None:
            return
        lead, record_id, comment = self.workspace.lead, item.record_id, self.comment.text()
        self.ops.run(
            lambda: lead.review(record_id, comment),
            persons=[item.person_id],
            succeeded=self._on_reviewed,
            failed=lambda exc: explain_failed_save(self, "The review", exc),  # the comment stays as typed
        )

    def _on_reviewed(self, review: object) -> None:
        self.comment.clear()
        self.reviewed.emit(review)
        self.reload()

    # -- actions ------------------------------------------------------------------------------------
    def _on_recorded(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid():
            self.recorded_detail.clear()
            return
        self.recorded_detail.setHtml(recorded_html(self.recorded_model.record(current.row())))

    def _on_action_chosen(self, current: QModelIndex, _previous: QModelIndex) -> None:
        """The record that agreed the selected action: who, which persons, the rationale, every action."""
        if not current.isValid():
            return
        row = self.recorded_model.row_of_source(self.actions_model.action(current.row()).source_id)
        if row >= 0:
            self.recorded_list.setCurrentIndex(self.recorded_model.index(row, 0))

    def close_action(self, status: ActionStatus) -> None:
        rows = self.actions_table.selectionModel().selectedRows()
        if not rows or self.workspace is None:
            return
        action = self.actions_model.action(rows[0].row())
        if action.is_closed:
            return
        label = "What was done" if status is ActionStatus.DONE else "Why it is cancelled (required)"
        note, ok = QInputDialog.getText(self, "Close the action", f"{action.action.action}\n\n{label}:")
        if not ok:
            return
        lead = self.workspace.lead
        self.ops.run(
            lambda: lead.update_action(action.source_id, action.action.action_id, status, note),
            succeeded=lambda _update: self.reload(),
            failed=lambda exc: explain_failed_save(self, "The action update", exc),
        )

    def record_supervision(self, form_id: uuid.UUID | None = None) -> SupervisionDialog | None:
        ws = self.workspace
        return self._open(SupervisionDialog(ws, self, ops=self.ops, form_id=form_id)) if ws is not None else None

    def record_learning_review(self, form_id: uuid.UUID | None = None) -> LearningReviewDialog | None:
        ws = self.workspace
        return self._open(LearningReviewDialog(ws, self, ops=self.ops, form_id=form_id)) if ws is not None else None

    def case_audit(self, form_id: uuid.UUID | None = None) -> CaseAuditDialog | None:
        ws = self.workspace
        return self._open(CaseAuditDialog(ws, self, ops=self.ops, form_id=form_id)) if ws is not None else None

    def restore_forms(self, kept: list[FormDraft]) -> list[TypedDialog]:
        """Reopen every form of the team kept unsaved (at a lock, a quit or before a crash), as typed; each
        says at its top that it was restored and is not saved yet."""
        opening = {FormKind.SUPERVISION: self.record_supervision, FormKind.LEARNING_REVIEW: self.record_learning_review,
                   FormKind.CASE_AUDIT: self.case_audit}  # fmt: skip
        open_keys = {(d.form_kind, d.draft_key) for d in self.dialogs if isinstance(d, TypedDialog)}
        opened: list[TypedDialog] = []
        for draft in kept:
            if draft.kind not in opening or (draft.kind, (None, draft.subject_id)) in open_keys:
                continue
            dialog = opening[draft.kind](draft.subject_id)
            if dialog is not None:
                opened.append(dialog)
        return opened

    def _open(self, dialog: D) -> D:
        self.dialogs.append(dialog)
        dialog.accepted.connect(self.reload)
        dialog.finished.connect(lambda _r: self.dialogs.remove(dialog) if dialog in self.dialogs else None)
        dialog.show()
        return dialog

    # -- sync health --------------------------------------------------------------------------------
    def show_sync_health(self) -> None:
        ws = self.workspace
        if ws is None:
            self.sync_health.clear()
            return
        self.sync_health.setText(ws.team_health_text())

    def forget(self) -> int:
        """The lock (or quit): every decrypted value leaves the screen and the models. An open form's typed
        text is kept in the store as a form draft (queued ahead of the store's closing) and the form closes
        without a question: a lock never waits on one, and the form comes back, saying so, after unlocking.
        Returns how many forms were kept."""
        kept = 0
        for dialog in list(self.dialogs):
            if isinstance(dialog, TypedDialog):
                kept += dialog.close_at_lock()
            else:
                dialog.close()
        self.dialogs = []
        self._items = []
        self.model.forget()
        self.actions_model.forget()
        self.recorded_model.forget()
        self.recorded_detail.clear()
        self.detail.clear()
        self.comment.clear()
        self.sync_health.clear()
        for combo in (self.worker, self.person):
            combo.clear()
        self.workspace = None
        return kept
