"""The main window: caseload on the left, the selected person on the right, crisis contacts in a dock.

Locks itself when left alone (DESIGN §4): after 5 minutes the screen shows nothing personal; after 15
minutes, or on Ctrl+L, the store is closed and every decrypted view and model is cleared. Locked or not,
the crisis numbers stay on screen.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import uuid
from collections.abc import Callable
from datetime import datetime
from html import escape
from pathlib import Path

from PySide6.QtCore import QByteArray, QEvent, QModelIndex, QObject, QSettings, QSize, Qt, QThreadPool, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QDockWidget,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.caseload import CaseloadRow
from app.changes import ANY_RECORD, Changed, OpChanges, changed_by_tables
from app.config_files import errors
from app.cover import cover_banner
from app.errors import NotFound
from app.escalations import EscalationKind
from app.hours import LONDON
from app.nhs_number import formatted as formatted_nhs
from app.org_config import OrgConfig
from app.unlock_wait import seconds_to_wait
from app.unreached import Unreached, lock_notice, main_notice, quit_notice, reaching_nobody, short_name
from app.workspace import Workspace
from sync.client import SyncFailure
from sync.engine import (
    AlreadyHeld,
    Backoff,
    SyncEngine,
    SyncReport,
    Wiped,
    renew_enrolment,
    request_break_glass_by_nhs_number,
)
from sync.status import read_status, status_line
from ui.break_glass_dialog import BreakGlassDialog
from ui.caseload_model import CaseloadFilter, CaseloadTableModel, Column, PersonIdRole
from ui.contacts_pane import ContactsPane
from ui.escalation_window import EscalationWindow
from ui.governance_dashboard import GovernanceDashboard
from ui.idle import FULL_LOCK_MS, UI_LOCK_MS, IdleWatcher
from ui.lead_desktop import LeadDesktop
from ui.lock_screen import LockScreen, lock_screen_html, numbers_to_phone
from ui.operations import StoreOps
from ui.pending_dialog import PendingDialog
from ui.person_panel import PersonPanel
from ui.renew_dialog import TITLE as RENEW_TITLE
from ui.renew_dialog import RenewDialog
from ui.status_bar import ElidedLabel, StatusBar
from ui.tasks import Task
from ui.wheel_guard import install_wheel_guard
from ui.window_fit import fit_to_screen, restore_place, save_place

log = logging.getLogger(__name__)

# Wanted on a desktop monitor; a smaller screen gets a window that fits it.
PREFERRED_SIZE = QSize(1280, 800)
# While the server answers, sync every few minutes; failures back off from there (sync.engine.Backoff).
SYNC_EVERY_MS = 5 * 60_000
# Store closes queued behind saves (see MainWindow._close_after_queue).
_CLOSING: set[Task] = set()
# A sync's network waits run here, never on the store's write queue (see sync_pool).
_SYNC_POOL: QThreadPool | None = None
# What a change must touch for the caseload's rows (last contact, work due, counts) to be recomputed.
# Said until the server answers, and again once a sync fails; never beside "Syncing…" (a first sync showed both).
OFFLINE = "Offline: working from the copy on this laptop"
CASELOAD_AFFECTED = Changed.CASELOAD | Changed.NOTES | Changed.ESCALATIONS | Changed.PERSON | Changed.PLANNED


class WorkerKeysFirst(QObject):
    """Keeps a text field from claiming a key the main window uses for a worker's action."""

    def __init__(self, keys: set[QKeySequence], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._keys = keys

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent):
            pressed = QKeySequence(event.keyCombination())
            if pressed in self._keys:
                event.ignore()  # not the field's: the shortcut fires
                return True
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            # An Alt+letter no visible control offers (a banner's button while it is hidden) reached the field
            # and typed the letter: Alt+O put an "o" in the search box. Alt is never typing there.
            mods = event.modifiers()
            if mods & Qt.KeyboardModifier.AltModifier and not mods & Qt.KeyboardModifier.ControlModifier:
                return bool(event.text().strip())
        return False


class MainWindow(QMainWindow):
    caseload_loaded = Signal()
    locked = Signal(str)  # "ui" or "full"
    store_closed = Signal()  # the store is closed: every save queued before the lock or quit has landed
    withdrawn = Signal(str)  # the store was wiped on the organisation's command: why, for the enrolment screen

    def __init__(
        self,
        workspace: Workspace,
        pool: QThreadPool,
        *,
        reopen: Callable[[str], Workspace] | None = None,
        settings_path: Path | None = None,
        idle_ms: tuple[int, int] = (UI_LOCK_MS, FULL_LOCK_MS),
        sync_engine: Callable[[Workspace], SyncEngine] = SyncEngine,
    ) -> None:
        super().__init__()
        assert workspace.config is not None
        self.workspace: Workspace | None = workspace
        self._config: OrgConfig = workspace.config  # not personal data: kept while locked
        self._clock = workspace.clock
        self._area, self._nation = workspace.home_team()
        self._data_dir = workspace.store.data_dir
        self._pool = pool
        self._reopen = reopen or (lambda p: Workspace.open(self._data_dir, p, clock=self._clock, config=self._config))
        self._tasks: list[Task] = []
        # Every save, and sync, on the store's one write queue; its change hook keeps the views current.
        self.ops = StoreOps(pool, self)
        self.ops.did_execute.connect(self._on_changes)
        self._quit_confirmed = False
        self.quit_question: QMessageBox | None = None
        self.pending_dialog: PendingDialog | None = None
        self._lock_state: str | None = None
        self._lock_alert: str | None = None  # open escalations that reached nobody, as the lock screen says it
        self._person_at_lock: uuid.UUID | None = None
        # The (person, escalation) ids of escalation windows open at the full lock: said after unlocking.
        self._escalations_at_lock: list[tuple[uuid.UUID, uuid.UUID]] = []
        self._hidden_dialogs: list[QWidget] = []
        self._settings = (
            QSettings(str(settings_path), QSettings.Format.IniFormat) if settings_path is not None else None
        )
        self.setWindowTitle("Waymark")
        fit_to_screen(self, PREFERRED_SIZE)

        self.model = CaseloadTableModel(self)
        self.proxy = CaseloadFilter(self)
        self.proxy.setSourceModel(self.model)
        self.search_box = QLineEdit(placeholderText="Find a person: part of a name or NHS number (Ctrl+K)")
        self.search_box.setAccessibleName("Find a person")
        self.search_box.setClearButtonEnabled(True)
        self.search_box.textChanged.connect(self.proxy.set_query)
        self.search_box.returnPressed.connect(self._open_first_match)
        self.work_due = QLabel()
        self.work_due.setObjectName("work_due")
        self.work_due.setWordWrap(True)
        self.work_due.setAccessibleName("Work due")
        self.work_due_only = QCheckBox("Show only people with work &due (F6)")
        self.work_due_only.toggled.connect(self._show_work_due_only)
        self.table = QTableView()
        self.table.setAccessibleName("Caseload")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(Column.NAME, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        # Size columns from the first rows only: measuring all 10,000 took two seconds.
        self.table.horizontalHeader().setResizeContentsPrecision(100)
        self.table.horizontalHeader().setStretchLastSection(True)
        # Moving through the list never opens a record (each opening is audited as a view): Enter or a
        # double-click opens the person; Tab leaves the table instead of walking its cells.
        self.table.activated.connect(self._open_index)
        self.table.setTabKeyNavigation(False)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(6, 6, 6, 6)
        # Out-of-hours cover, in words: whose persons are here for the shift and until when.
        self.cover_label = QLabel()
        self.cover_label.setObjectName("cover_banner")
        self.cover_label.setWordWrap(True)
        self.cover_label.setAccessibleName("Out-of-hours cover")
        self.cover_label.setStyleSheet("font-weight: bold")
        self.cover_label.setVisible(False)
        left_layout.addWidget(self.cover_label)
        # The offline lease, in words: days before it lapses, and plainly once it has.
        self.lease_label = QLabel()
        self.lease_label.setObjectName("lease_banner")
        self.lease_label.setWordWrap(True)
        self.lease_label.setAccessibleName("Offline access")
        self.lease_label.setVisible(False)
        left_layout.addWidget(self.lease_label)
        left_layout.addWidget(self.search_box)
        # Duty staff only: a record outside tonight's cover, opened with a reason the team lead reads.
        self.break_glass_button = QPushButton("Open someone outside my cover… (Ctrl+Shift+O)")
        self.break_glass_button.setToolTip(
            "For a call about someone not on this laptop: their NHS number and your reason; your team lead sees it"
        )
        self.break_glass_button.clicked.connect(self.open_break_glass)
        self.break_glass_button.setVisible(False)
        left_layout.addWidget(self.break_glass_button)
        self.break_glass_dialog: BreakGlassDialog | None = None
        self._break_glass_person: uuid.UUID | None = None
        self._break_glass_retried = False
        self._held_number: str | None = None  # an NHS number the server said is already held, until it is here
        self._held_retried = False
        self.opened_check: QMessageBox | None = None  # "Check this is the person", after a break-glass opening
        left_layout.addWidget(self.work_due)
        left_layout.addWidget(self.work_due_only)
        # What the list is not showing, in words: a search the work-due filter empties, and the open person
        # when the list hides them or highlights someone else (Ctrl+N acts on the open person, not the list).
        self.list_note = QLabel()
        self.list_note.setObjectName("list_note")
        self.list_note.setWordWrap(True)
        self.list_note.setAccessibleName("What the list is not showing")
        self.list_note.setVisible(False)
        left_layout.addWidget(self.list_note)
        left_layout.addWidget(self.table)
        self._reveal_when_listed: uuid.UUID | None = None  # opened before their row reached the list
        self.person_panel = PersonPanel(self.ops)
        self.person_panel.lock_requested.connect(self.lock_full)
        self.plan_view = self.person_panel.plan_view
        # Said again once whatever changed the list (typing, F6, a sync's rows) has settled.
        self._list_note_timer = QTimer(self, singleShot=True, interval=0)
        self._list_note_timer.timeout.connect(self._show_list_note)
        for signal in (
            self.proxy.rowsInserted,
            self.proxy.rowsRemoved,
            self.proxy.modelReset,
            self.proxy.layoutChanged,
            self.table.selectionModel().currentChanged,
        ):
            signal.connect(self._list_note_timer.start)
        self.splitter = QSplitter()
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.person_panel)
        # The caseload keeps every column in view on a 1366-wide laptop; the person gets the rest.
        self.splitter.setSizes([660, 700])

        self.lock_screen = LockScreen(pool, seconds_to_wait=lambda: seconds_to_wait(self._data_dir))
        self.lock_screen.unlocked.connect(self._on_unlocked)
        # A team lead's laptop opens on the lead's desktop (review queue, actions, sync health); the persons
        # list is the second tab. The role is the server's word at enrolment (the staff list for a demo).
        self.main_page: QWidget = self.splitter
        self.lead_desktop: LeadDesktop | None = None
        self.governance: GovernanceDashboard | None = None
        if workspace.role() == "team_lead":
            self.lead_desktop = LeadDesktop(workspace, pool, ops=self.ops)
            # The governance measures, their trends and drill-down, and the CSV/PDF exports (Alt+G).
            self.governance = GovernanceDashboard(workspace.governance, pool)
            self.lead_tabs = QTabWidget()
            # Alt+1, said on the tab: every letter of "Team review" is taken on one page or another, and Alt+T is
            # the person's Notes tab on the Persons page (both answered it, so neither opened).
            self.lead_tabs.addTab(self.lead_desktop, "Team review (Alt+&1)")
            self.lead_tabs.addTab(self.governance, "&Governance")
            self.lead_tabs.addTab(self.splitter, "Pe&rsons")
            self.main_page = self.lead_tabs
        self.stack = QStackedWidget()
        self.stack.addWidget(self.main_page)
        self.stack.addWidget(self.lock_screen)
        # An open escalation or welfare check that reached nobody is said first, above everything, for as long
        # as it lasts: a count in a caseload cell sat unread all night on a duty worker's screen. It names
        # people, so it is hidden (and emptied at the full lock) whenever the lock screen shows.
        self.unreached_bar = QFrame()
        self.unreached_bar.setObjectName("unreached_bar")
        self.unreached_bar.setFrameShape(QFrame.Shape.Box)
        self.unreached_bar.setLineWidth(2)
        self.unreached_label = QLabel()
        self.unreached_label.setObjectName("unreached_main")
        self.unreached_label.setWordWrap(True)
        self.unreached_label.setAccessibleName("Escalations that have reached nobody")
        self.unreached_label.setStyleSheet("font-weight: bold")
        self.unreached_button = QPushButton()
        self.unreached_button.setObjectName("open_unreached")
        self.unreached_button.clicked.connect(self.open_first_unreached)
        bar_layout = QHBoxLayout(self.unreached_bar)
        bar_layout.setContentsMargins(8, 6, 8, 6)
        bar_layout.addWidget(self.unreached_label, 1)
        bar_layout.addWidget(self.unreached_button)
        self.unreached_bar.setVisible(False)
        self.unreached: list[Unreached] = []
        self._unreached_asked = 0  # the latest reading asked for: an older one landing late is not shown
        central = QWidget()
        central_layout = QVBoxLayout(central)
        central_layout.setContentsMargins(0, 0, 0, 0)
        central_layout.setSpacing(0)
        central_layout.addWidget(self.unreached_bar)
        central_layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        self.contacts = ContactsPane(self._config.directory, self._clock)
        self.contacts_dock = QDockWidget("Crisis contacts", self)
        self.contacts_dock.setObjectName("contacts_dock")
        self.contacts_dock.setWidget(self.contacts)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.contacts_dock)
        self.contacts_dock.hide()

        # Every text in the status bar elides rather than overlap at 1366 px (ui/status_bar.py).
        self.setStatusBar(StatusBar())
        self.period_label = ElidedLabel()
        self.period_label.setObjectName("period_now")
        self.period_label.setAccessibleName("In hours or out of hours now")
        self.statusBar().addPermanentWidget(self.period_label)
        self._period_timer = QTimer(self, interval=60_000)
        self._period_timer.timeout.connect(self._show_period)
        self._period_timer.timeout.connect(self._show_cover)
        # "Since 16:45 today" and the number open to phone both change with the clock, not only with records.
        self._period_timer.timeout.connect(self._refresh_unreached)
        self._period_timer.timeout.connect(self.person_panel.follow_the_clock)
        self._period_timer.timeout.connect(self._lock_screen_follows_the_clock)
        self._period_timer.start()
        self._show_period()
        self.config_label = ElidedLabel()
        self.config_label.setAccessibleName("Organisation file problems")
        self.statusBar().addPermanentWidget(self.config_label)
        self._show_config_problems()
        # Elided in the middle: the count of unsent records at its end stays in view.
        self.sync_label = ElidedLabel(mode=Qt.TextElideMode.ElideMiddle)
        self.sync_label.setObjectName("sync_status")
        self.sync_label.setAccessibleName("Sync: unsent records, last sync and any failure")
        self.statusBar().addPermanentWidget(self.sync_label)
        self.pending_button = QPushButton("Show what is unsent (Ctrl+U)")
        self.pending_button.setObjectName("show_unsent")
        self.pending_button.setFlat(True)
        self.pending_button.setAccessibleName("Show the records on this laptop only, by person")
        self.pending_button.clicked.connect(self.show_pending)
        self.pending_button.setVisible(False)
        self.statusBar().addPermanentWidget(self.pending_button)
        # Shown when the server refused this laptop's lapsed sign-in (token_expired): a new code renews it.
        self.renew_button = QPushButton(f"{RENEW_TITLE}…")
        self.renew_button.setObjectName("renew_enrolment")
        self.renew_button.setFlat(True)
        self.renew_button.setAccessibleName("Renew this laptop's enrolment with a new code; nothing stored changes")
        self.renew_button.clicked.connect(self.renew_enrolment)
        self.renew_button.setVisible(False)
        self.statusBar().addPermanentWidget(self.renew_button)
        self.renew_dialog: RenewDialog | None = None
        # Sync runs on a thread of its own; only its units of local work (a push batch's acknowledgement, one
        # pulled page with its cursor, one snapshot) take the store's write queue, so a save made meanwhile
        # waits for one of those, never for the whole sync (ui/operations.py, StoreOps.sync_units).
        self._sync_engine = sync_engine
        self._syncing = False
        # Set when this workspace's store closes (lock, quit): a sync or renewal under way stops before its
        # next unit of local work; a new one for the reopened store after unlocking.
        self._store_closing = threading.Event()
        self._lease_lapsed = False
        self._sync_backoff = Backoff()
        self._sync_timer = QTimer(self, singleShot=True)
        self._sync_timer.timeout.connect(self.sync_now)
        self.statusBar().showMessage(OFFLINE)
        self._add_actions()

        self.idle = IdleWatcher(self, *idle_ms)
        self.idle.ui_lock.connect(self.lock_ui)
        self.idle.full_lock.connect(self.lock_full)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self.idle)
            install_wheel_guard(app)  # already there when started by ui.main; a window made on its own needs it
        # Outside a dialog a push button ignores Return unless it is auto-default; the worker's keyboard
        # expects Return to press the focused button.
        for button in self.findChildren(QPushButton):
            button.setAutoDefault(True)
        self._restore_geometry()
        self.reload()
        self.search_box.setFocus()
        self._sync_timer.start(0)  # a first background sync as soon as the window is up (if enrolled)

    def _add_actions(self) -> None:
        def action(text: str, keys: str, slot: Callable[[], object]) -> QAction:
            act = QAction(text, self, shortcut=QKeySequence(keys))
            # From anywhere in the main window and its non-modal windows (a modal dialog still shadows it).
            act.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
            act.triggered.connect(slot)
            self.addAction(act)
            self.worker_keys.add(QKeySequence(keys))
            return act

        self.worker_keys: set[QKeySequence] = set()

        action("Find a person", "Ctrl+K", self._focus_search)
        action("Record a contact note", "Ctrl+N", lambda: self.person_panel.record_note())
        action("Record a safety review", "Ctrl+R", lambda: self.person_panel.record_review())
        action("Escalate", "Ctrl+E", self.person_panel.escalate)
        action("Edit the safety plan", "Ctrl+P", self.person_panel.edit_plan)
        action("Plan a contact", "Ctrl+T", self.person_panel.plan_contact)
        action("Lock now", "Ctrl+L", self.lock_full)
        action("Crisis contacts", "Ctrl+D", self._toggle_contacts)
        action("Show only people with work due", "F6", self.work_due_only.toggle)
        action("Sync now and refresh the caseload", "F5", self._sync_and_reload)
        action("Show what is unsent", "Ctrl+U", self.show_pending)
        action("Open someone outside my cover", "Ctrl+Shift+O", self.open_break_glass)
        action("Quit", "Ctrl+Q", self.request_quit)
        # Text fields claim some of these keys for editing (Ctrl+E is "end of line" on X11): the worker's
        # actions win, in every text field of the main window.
        self._keys_filter = WorkerKeysFirst(self.worker_keys, self)
        for edit in self.findChildren(QLineEdit):
            edit.installEventFilter(self._keys_filter)

    # -- caseload -----------------------------------------------------------------------------------

    def reload(self) -> None:
        """Refresh the caseload off the UI thread, and the status bar."""
        ws = self.workspace
        if ws is None:
            return
        task = Task(ws.caseload.rows)
        task.outcome.succeeded.connect(lambda rows, t=task: self._on_rows(rows, t))
        task.outcome.failed.connect(lambda exc, t=task: self._on_rows_failed(exc, t))
        self._tasks.append(task)
        self._pool.start(task)
        self._show_sync_status()
        self._refresh_unreached()
        if self.lead_desktop is not None:
            self.lead_desktop.reload(ws)
        if self.governance is not None:
            self.governance.set_service(ws.governance)

    # -- sync ---------------------------------------------------------------------------------------

    def _on_changes(self, changes: OpChanges) -> None:
        """The change hook, for the caseload and the status bar (the person view has its own)."""
        ws = self.workspace
        if ws is None:
            return
        if self._lock_state == "ui" and changes.changed & ANY_RECORD:
            # A sync still runs behind the screen lock: an escalation it brought that reached nobody, or the
            # news that someone was reached, must show on the lock screen now, not at the next lock.
            self._refresh_lock_notice(ws)
        if changes.changed & ANY_RECORD:
            # Whoever the change is about: an escalation saved here, a call that reached someone, or a welfare
            # check raised by a miss recorded on another laptop all change what the top of the window says.
            self._refresh_unreached()
        if changes.changed & Changed.OUTBOX:
            self._show_sync_status()
        if not changes.changed & CASELOAD_AFFECTED:
            return
        if not changes.persons:
            self.reload()
            return
        persons = changes.persons
        task = Task(lambda: ws.caseload.rows(persons))
        task.outcome.succeeded.connect(lambda rows, t=task: self._on_some_rows(persons, rows, t))
        task.outcome.failed.connect(lambda exc, t=task: self._on_rows_failed(exc, t))
        self._tasks.append(task)
        self._pool.start(task)

    def _on_some_rows(self, persons: frozenset[uuid.UUID], rows: list[CaseloadRow], task: Task) -> None:
        self._tasks.remove(task)
        if self.workspace is None:
            return  # locked while loading: never show what was loaded
        self.model.update_rows(persons, rows)
        if self._reveal_when_listed in persons:
            self._select_open_person(reveal=True)
        self._show_work_due(self.model.rows())

    def _show_cover(self) -> None:
        """The cover banner; at the shift's end it goes, and the covered persons leave the caseload."""
        ws = self.workspace
        text = cover_banner(ws.cover_now(), self._clock.now()) if ws is not None and not self.is_locked else ""
        if not text and self.cover_label.isVisible() and ws is not None:
            self.reload()  # the shift just ended: its persons leave the list now, not at the next refresh
        self.cover_label.setText(text)
        self.cover_label.setVisible(bool(text))
        lease = ws.lease() if ws is not None and not self.is_locked else None
        if lease is not None and lease.lapsed != self._lease_lapsed:
            self._lease_lapsed = lease.lapsed
            self.person_panel.refresh()  # what an open person shows changes with the lease
        notice = lease.message(self._clock.now()) if lease is not None else ""
        self.lease_label.setText(notice)
        self.lease_label.setVisible(bool(notice))

    def _show_sync_status(self) -> None:
        if self.workspace is not None:
            status = read_status(self.workspace)
            self.break_glass_button.setVisible(status.enrolled and self.workspace.role() == "duty")
            line = status_line(status, self._clock.now(), syncing=self._syncing)
            if self._syncing and self.statusBar().currentMessage() == OFFLINE:
                self.statusBar().clearMessage()  # not known to be offline while the server is being asked
            self.sync_label.setText(line)  # shortened in the middle when the bar is narrow; whole on hover
            if status.last_failure:  # and the server's own words for a failure, whole
                self.sync_label.setToolTip(f"{line}\n\n{status.last_failure}")
            self.pending_button.setVisible(status.unsent > 0)
            self.renew_button.setVisible(status.sign_in_lapsed and not self._syncing)
            if self.pending_dialog is not None and self.pending_dialog.isVisible():
                self.pending_dialog.show_pending(self.workspace.pending_by_person(), enrolled=status.enrolled)

    def show_pending(self) -> None:
        """What is on this laptop only, by person, unsent escalations first."""
        ws = self.workspace
        if ws is None:
            return
        if self.pending_dialog is None:
            self.pending_dialog = PendingDialog(self)
            self.pending_dialog.open_person.connect(self._open_from_pending)
        self.pending_dialog.show_pending(ws.pending_by_person(), enrolled=read_status(ws).enrolled)
        self.pending_dialog.show()
        self.pending_dialog.raise_()
        self.pending_dialog.activateWindow()
        self.pending_dialog.view.setFocus()

    def _open_from_pending(self, person_id: uuid.UUID) -> None:
        if self.pending_dialog is not None:
            self.pending_dialog.hide()
        self.open_person(person_id)

    def _sync_and_reload(self) -> None:
        self.reload()
        self.sync_now()

    def sync_now(self) -> None:
        """One sync off the UI thread, if this laptop is enrolled and not already syncing."""
        ws = self.workspace
        if ws is None or self._syncing or not read_status(ws).enrolled:
            return
        self._sync_timer.stop()
        self._syncing = True
        self._show_sync_status()
        engine = self._sync_engine(ws)
        engine.local = self.ops.sync_units(self._store_closing)
        task = Task(engine.sync)
        task.outcome.succeeded.connect(lambda report, t=task: self._on_synced(t, None, report))
        task.outcome.failed.connect(lambda exc, t=task: self._on_synced(t, exc))
        self._tasks.append(task)
        sync_pool().start(task)

    def renew_enrolment(self) -> None:
        """Ask for a new code and renew this same device's enrolment; nothing stored is touched, and what
        waits in the outbox goes at the sync that follows."""
        ws = self.workspace
        if ws is None:
            return
        if self.renew_dialog is not None and self.renew_dialog.isVisible():
            self.renew_dialog.raise_()
            self.renew_dialog.activateWindow()
            return
        server = self._sync_engine(ws).state().server
        local = self.ops.sync_units(self._store_closing)  # its two short store units take the write queue
        device = socket.gethostname()[:200] or "laptop"
        dialog = RenewDialog(
            lambda code: renew_enrolment(ws, code, device, local=local),
            sync_pool(),
            server=server,
            unsent=ws.outbox_pending(),
            parent=self,
        )
        dialog.renewed.connect(self._on_renewed)
        self.renew_dialog = dialog
        dialog.open()

    def open_break_glass(self) -> None:
        """Duty staff: open a person outside their cover by NHS number, with a reason the team lead reads. The
        server's grant is asked for off the UI thread; the sync that follows brings the person, who then
        opens here."""
        ws = self.workspace
        if ws is None or self.is_locked:
            return
        if ws.role() != "duty" or not read_status(ws).enrolled:
            self.statusBar().showMessage(
                "Only duty staff, on a laptop enrolled with the sync server, can open someone outside their cover. "
                "Nothing was opened."
            )
            return
        if self.break_glass_dialog is not None and self.break_glass_dialog.isVisible():
            self.break_glass_dialog.raise_()
            self.break_glass_dialog.activateWindow()
            return

        def opener(number: str, reason: str) -> tuple[uuid.UUID, str]:
            # Made for each asking: one made when the dialog opened would be bound to a lock since passed.
            engine = self._sync_engine(ws)
            engine.local = self.ops.sync_units(self._store_closing)
            grant = request_break_glass_by_nhs_number(engine, number, reason)
            if isinstance(grant, AlreadyHeld):
                return grant
            return grant.person_id, f"{datetime.fromisoformat(grant.ends_at).astimezone(LONDON):%H:%M}"

        dialog = BreakGlassDialog(
            opener,
            sync_pool(),
            parent=self,
            numbers=lambda: numbers_to_phone(self._config, self._clock, self._nation, self._area),
        )
        dialog.opened.connect(self._on_break_glass)
        dialog.already_held.connect(self._on_already_held)
        self.break_glass_dialog = dialog
        dialog.open()

    def _confirm_who_was_opened(self, ws: Workspace, person_id: uuid.UUID, by_break_glass: bool = True) -> None:
        """A mistyped NHS number can still pass its check digit and open someone else: say whose record this
        is, in full, before anything is done with it."""
        person = ws.caseload.person(person_id)
        born = f", born {person.date_of_birth:%d %b %Y}" if person.date_of_birth else ""
        nhs = f", NHS number {formatted_nhs(person.nhs_number)}" if person.nhs_number else ""
        if by_break_glass:
            opened = f"You opened the record of {person.given_name} {person.family_name}{born}{nhs}."
            otherwise = "If it is not, tell your team lead: the opening is already recorded."
        else:
            opened = (
                f"{person.given_name} {person.family_name}{born}{nhs} is already on your caseload or cover, so "
                "their record is opened here: nothing was opened by break-glass."
            )
            otherwise = "If it is not, check the NHS number with the caller and try again."
        box = QMessageBox(
            QMessageBox.Icon.Information,
            "Check this is the person",
            f"{opened}\n\nCheck this is the person the caller means before you act on it. {otherwise}",
            QMessageBox.StandardButton.Ok,
            self,
        )
        box.open()  # window-modal, not a nested event loop: a sync or a lock carries on meanwhile
        self.opened_check = box

    def _forget_break_glass(self) -> None:
        """At any lock: an NHS number and a reason must not stay on screen, nor can anyone at the laptop ask
        for a grant in the duty worker's name. A grant already asked for still brings the person, who opens
        after unlocking."""
        if self.break_glass_dialog is not None:
            self.break_glass_dialog.forget()
            self.break_glass_dialog = None
        if self.opened_check is not None:
            self.opened_check.close()  # it names the person
            self.opened_check = None

    def _on_break_glass(self, person_id: uuid.UUID, until: str) -> None:
        self._break_glass_person, self._break_glass_retried = person_id, False
        self.statusBar().showMessage(
            f"Opened by break-glass until {until}; your team lead can see it. Bringing the record to this laptop…"
        )
        self.sync_now()  # if a sync is already running, the person opens when the next one brings them

    def _on_already_held(self, digits: str) -> None:
        """The server found the person already on this worker's caseload or cover: no opening was needed or
        recorded. Open them here; a cover that began since the last sync brings them with the next one."""
        ws = self.workspace
        if ws is None:
            return
        person_id = ws.person_with_nhs_number(digits)
        if person_id is not None:
            self._open_held_person(ws, person_id)
            return
        self._held_number, self._held_retried = digits, False
        self.statusBar().showMessage(
            "Already on your caseload or cover, so nothing was opened by break-glass. Bringing the record to this "
            "laptop…"
        )
        self.sync_now()

    def _open_held_person(self, ws: Workspace, person_id: uuid.UUID) -> None:
        self.open_person(person_id)
        self.statusBar().showMessage(
            "Already on your caseload or cover: opened. Nothing was opened by break-glass, as none was needed."
        )
        if not self.is_locked:
            self._confirm_who_was_opened(ws, person_id, by_break_glass=False)

    def _open_break_glass_person(self, failure: Exception | None) -> None:
        """After a sync: open the person a break-glass grant brought, or try once more if they are not here."""
        held, ws = self._held_number, self.workspace
        if held is not None and ws is not None:
            self._held_number = None
            found = ws.person_with_nhs_number(held)
            if found is not None:
                self._open_held_person(ws, found)
            elif failure is None and not self._held_retried:
                # A sync already running when the answer came read its scope before the cover began.
                self._held_number, self._held_retried = held, True
                self.sync_now()
            else:
                why = f"{failure} " if failure is not None else ""
                self.statusBar().showMessage(
                    "That person is on your caseload or cover but has not reached this laptop yet. "
                    f"{why}Nothing is lost: press F5 to sync, then find them on your caseload."
                )
        person_id, ws = self._break_glass_person, self.workspace
        if person_id is None or ws is None:
            return
        if ws.has_person(person_id):
            self._break_glass_person = None
            self.open_person(person_id)
            if not self.is_locked:
                self._confirm_who_was_opened(ws, person_id)
            return
        if failure is None and not self._break_glass_retried:
            self._break_glass_retried = True
            self.sync_now()  # the grant landed after this sync had read its scope
        else:
            self._break_glass_person = None
            why = f"{failure} " if failure is not None else ""
            self.statusBar().showMessage(
                f"The record was opened on the server but has not reached this laptop yet. {why}Press F5 to try again."
            )

    def _on_renewed(self) -> None:
        self.statusBar().showMessage("This laptop's enrolment is renewed: syncing now.")
        self._show_sync_status()
        self.sync_now()

    def _on_synced(self, task: Task, failure: Exception | None, report: SyncReport | None = None) -> None:
        self._tasks.remove(task)
        self._syncing = False
        if isinstance(failure, Wiped):
            # The engine closed and erased the store on the server's signed command: show nothing of it.
            self._sync_timer.stop()
            self.workspace = None
            self.person_panel.forget()
            self.model.forget()
            self.work_due.clear()
            self.cover_label.clear()
            self.cover_label.setVisible(False)
            self.lease_label.setVisible(False)
            self._forget_unreached()
            self.sync_label.setText(str(failure))
            self.statusBar().showMessage(str(failure))
            self.withdrawn.emit(str(failure))
            return
        if failure is None:
            self.statusBar().clearMessage()  # "Offline…" is no longer true once the server has answered
            self._sync_backoff.succeeded()
            self._sync_timer.start(SYNC_EVERY_MS)
        elif isinstance(failure, SyncFailure) and failure.reason == "stopped":
            # Cut short by a lock or quit, not by the server: no backing off (unlocking starts the next one).
            if self.workspace is not None:
                self._sync_timer.start(0)
        elif not isinstance(failure, SyncFailure) or failure.retry:
            # Re-armed after every failure, later each time, so a dead zone is not hammered.
            self._sync_timer.start(int(self._sync_backoff.failed() * 1000))
            if not self.statusBar().currentMessage():
                self.statusBar().showMessage(OFFLINE)  # the server did not answer: the laptop's copy is in use
        if self.workspace is None:
            return
        if report is None:
            # A sync cut off part way may still have applied pages (each with its cursor): show whatever
            # arrived. Without its report the change is said of everyone; the views keep their place.
            self.ops.notify(OpChanges(ANY_RECORD | Changed.REMOTE | Changed.OUTBOX))
        elif report.persons_added or report.persons_removed or report.resynced:
            self.reload()  # the caseload itself changed: read it whole
            self.ops.notify(OpChanges(ANY_RECORD | Changed.REMOTE | Changed.OUTBOX))
        elif report.persons_changed:
            # Records from the server reach the open views through the same hook as the worker's own saves,
            # for the persons they are about and the parts of the record they touch.
            arrived = changed_by_tables(report.tables_changed) | Changed.PERSON | Changed.CASELOAD
            self.ops.notify(OpChanges(arrived | Changed.REMOTE, frozenset(report.persons_changed)))
            self.ops.notify(OpChanges(Changed.OUTBOX))  # what was sent is marked sent, whoever it was about
        else:
            self.ops.notify(OpChanges(Changed.OUTBOX))
        if report is not None and (report.documents_received or report.documents_refused):
            self._documents_arrived(report.documents_received, report.documents_refused)
        if report is not None and report.welfare_checks_raised:
            # Not left to a count changing somewhere: the worker must know a welfare check is now theirs to start.
            n = report.welfare_checks_raised
            self.statusBar().showMessage(
                f"{n} welfare check{'s were' if n > 1 else ' was'} raised: a missed contact recorded on another "
                "device was the second in a row. See Work due."
            )
        self._open_break_glass_person(failure)

    def _show_config_problems(self) -> None:
        # An administrator's mistake must be visible, not silent: the broken files (or entries) are not in use.
        problems = errors(self._config.problems)
        self.config_label.setText(
            f"{len(problems)} organisation file problem(s): national fallback where needed" if problems else ""
        )
        self.config_label.setToolTip("\n".join(str(p) for p in problems))
        self.config_label.setVisible(bool(problems))

    def _documents_arrived(self, received: int, refused: list[str]) -> None:
        """The organisation's pathways or directory changed by sync: the window runs on them from now on (the
        crisis contacts, the lock screen, and the store reopened after a lock)."""
        if received and self.workspace is not None and self.workspace.config is not None:
            self._config = self.workspace.config
            self.contacts.use_directory(self._config.directory)
            self._show_config_problems()  # what is wrong in what arrived stays said after the message goes
        if refused:
            self.statusBar().showMessage(refused[0])
        else:
            # Short enough for the status bar at 1366 wide; an open escalation says its own part in its window.
            self.statusBar().showMessage("Your organisation's updated pathways and crisis contacts are now in use.")

    def _on_rows(self, rows: list[CaseloadRow], task: Task) -> None:
        self._tasks.remove(task)
        if self.workspace is None:
            return  # locked while loading: never show what was loaded
        self.model.replace_rows(rows)
        # A whole new list drops the selection: the open person's row is selected again.
        self._select_open_person(reveal=self._reveal_when_listed is not None)
        self._show_cover()
        self._show_work_due(rows)
        self.caseload_loaded.emit()

    def _show_work_due(self, rows: list[CaseloadRow]) -> None:
        missed = sum(1 for r in rows if r.open_episodes)
        escalations = sum(1 for r in rows if r.open_escalations)
        overdue = sum(1 for r in rows if r.overdue_actions)
        drafts = sum(r.unsigned_drafts for r in rows)
        parts = []
        if missed:
            parts.append(f"<b>{missed} {'person needs' if missed == 1 else 'people need'} missed-contact action</b>")
        if escalations:
            parts.append(f"{escalations} with open escalations or welfare checks")
        if overdue:
            parts.append(f"{overdue} with overdue planned contacts or actions")
        if drafts:
            parts.append(f"<b>{drafts} unsigned draft{'s' if drafts != 1 else ''}</b> to finish")
        self.work_due.setText(" · ".join(parts) or "No missed contacts, open escalations or overdue work.")

    def _on_rows_failed(self, exc: Exception, task: Task) -> None:
        self._tasks.remove(task)
        self.work_due.setText(f"The caseload could not be loaded: {exc} Nothing has been changed.")

    def _show_period(self) -> None:
        decision = self._config.calendars.for_area(self._area).period_at(self._clock.now(), self._nation)
        # Short in the bar ("Now: In hours"); why (weekend, bank holiday, team hours) on hovering it.
        self.period_label.setText(f"Now: {decision}", short=f"Now: {str(decision).split(' — ')[0]}")

    def _show_work_due_only(self, only: bool) -> None:
        """The work-due list is sorted by what is due first; the whole caseload by the column chosen."""
        self.proxy.set_work_due_only(only)
        self.model.sort_due_first(only)
        self.table.horizontalHeader().setSortIndicatorShown(not only)

    def _focus_search(self) -> None:
        self.search_box.setFocus()
        self.search_box.selectAll()

    def _toggle_contacts(self) -> None:
        self.contacts_dock.setVisible(not self.contacts_dock.isVisible())
        if self.contacts_dock.isVisible():
            self.contacts.refresh()
            self.contacts.search.setFocus()

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
        """Open a person by any route (the list, Alt+O, work due, break-glass, a link): their row is selected
        and in view, so the list never shows one person while Ctrl+N records for another."""
        if self.workspace is not None:
            self.person_panel.show_person(self.workspace, person_id)
            self._select_open_person(reveal=True)

    def _select_open_person(self, *, reveal: bool) -> None:
        """Select the open person's row and scroll to it. With ``reveal``, a search or the work-due filter
        hiding them is cleared, and the worker told why what they typed went."""
        person = self.person_panel.person
        self._reveal_when_listed = None
        if person is None:
            self._show_list_note()
            return
        source_row = self.model.row_of(person.id)
        if source_row is None:
            # Not in the list yet (a break-glass or a sync brings them): selected once their row arrives.
            self._reveal_when_listed = person.id if reveal else None
            self._show_list_note()
            return
        index = self.proxy.mapFromSource(self.model.index(source_row, 0))
        if not index.isValid() and reveal:
            cleared = []
            if self.search_box.text():
                self.search_box.clear()
                cleared.append("search")
            if self.work_due_only.isChecked() and not self.model.row_at(source_row).has_work_due:
                self.work_due_only.setChecked(False)
                cleared.append("work-due filter")
            # Short: the status bar beside the sync line has room for little more at 1366 wide.
            self.statusBar().showMessage(
                f"{' and '.join(cleared).capitalize()} cleared to show {short_name(person)}, now open.", 15_000
            )
            index = self.proxy.mapFromSource(self.model.index(source_row, 0))
        if index.isValid():
            self.table.setCurrentIndex(index)
            self.table.scrollTo(index)
        self._show_list_note()

    def _show_list_note(self) -> None:
        said = []
        rows = self.proxy.rowCount()
        query = self.proxy.query.strip()
        if query and self.proxy.work_due_only:
            hidden = self.proxy.hidden_by_work_due()
            if hidden:
                who = f"{hidden} {'person matches' if hidden == 1 else 'people match'}"
                if rows:
                    who = f"{hidden} more {'matches' if hidden == 1 else 'match'}"
                said.append(
                    f"<b>{who} but {'is' if hidden == 1 else 'are'} hidden by the work-due filter "
                    "(F6 shows everyone).</b>"
                )
            elif not rows:
                said.append("Nobody on this laptop matches that search.")
        elif query and not rows:
            said.append("Nobody on this laptop matches that search.")
        person = self.person_panel.person
        if person is not None and self.workspace is not None:
            name = escape(short_name(person))
            source_row = self.model.row_of(person.id)
            index = self.proxy.mapFromSource(self.model.index(source_row, 0)) if source_row is not None else None
            current = self.table.currentIndex()
            if index is None or not index.isValid():
                said.append(f"<b>{name} is open</b> (on the right), but not in this list.")
            elif current.isValid() and current.row() != index.row():
                chosen = escape(str(current.siblingAtColumn(0).data()))
                said.append(f"{chosen} is highlighted; <b>{name} is the one open</b>. Enter opens {chosen}.")
        self.list_note.setText("<br>".join(said))
        self.list_note.setVisible(bool(said))

    # -- locking ------------------------------------------------------------------------------------

    def lock_ui(self) -> None:
        """Hide everything personal; the store stays open until the full lock."""
        if self._lock_state is not None or self.workspace is None:
            return
        self._lock_state = "ui"
        self.idle.stop_ui_timer()
        lead_dialogs = self.lead_desktop.dialogs if self.lead_desktop is not None else []
        self._hidden_dialogs = [d for d in [*self.person_panel.dialogs, *lead_dialogs] if d.isVisible()]
        for dialog in self._hidden_dialogs:
            dialog.hide()
        if self.pending_dialog is not None:
            self.pending_dialog.hide()  # names: never on a locked screen
        self._forget_break_glass()
        ws = self.workspace

        def check(passphrase: str) -> None:
            ws.check_passphrase(passphrase)

        self._lock_alert = lock_notice(self._reaching_nobody())
        self.unreached_bar.setVisible(False)  # it names people: never beside the lock screen
        self._show_lock(check, "Locked after 5 minutes without use. Enter your passphrase to carry on.")
        self.locked.emit("ui")

    def lock_full(self) -> None:
        """Close the store: the key is dropped and every decrypted view and model is cleared."""
        if self._lock_state == "full":
            return
        self._lock_state = "full"
        self._sync_timer.stop()
        if self.renew_dialog is not None and self.renew_dialog.isVisible():
            self.renew_dialog.reject()  # not while the server is answering (it closes itself then)
        self._forget_break_glass()
        self._hidden_dialogs = []
        self.person_panel.save_unsaved_as_drafts()
        # Only the record's random id stays in memory, so unlocking can reopen it with the forms kept.
        self._person_at_lock = self.person_panel.person.id if self.person_panel.person else None
        self._escalations_at_lock = [
            (d.escalation.person_id, d.escalation.id)
            for d in self.person_panel.dialogs
            if isinstance(d, EscalationWindow)
        ]
        self.person_panel.forget()
        self.model.forget()
        kept_forms = self.lead_desktop.forget() if self.lead_desktop is not None else 0
        if self.governance is not None:
            self.governance.forget()
        self.search_box.clear()
        if self.pending_dialog is not None:
            self.pending_dialog.forget()
        self.work_due.clear()
        self.cover_label.clear()
        self.cover_label.setVisible(False)
        self.lease_label.setVisible(False)
        self._forget_unreached()
        message = "Locked. Your records are closed and encrypted. Enter your passphrase to open them."
        if kept_forms:
            # Said here, so a form that vanished from the screen is not taken for lost.
            message += (
                f" What you were typing in {kept_forms} unsaved form{'s' if kept_forms != 1 else ''} is kept, "
                f"encrypted on this laptop, and {'they open' if kept_forms != 1 else 'it opens'} again when you unlock."
            )
        if self.workspace is not None:
            # Taken before the store closes; a screen lock already under way keeps the one it showed.
            self._lock_alert = lock_notice(self._reaching_nobody())
            unsent = self.workspace.outbox_pending()
            if unsent:
                # Locking does not send anything: the worker must not think a locked laptop is a synced one.
                message += (
                    f" {unsent} record{'s are' if unsent != 1 else ' is'} on this laptop only (not sent yet); "
                    f"{'they' if unsent != 1 else 'it'} will be sent at the next sync after you unlock."
                )
            self._store_closing.set()  # a sync under way stops before its next unit: the store is closing
            self._close_after_queue(self.workspace)
            self.workspace = None
        self._show_lock(self._reopen, message)
        self.locked.emit("full")

    def _show_lock(self, unlocker: Callable[[str], object], message: str) -> None:
        self.contacts_dock.hide()
        self.stack.setCurrentWidget(self.lock_screen)
        self.lock_screen.show_locked(self._lock_html(), unlocker, message)

    def _lock_screen_follows_the_clock(self) -> None:
        """While locked, which lines are open and when a closed one opens change with the clock: a screen drawn
        at 08:50 must not still say the team's line "closed now — opens 09:00" at 09:30."""
        if self._lock_state is not None:
            self.lock_screen.show_help(self._lock_html())

    def _lock_html(self) -> str:
        html = lock_screen_html(self._config, self._clock, self._nation)
        if self._lock_alert:
            # First on the screen, above the crisis numbers: a count and numbers only, never who (DESIGN §7).
            html = html.replace(
                "</h1>", f"</h1><p class='alert' style='font-size:large'><b>{escape(self._lock_alert)}</b></p>", 1
            )
        return html

    def _refresh_lock_notice(self, ws: Workspace) -> None:
        """Work out the lock screen's notice again, off the UI thread, and redraw only its text: the passphrase
        being typed and any wait after failed attempts are left as they are."""
        task = Task(lambda: lock_notice(reaching_nobody(ws.escalations, ws.caseload.person)))

        def show(notice: str | None, t: Task = task) -> None:
            self._tasks.remove(t)
            if self._lock_state == "ui" and self.workspace is ws:  # not after an unlock or the full lock
                self._lock_alert = notice
                self.lock_screen.show_help(self._lock_html())

        def failed(exc: Exception, t: Task = task) -> None:
            self._tasks.remove(t)
            # The notice shown stays; the crisis numbers are on the screen regardless. The type only, never
            # what the records hold.
            log.warning("open escalations could not be read for the lock screen: %s", type(exc).__name__)

        task.outcome.succeeded.connect(show)
        task.outcome.failed.connect(failed)
        self._tasks.append(task)
        self._pool.start(task)

    def _refresh_unreached(self) -> None:
        """Read again, off the UI thread, which open escalations have reached nobody, for the top of the window."""
        ws = self.workspace
        if ws is None:
            return
        self._unreached_asked += 1
        asked = self._unreached_asked
        task = Task(lambda: reaching_nobody(ws.escalations, ws.caseload.person))

        def show(items: list[Unreached], t: Task = task) -> None:
            self._tasks.remove(t)
            if asked == self._unreached_asked and self.workspace is ws:
                self._show_unreached(items)

        def failed(exc: Exception, t: Task = task) -> None:
            self._tasks.remove(t)
            # What is shown stays; the caseload's work due still counts them. The type only, never the records.
            log.warning("open escalations could not be read for the main window: %s", type(exc).__name__)

        task.outcome.succeeded.connect(show)
        task.outcome.failed.connect(failed)
        self._tasks.append(task)
        self._pool.start(task)

    def _show_unreached(self, items: list[Unreached]) -> None:
        self.unreached = items
        notice = main_notice(items, self._clock.now())
        self.unreached_label.setText(notice or "")
        if items:
            first = items[0]
            what = "welfare check" if first.kind is EscalationKind.WELFARE_CHECK else "escalation"
            more = " (the oldest)" if len(items) > 1 else ""
            self.unreached_button.setText(f"&Open {first.short_name}'s {what}{more} (Alt+O)")
        self.unreached_bar.setVisible(bool(items) and self._lock_state is None)

    def open_first_unreached(self) -> None:
        """Open the person and the oldest escalation that reached nobody, at the step to phone from."""
        ws = self.workspace
        if ws is None or self.is_locked or not self.unreached:
            return
        first = self.unreached[0]
        if first.person_id is None:
            return
        try:
            self.open_person(first.person_id)
            escalation = ws.escalations.get(first.escalation_id)
        except NotFound:
            self._refresh_unreached()  # gone from this laptop since it was read
            return
        self.person_panel.open_escalation(escalation)

    def _reaching_nobody(self) -> list[Unreached]:
        """Open escalations that reached nobody, for the lock screen and the quit question. A failure to
        read them never stops a lock or a quit: the crisis numbers are on the lock screen regardless."""
        ws = self.workspace
        if ws is None:
            return []
        try:
            return reaching_nobody(ws.escalations, ws.caseload.person)
        except Exception as exc:  # the type only: never what the records hold
            log.warning("open escalations could not be read for the lock or quit: %s", type(exc).__name__)
            return []

    def _forget_unreached(self) -> None:
        self._unreached_asked += 1  # a reading under way is not shown after this
        self.unreached = []
        self.unreached_label.clear()
        self.unreached_button.setText("")
        self.unreached_bar.setVisible(False)

    def _on_unlocked(self, result: object) -> None:
        if not isinstance(result, Workspace) and self.workspace is None:
            # A passphrase check for the screen lock finished after the full lock closed the store.
            self._show_lock(
                self._reopen, "Your records were closed while you were unlocking. Enter your passphrase again."
            )
            return
        if isinstance(result, Workspace):
            self.workspace = result
            self._store_closing = threading.Event()
        self._lock_state = None
        self._lock_alert = None
        self.stack.setCurrentWidget(self.main_page)
        self.unreached_bar.setVisible(bool(self.unreached))  # a screen lock kept it; a full lock reads it again
        for dialog in self._hidden_dialogs:
            if dialog in self.person_panel.dialogs:  # not one whose save landed while the screen was locked
                dialog.show()
        self._hidden_dialogs = []
        self.idle.restart()
        self.search_box.setFocus()
        if isinstance(result, Workspace):
            self.reload()
            self._sync_timer.start(0)
            person_id, self._person_at_lock = self._person_at_lock, None
            if person_id is not None:
                # No longer on this laptop (moved off it by a sync): nothing of theirs to reopen.
                with contextlib.suppress(NotFound):
                    self.open_person(person_id)  # and the forms that were open, as typed
            self._say_where_you_were(result)

    def _say_where_you_were(self, ws: Workspace) -> None:
        """After a full lock, say which escalation windows were open and whether they are open again: a worker
        unlocking in the middle of a crisis call must not have to remember where they were."""
        was, self._escalations_at_lock = self._escalations_at_lock, []
        said = []
        for person_id, escalation_id in was:
            try:
                escalation = ws.escalations.get(escalation_id)
                name = short_name(ws.caseload.person(person_id))
            except NotFound:
                continue
            what = "welfare check" if escalation.kind is EscalationKind.WELFARE_CHECK else "escalation"
            reopened = any(
                isinstance(d, EscalationWindow) and d.escalation.id == escalation_id for d in self.person_panel.dialogs
            )
            if reopened:
                said.append(f"You were in {name}'s {what}: it is open again, as you left it.")
            else:
                said.append(f"You were in {name}'s {what}: open {name} to carry on (what you typed is kept).")
        if said:
            self.statusBar().showMessage(" ".join(said), 60_000)

    @property
    def is_locked(self) -> bool:
        return self._lock_state is not None

    # -- window -------------------------------------------------------------------------------------

    def _restore_geometry(self) -> None:
        if self._settings is None:
            return
        # Which national lines the unlock window shows next time, before the store is open.
        self._settings.setValue("nation", self._nation.value)
        restore_place(self, self._settings, "main_window", PREFERRED_SIZE)
        state = self._settings.value("state")
        if isinstance(state, QByteArray):
            self.restoreState(state)

    def closeEvent(self, event: QCloseEvent) -> None:
        # The close box asks like Ctrl+Q; a close the program makes (the session ending, a test) does not.
        if event.spontaneous() and not self._quit_confirmed and self.workspace is not None:
            event.ignore()
            self.request_quit()
            return
        if self._settings is not None:
            save_place(self, self._settings, "main_window")
            self._settings.setValue("state", self.saveState())
            self._settings.sync()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self.idle)
        self._sync_timer.stop()
        self.person_panel.save_unsaved_as_drafts()
        self.person_panel.forget()
        self.model.forget()
        if self.lead_desktop is not None:
            self.lead_desktop.forget()
        if self.governance is not None:
            self.governance.forget()
        if self.pending_dialog is not None:
            self.pending_dialog.forget()
        if self.workspace is not None:
            self._store_closing.set()
            self._close_after_queue(self.workspace)
            self.workspace = None
        super().closeEvent(event)

    def _close_after_queue(self, workspace: Workspace) -> None:
        """Close the store once every save already queued has landed: a lock or quit never cuts one off,
        and never waits for one either (the queue runs the close after them)."""
        task = Task(workspace.close)
        _CLOSING.add(task)  # kept alive by the module: the window may be gone before the queue reaches it
        task.outcome.succeeded.connect(self._on_store_closed)  # a bound slot: dropped with the window
        task.outcome.succeeded.connect(lambda _r, t=task: _CLOSING.discard(t))
        task.outcome.failed.connect(lambda _e, t=task: _CLOSING.discard(t))
        self._pool.start(task)

    def _on_store_closed(self, _result: object) -> None:
        self.store_closed.emit()

    # -- quitting -----------------------------------------------------------------------------------

    def request_quit(self) -> None:
        """Quit (Ctrl+Q, or the window's close box): with unsent records, say so first."""
        if self._quit_confirmed or self.workspace is None:
            self.close()
            return
        unsent = self.workspace.outbox_pending()
        unreached = quit_notice(self._reaching_nobody())
        if not unsent and not unreached:
            self._quit_confirmed = True
            self.close()
            return
        # An escalation that reached nobody first: it is what the worker must act on before going.
        said = [unreached] if unreached else []
        if unsent:
            said.append(unsent_on_quit(unsent, enrolled=read_status(self.workspace).enrolled))
        self.quit_question = QMessageBox(
            QMessageBox.Icon.Warning if unreached else QMessageBox.Icon.Information,
            "Quit Waymark?",
            "\n\n".join(said),
            QMessageBox.StandardButton.NoButton,
            self,
        )
        quit_button = self.quit_question.addButton("&Quit", QMessageBox.ButtonRole.AcceptRole)
        stay = self.quit_question.addButton("&Keep Waymark open", QMessageBox.ButtonRole.RejectRole)
        self.quit_question.setDefaultButton(stay)
        self.quit_question.setEscapeButton(stay)
        quit_button.clicked.connect(self._quit_now)
        self.quit_question.open()  # not exec(): the window's timers and the write queue keep running

    def _quit_now(self) -> None:
        self._quit_confirmed = True
        self.close()


def sync_pool() -> QThreadPool:
    """The threads syncs run on (one per window at a time), owned by the application so a sync still
    waiting on the network when its window goes is waited for at exit, not cut off."""
    global _SYNC_POOL
    if _SYNC_POOL is None:
        _SYNC_POOL = QThreadPool(QApplication.instance())
    return _SYNC_POOL


def unsent_on_quit(unsent: int, *, enrolled: bool) -> str:
    records = f"{unsent} record{'s are' if unsent != 1 else ' is'}"
    them = "they" if unsent != 1 else "it"
    if enrolled:
        when = f"{them.capitalize()} will be sent at the next sync, once Waymark is open again and connected."
    else:
        when = f"This laptop is not connected to a sync server, so {them} stay{'' if unsent != 1 else 's'} here."
    return (
        f"{records} on this laptop only (not sent yet). {them.capitalize()} {'are' if unsent != 1 else 'is'} safe "
        f"on this laptop, encrypted, and nothing is lost by quitting. {when}\n\n"
        "Sending never tells anyone: if an escalation needs someone told, phone them."
    )
