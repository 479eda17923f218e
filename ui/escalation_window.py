"""Escalate (J4): tick the criteria met and say why, then walk the pathway for now, recording each action.

The moment an escalation is saved the window says, in words, that nobody has been told yet and which
number to phone; that notice stays until an action records that someone was reached.
"""

from __future__ import annotations

import html
import re
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from PySide6.QtCore import QDateTime, QPoint, QSize, QStringListModel, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListView,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.changes import Changed, OpChanges
from app.errors import InvalidInput
from app.escalations import (
    WORKER_ACTIONS,
    ActionDraft,
    ActionKind,
    ActionRecord,
    CallNow,
    Escalation,
    EscalationDraft,
    EscalationOutcome,
)
from app.form_drafts import FormKind
from app.hours import Period, PeriodDecision
from app.missed_contacts import RecontactRoute
from app.pathways import MOVE_ON, NodeType
from app.text_input import NOTE_MAX_CHARS
from app.time_bounds import MAX_ESCALATION_LOOKBACK, MAX_FOLLOW_UP_AHEAD, identified_needs_confirming
from app.workspace import Workspace
from ui.clipboard import CopyFeedback, copy_briefly
from ui.escalation_actions_model import EscalationActionsModel, who_was_contacted
from ui.flowchart import FlowchartView
from ui.identified_at import TIME_HINT, IdentifiedAtEdit
from ui.note_dialog import from_qt, to_qt
from ui.operations import StoreOps
from ui.save_errors import explain_failed_save
from ui.saving import Saving
from ui.text_limits import limit_text
from ui.time_entry import TIME_FIRST, TIME_FIRST_THIS_YEAR
from ui.typed_dialog import TypedDialog
from ui.window_fit import fit_to_screen

_ROUTE_KIND = {
    "phone": ActionKind.PHONED,
    "text": ActionKind.TEXTED,
    "email": ActionKind.EMAILED,
    "visit": ActionKind.IN_PERSON,
    "third_party": ActionKind.PHONED,
}
FOLLOW_DUE_UNSET = "Due: not chosen yet — choose the day and time (it starts a day from now)"
SHARING_BASES = ("Consent given", "Within the care team", "Risk to life", "Best interests", "Other (say in outcome)")


def step_list(escalation: Escalation, calls: list[CallNow]) -> list[str]:
    """Each step on the path taken with what was recorded there, the current one, and the ones next."""
    lines = []
    for node_id in escalation.walk.path[:-1]:
        node = escalation.pathway.node(node_id)
        done = [a for a in escalation.actions if a.node_id == node_id and a.is_step]
        what = "; ".join(f"{a.at.astimezone():%H:%M} {_said(a)}" for a in done)
        lines.append(f"✓ {node.text} ({what})" if what else f"✓ {node.text}")
    current = escalation.walk.current
    tries = [
        a for a in escalation.actions
        if a.node_id == current.id and a.is_step and a.kind is not ActionKind.ANSWER and not a.reached
    ]  # fmt: skip
    tried = f" (tried {len(tries)}×, not reached: {', '.join(f'{a.at.astimezone():%H:%M}' for a in tries)})"
    lines.append(("Finished: " if escalation.walk.finished else "NOW ▶ ") + current.text + (tried if tries else ""))
    lines.extend(f"Next: {c.node.text}" for c in calls if c.node.id != current.id)
    return lines


def _said(a: ActionRecord) -> str:
    """One recorded step in the steps list, as what happened: a decision to move on is no call, and a step
    done reached nobody."""
    if a.kind is ActionKind.ANSWER:
        return "moved on: nobody reached" if a.answer == MOVE_ON else a.answer or ""
    if a.kind is ActionKind.DONE:
        return "done" if a.reached else "not done yet"
    moved = ", moved on" if a.answer == MOVE_ON else ""
    return f"{a.kind.label.lower()} — " + ("reached" if a.reached else f"not reached{moved}")


def _route_who(route: RecontactRoute, person_name: str) -> str:
    """Who a route reaches, as the record says it: the person and how, or the third party they agreed to."""
    return route.via or f"{person_name} ({route.channel.value.replace('_', ' ')})"


def _route_text(route: RecontactRoute, person_name: str) -> str:
    message = " — safe to leave a message" if route.safe_to_leave_message else ""
    agreed = " — they agreed to this contact" if route.via else ""
    return f"{_route_who(route, person_name)}: {route.value}{message}{agreed}"


def _with_mnemonic(label: str, used: set[str]) -> str:
    """A button label with an Alt+letter no other control in the window uses; none when every letter is."""
    for i, ch in enumerate(label):
        if ch.isalnum() and ch.lower() not in used:
            return f"{label[:i]}&{label[i:]}"
    return label


def _hours_minutes(delta: timedelta) -> str:
    minutes = max(0, int(delta.total_seconds() // 60))
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if hours and minutes else f"{hours} h" if hours else f"{minutes} min"


def identified_pathway_reason(
    at: datetime, now: datetime, then: PeriodDecision, current: PeriodDecision, *, said: bool = True
) -> str:
    """Why the pathway shown is not the one for the clock now, in words (``said``: starting from what the
    worker said, for the form; otherwise from "that time", for the question that has just said it)."""
    local = at.astimezone()
    when = f"{local:%H:%M}" if local.date() == now.astimezone().date() else f"{local:%H:%M} on {local:%a %d %b}"
    was, now_is = then.period.value.replace("-", " "), current.period.value.replace("-", " ")
    lead = f"You said the concern was identified at {when} — {was}" if said else f"That time is {was}"
    return (
        f"{lead} ({then.reason}) — so the {then.period.value} pathway is shown. It is {now_is} now: once started, "
        f"the {current.period.value} pathway's contacts are offered for the steps still to do."
    )


class EscalationStartDialog(TypedDialog):
    """Criteria and rationale, both required; the app never ticks a criterion for the worker."""

    what = "This escalation (nobody has been told)"
    form_kind = FormKind.ESCALATION_START

    started = Signal(object)  # Escalation

    def __init__(
        self,
        workspace: Workspace,
        person_id: uuid.UUID,
        person_name: str,
        parent: QWidget | None = None,
        *,
        ops: StoreOps,
    ) -> None:
        super().__init__(ops, parent)
        self._workspace = workspace
        self._person_id = person_id
        self.setWindowTitle(f"Escalate — {person_name}")
        self.setMinimumWidth(600)
        criteria = workspace.escalations.config.pathways.criteria
        box = QGroupBox("Which threshold criteria are met now? (tick every one that applies)")
        box_layout = QVBoxLayout(box)
        self.criteria: dict[str, QCheckBox] = {}
        for c in criteria.criteria if criteria else ():
            check = QCheckBox(c.wording)
            check.setAccessibleName(c.wording)
            box_layout.addWidget(check)
            self.criteria[c.code] = check
        if not self.criteria:
            # A broken criteria file must never leave a worker stuck: say what to do instead.
            missing = QLabel(
                "<b>The organisation's threshold criteria could not be loaded, so an escalation cannot be "
                "recorded here.</b> Phone now: 999 if life is at risk, otherwise your duty or crisis team "
                "(Crisis contacts, Ctrl+D). Record what you did in a contact note, and tell your team lead."
            )
            missing.setWordWrap(True)
            box_layout.addWidget(missing)
        self.rationale = QPlainTextEdit()
        self.rationale.setAccessibleName("Why you are escalating")
        self.rationale.setPlaceholderText("In your own words: what is happening now and why it meets the criteria")
        self.rationale.setTabChangesFocus(True)
        limit_text(self.rationale, NOTE_MAX_CHARS)
        now = workspace.clock.now()
        self.identified = IdentifiedAtEdit(now, now - MAX_ESCALATION_LOOKBACK)
        self.identified.setAccessibleName("When you identified the concern")
        self.confirm_time: QMessageBox | None = None  # asked when "identified at" is hours ago
        self.route = QLabel()
        self.route.setObjectName("route")
        self.route.setWordWrap(True)
        self.identified.dateTimeChanged.connect(self._preview)
        form = QFormLayout()
        form.addRow("&Why", self.rationale)
        form.addRow("&Identified at", self.identified)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.start_button = buttons.addButton("&Start escalation", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self.start)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(box)
        layout.addLayout(form)
        layout.addWidget(self.route)
        self.saving.hold(buttons)
        layout.addWidget(self.saving.label)
        layout.addWidget(buttons)
        self._preview()
        if self.criteria:
            next(iter(self.criteria.values())).setFocus()
        self.track_draft(workspace.forms, person_id)

    def draft_fields(self) -> dict[str, Any]:
        return {
            "criteria": [code for code, box in self.criteria.items() if box.isChecked()],
            "rationale": self.rationale.toPlainText(),
            "identified_at": from_qt(self.identified.dateTime()).isoformat(),
            "identified_time_typed": self.identified.time.text(),
        }

    def restore_fields(self, fields: dict[str, Any]) -> None:
        for code in fields.get("criteria", []):
            if code in self.criteria:  # a criterion withdrawn since is not ticked again
                self.criteria[code].setChecked(True)
        self.rationale.setPlainText(str(fields.get("rationale", "")))
        if fields.get("identified_at"):
            self.identified.setDateTime(to_qt(datetime.fromisoformat(str(fields["identified_at"]))))
        if fields.get("identified_time_typed"):
            self.identified.time.setText(str(fields["identified_time_typed"]))  # as typed, even if not a time yet

    def _preview(self) -> None:
        service, at = self._workspace.escalations, from_qt(self.identified.dateTime())
        period, pathway, warning = service.preview(self._person_id, at)
        text = f"<b>{period}</b><br>Pathway: {html.escape(pathway.title)} (version {html.escape(pathway.version)})"
        now = self._workspace.clock.now()
        period_now, _pathway, _warning = service.preview(self._person_id, now)
        if period_now.period is not period.period:
            # The pathway follows the time identified, not the clock: say which and why, in words.
            text += f"<br><b>{html.escape(identified_pathway_reason(at, now, period, period_now))}</b>"
        if at > now + timedelta(minutes=5):
            text += "<br><b>That time is later than now:</b> if you mean an earlier day, choose it after the time."
        self.route.setText(text + (f"<br><b>Warning:</b> {html.escape(warning)}" if warning else ""))

    def typed_text(self) -> list[str]:
        ticked = ["ticked" for box in self.criteria.values() if box.isChecked()]
        return [self.rationale.toPlainText(), *ticked]

    def save(self) -> None:
        self.start()

    def start(self) -> None:
        if not self.identified.is_valid():
            QMessageBox.warning(
                self,
                "Check the time",
                f"'Identified at' is not a time: type hours and minutes ({TIME_HINT}). Nothing was saved, and "
                "nothing you typed is lost.",
            )
            self.identified.time.setFocus()
            return
        at, now = from_qt(self.identified.dateTime()), self._workspace.clock.now()
        if identified_needs_confirming(at, now):
            self._ask_to_confirm_time(at, now)
            return
        self._start()

    def _ask_to_confirm_time(self, at: datetime, now: datetime) -> None:
        """A time hours ago is asked about first (a slip would choose another period's pathway and start every
        timescale overdue). Window-modal, keyboard-driven: Alt+Y starts; Alt+N or Escape goes back to the
        time with everything typed kept."""
        service = self._workspace.escalations
        period, _p, _w = service.preview(self._person_id, at)
        period_now, _p, _w = service.preview(self._person_id, now)
        when = f"{at.astimezone():%H:%M}" + ("" if at.astimezone().date() == now.astimezone().date()
                                             else f" on {at.astimezone():%A %d %B}")  # fmt: skip
        ago = _hours_minutes(now - at)
        box = QMessageBox(QMessageBox.Icon.Question, "Check the time", "", parent=self)
        box.setText(f"You said the concern was identified at {when}, {ago} ago. Is that right?")
        if period_now.period is not period.period:
            box.setInformativeText(identified_pathway_reason(at, now, period, period_now, said=False))
        yes = box.addButton(f"&Yes, {at.astimezone():%H:%M} is right", QMessageBox.ButtonRole.AcceptRole)
        no = box.addButton("&No, change the time", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(no)
        box.setEscapeButton(no)
        box.setAccessibleName("Check the time the concern was identified")

        def answered() -> None:
            self.confirm_time = None
            if box.clickedButton() is yes:
                self._start()
            else:
                self.activateWindow()
                self.identified.time.setFocus()
                self.identified.time.selectAll()

        box.finished.connect(answered)
        self.confirm_time = box
        box.open()

    def _start(self) -> None:
        draft = EscalationDraft(
            self._person_id,
            [code for code, box in self.criteria.items() if box.isChecked()],
            self.rationale.toPlainText(),
            from_qt(self.identified.dateTime()),
        )
        service = self._workspace.escalations
        self.saving.run("Escalation", lambda: service.start(draft), persons=[self._person_id], succeeded=self._started)

    def _started(self, escalation: Escalation) -> None:
        self.started.emit(escalation)
        self.accept()


class EscalationWindow(QDialog):
    """The pathway for now: flowchart beside the current step, the notice, and the record so far."""

    changed = Signal()

    def __init__(
        self,
        workspace: Workspace,
        escalation: Escalation,
        person_name: str,
        parent: QWidget | None = None,
        *,
        ops: StoreOps,
    ) -> None:
        super().__init__(parent)
        self._workspace = workspace
        self.escalation = escalation
        self.saving = Saving(self, ops)
        self._person_name = person_name
        kind = "Welfare check" if escalation.kind.value == "welfare-check" else "Escalation"
        self.setWindowTitle(f"{kind} — {person_name}")

        self.notice = QLabel()
        self.notice.setObjectName("notice")
        self.notice.setWordWrap(True)
        self.notice.setFrameShape(QFrame.Shape.Box)
        self.notice.setLineWidth(3)
        self.notice.setMargin(8)
        notice_font = self.notice.font()
        notice_font.setPointSizeF(notice_font.pointSizeF() * 1.25)
        self.notice.setFont(notice_font)
        self.notice.setAccessibleName("Who has been told")
        self.notice.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.copy_now = QPushButton("Copy n&umber")
        self.copy_now.clicked.connect(self._copy_best)
        self.copy_feedback = CopyFeedback()
        self.copy_feedback.setWordWrap(True)
        # Its feedback has room kept for two lines at a fixed width: a label growing for 10 s and shrinking
        # again moved everything below it, and a click landed on the wrong field.
        lines = self.copy_feedback.fontMetrics().lineSpacing()
        self.copy_feedback.setFixedSize(max(self.copy_now.sizeHint().width(), 15 * lines), 2 * lines + 4)
        copy_column = QVBoxLayout()
        copy_column.addWidget(self.copy_now)
        copy_column.addWidget(self.copy_feedback)
        copy_column.addStretch(1)
        notice_row = QHBoxLayout()
        notice_row.addWidget(self.notice, 1)
        notice_row.addLayout(copy_column)
        self.period = QLabel()
        self.period.setObjectName("period")
        self.period.setWordWrap(True)
        self.period.setAccessibleName("In hours or out of hours")

        self.flowchart = FlowchartView()
        # The chart's text is small with the whole pathway on a laptop screen: the worker can enlarge it.
        larger = QPushButton("Larger (Ctrl++)")
        larger.setAccessibleName("Make the flowchart larger")
        larger.clicked.connect(lambda: self.flowchart.set_zoom(self.flowchart.zoom * 1.5))
        smaller = QPushButton("Smaller (Ctrl+-)")
        smaller.setAccessibleName("Make the flowchart smaller")
        smaller.clicked.connect(lambda: self.flowchart.set_zoom(self.flowchart.zoom / 1.5))
        whole = QPushButton("Whole pathway (Ctrl+0)")
        whole.clicked.connect(lambda: self.flowchart.set_zoom(1.0))
        for button in (larger, smaller, whole):
            button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        QShortcut(QKeySequence.StandardKey.ZoomIn, self, activated=larger.click)
        QShortcut(QKeySequence("Ctrl+="), self, activated=larger.click)
        QShortcut(QKeySequence.StandardKey.ZoomOut, self, activated=smaller.click)
        QShortcut(QKeySequence("Ctrl+0"), self, activated=whole.click)
        zoom_row = QHBoxLayout()
        zoom_row.addWidget(QLabel("Flowchart:"))
        for button in (larger, smaller, whole):
            zoom_row.addWidget(button)
        zoom_row.addStretch(1)
        self.flowchart_box = QWidget()
        chart_layout = QVBoxLayout(self.flowchart_box)
        chart_layout.setContentsMargins(0, 0, 0, 0)
        chart_layout.addLayout(zoom_row)
        chart_layout.addWidget(self.flowchart, 1)
        # The path as a list beside the chart: what was done, where it stands, what comes next.
        self.steps_model = QStringListModel(self)
        self.steps_view = QListView()
        self.steps_view.setModel(self.steps_model)
        self.steps_view.setAccessibleName("Steps so far and next")
        self.steps_view.setEditTriggers(QListView.EditTrigger.NoEditTriggers)
        self.steps_view.setWordWrap(True)
        self.steps_view.setMaximumHeight(150)
        self.step = QLabel()
        self.step.setObjectName("step")
        self.step.setWordWrap(True)
        self.step.setAccessibleName("Current step")
        font = self.step.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        self.step.setFont(font)
        self.answers = QHBoxLayout()

        self.action_box = QGroupBox("Record what you did")
        self.contact = QComboBox()
        self.contact.setAccessibleName("Contact")
        self.kind = QComboBox()
        self.kind.setAccessibleName("What you did")
        for k in WORKER_ACTIONS:
            label = "Other (alongside the pathway)" if k is ActionKind.OTHER else k.label
            self.kind.addItem(label, k)
        # "Done" is a step with nobody to contact: a contact left chosen would read as reaching them.
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self.reached = QCheckBox("&Reached them / step done")
        self.who = QLineEdit()
        self.who.setAccessibleName("Who you spoke to")
        self.who.setPlaceholderText("Name and role")
        self.outcome = QLineEdit()
        self.outcome.setAccessibleName("Outcome")
        self.shared = QLineEdit()
        self.shared.setAccessibleName("Information shared")
        self.basis = QComboBox(editable=True)
        self.basis.setAccessibleName("Sharing basis")
        self.basis.addItem("")
        self.basis.addItems(SHARING_BASES)
        # Consent at the moment of sharing (issue 9, finding 7): what the person asked for about this
        # recipient, the capacity decision behind "best interests", a confirmation beyond "not details".
        self.sharing_prefs = QLabel()
        self.sharing_prefs.setWordWrap(True)
        self.sharing_prefs.setAccessibleName("Their sharing preferences for this recipient")
        self.capacity = QLineEdit()
        self.capacity.setAccessibleName("Capacity decision")
        self.capacity.setPlaceholderText("For 'best interests': the capacity decision behind it")
        self.consent_confirmed = QCheckBox("Cons&ent to share this confirmed with them now")
        self.contact.currentIndexChanged.connect(self._show_sharing_preferences)
        self.contact.currentIndexChanged.connect(self._match_kind_to_route)
        self.who.editingFinished.connect(self._show_sharing_preferences)
        self.at = QDateTimeEdit(calendarPopup=True)
        self.at.setDisplayFormat(TIME_FIRST_THIS_YEAR)
        self.at.setAccessibleName("Time of action")
        self.at.setToolTip("When you did it: now, unless you change it")
        self._at_edited = False
        self.at.dateTimeChanged.connect(self._on_time_edited)
        record = self.record_button = QPushButton("Record &action")
        record.setToolTip(
            "Record what you did (Ctrl+S). Not reached? It is recorded with its time and you stay at this step."
        )
        record.clicked.connect(lambda: self.record_action())
        self.move_on_button = QPushButton("Not reached: &move on")
        self.move_on_button.setToolTip(
            "Record that nobody was reached at this step and take the pathway's route for that. What you filled "
            "in above is recorded first as an attempt that reached nobody; an untouched form records no call."
        )
        self.move_on_button.clicked.connect(self.move_on)
        record_row = QHBoxLayout()
        record_row.addWidget(record)
        record_row.addWidget(self.move_on_button)
        record_row.addStretch(1)
        copy_contact = QPushButton("Co&py")
        copy_contact.clicked.connect(self._copy_selected)
        contact_row = QHBoxLayout()
        contact_row.addWidget(self.contact, 1)
        contact_row.addWidget(copy_contact)
        contact_label = QLabel("&Contact")
        contact_label.setBuddy(self.contact)
        form = QFormLayout(self.action_box)
        form.addRow(contact_label, contact_row)
        form.addRow("&What you did", self.kind)
        form.addRow(self.reached)
        # Near the top: when it happened belongs with what was done, and stays in view on a small screen.
        form.addRow("&Time", self.at)
        form.addRow("W&ho", self.who)
        form.addRow("&Outcome", self.outcome)
        form.addRow("&Shared", self.shared)
        form.addRow("&Basis", self.basis)
        form.addRow(self.sharing_prefs)
        form.addRow("Capacity", self.capacity)
        form.addRow(self.consent_confirmed)

        close_box = QGroupBox("Follow-up and close")
        self.follow_due = QDateTimeEdit(calendarPopup=True)
        self.follow_due.setDisplayFormat(TIME_FIRST)
        self.follow_due.setAccessibleName("Follow-up due")
        # A due "tomorrow at this time" was saved unchosen for a crisis tonight: the field starts there, says
        # beside it that it is not chosen yet, and a follow-up is set only once the worker has changed it.
        self._due_chosen = False
        self.follow_due.dateTimeChanged.connect(self._due_edited)
        self.due_state = QLabel(FOLLOW_DUE_UNSET)
        self.due_state.setObjectName("follow_due_state")
        self.due_state.setWordWrap(True)
        self.follow_owner = QLineEdit()
        self.follow_owner.setAccessibleName("Follow-up owner")
        self.set_follow_button = QPushButton("Set &follow-up")
        self.set_follow_button.clicked.connect(self.set_follow_up)
        self.close_outcome = QComboBox()
        self.close_outcome.setAccessibleName("Outcome on closing")
        for o in EscalationOutcome:
            self.close_outcome.addItem(o.label, o)
        # Never pre-selected: the worker says what happened.
        self.close_outcome.setPlaceholderText("Choose what happened…")
        self.close_outcome.setCurrentIndex(-1)
        self.close_note = QLineEdit()
        self.close_note.setAccessibleName("Closing note")
        self.close_note.setPlaceholderText("Closing note; if nobody who can act was reached, why it can close")
        self.close_button = QPushButton("C&lose escalation")
        self.close_button.clicked.connect(self.close_escalation)
        self.done_outcome = QLineEdit()
        self.done_outcome.setAccessibleName("Follow-up outcome")
        self.done_outcome.setPlaceholderText("What came of the follow-up")
        self.done_button = QPushButton("Follow-up &done")
        self.done_button.setAccessibleName("Record the follow-up as done")
        self.done_button.clicked.connect(self.follow_up_done)
        self.follow_state = QLabel()
        self.follow_state.setWordWrap(True)
        self.follow_state.setAccessibleName("Follow-up state")
        cform = QFormLayout(close_box)
        cform.addRow("Due", self.follow_due)
        cform.addRow(self.due_state)
        cform.addRow("Owner", self.follow_owner)
        cform.addRow(self.set_follow_button)
        cform.addRow(self.follow_state)
        cform.addRow("Done: outcome", self.done_outcome)
        cform.addRow(self.done_button)
        cform.addRow("Outcome", self.close_outcome)
        cform.addRow("Note", self.close_note)
        cform.addRow(self.close_button)

        self.timescales = QLabel()
        self.timescales.setWordWrap(True)
        self.timescales.setAccessibleName("Timescales")
        panel = QWidget()
        panel_layout = QVBoxLayout(panel)
        panel_layout.addWidget(self.action_box)
        panel_layout.addWidget(self.timescales)
        panel_layout.addWidget(close_box)
        panel_layout.addWidget(self.steps_view)
        panel_layout.addStretch(1)
        # The step ("Now: …"), its answers and the buttons that record it stay in view above and below the
        # scrolling form: at 1366×768 the panel opened scrolled past "Now:", and after "Record action" the
        # buttons dropped below the fold.
        self.answers_host = QWidget()
        self.answers_host.setLayout(self.answers)
        self.answers.setContentsMargins(0, 0, 0, 0)
        self.record_bar = QWidget()
        self.record_bar.setLayout(record_row)
        record_row.setContentsMargins(0, 0, 0, 0)

        self.actions_model = EscalationActionsModel(workspace.escalations.config.directory, self)
        self.actions_view = QTableView()
        self.actions_view.setAccessibleName("Actions recorded")
        self.actions_view.setModel(self.actions_model)
        self.actions_view.verticalHeader().setVisible(False)
        self.actions_view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.actions_view.horizontalHeader().setStretchLastSection(True)

        # On a small screen the step, the form and the close box scroll rather than squeeze or clip.
        panel_scroll = self.panel_scroll = QScrollArea()
        panel_scroll.setWidget(panel)
        panel_scroll.setWidgetResizable(True)
        panel_scroll.setFrameShape(QFrame.Shape.NoFrame)
        panel_scroll.setAccessibleName("Current step, what you did, follow-up and close")
        panel_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        panel.setMinimumWidth(panel.sizeHint().width())
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.step)
        right_layout.addWidget(self.answers_host)
        right_layout.addWidget(panel_scroll, 1)
        right_layout.addWidget(self.record_bar)
        top = QSplitter()
        top.addWidget(self.flowchart_box)
        top.addWidget(right)
        top.setStretchFactor(0, 1)
        top.setSizes([680, 480])
        outer = QSplitter(Qt.Orientation.Vertical)
        outer.addWidget(top)
        outer.addWidget(self.actions_view)
        outer.setSizes([600, 180])
        layout = QVBoxLayout(self)
        layout.addLayout(notice_row)
        layout.addWidget(self.period)
        # Said when what another device recorded (an action, a follow-up) arrived by sync and was redrawn.
        self.arrived = QLabel()
        self.arrived.setObjectName("arrived_by_sync")
        self.arrived.setWordWrap(True)
        self.arrived.setAccessibleName("Updated from another device")
        self.arrived.setVisible(False)
        layout.addWidget(self.arrived)
        # The step's buttons and forms; the notice and its number stay usable.
        self.saving.hold(panel, self.answers_host, self.record_bar)
        # Its line is kept while hidden: "Saving…" coming and going moved everything below it.
        policy = self.saving.label.sizePolicy()
        policy.setRetainSizeWhenHidden(True)
        self.saving.label.setSizePolicy(policy)
        layout.addWidget(self.saving.label)
        layout.addWidget(outer, 1)
        self._step_in_view: str | None = None  # the step last brought into view (see _bring_step_into_view)
        # An answer's Alt+letter must not press another control (Alt+C once pressed "Copy number").
        self._fixed_mnemonics = self._mnemonics_in_use()
        QShortcut(QKeySequence.StandardKey.Save, self, activated=self._save_key)
        self.refresh(escalation)
        self.step_timer = QTimer(self, interval=60_000)
        self.step_timer.timeout.connect(self._show_step_text)
        self.step_timer.start()
        fit_to_screen(self, QSize(1180, 800))
        # Records for this escalation saved elsewhere (another device, by sync) redraw it, keeping the form.
        ops.did_execute.connect(self._on_changes)
        self._ops = ops
        self._listening = True
        self.finished.connect(self._stop_listening)

    # -- showing ------------------------------------------------------------------------------------

    def refresh(self, escalation: Escalation) -> None:
        self.escalation = escalation
        now = self._workspace.clock.now()
        calls = self._workspace.escalations.call_now(escalation, now)
        directory = self._workspace.escalations.config.directory
        current = escalation.walk.current
        via = {a.next: a.label for a in current.answers}
        options = [(c, c.best) for c in calls if c.best is not None and c.best.open_now]
        # The number to copy: the first that is not 999 (nobody needs to copy 999).
        self._best = next((o for _c, o in options if o.entry.first_number != "999"), None) or next(
            (o for _c, o in options), None
        )
        if not escalation.reached_anyone and escalation.closed_at is not None:
            # Closed: there is nothing left to phone from here, so say plainly what happened instead.
            others = "; ".join(html.escape(who_was_contacted(a, directory)) for a in escalation.reached_others)
            self.notice.setText(
                f"<b>Closed {escalation.closed_at.astimezone():%a %d %b %H:%M} — nobody at an escalation step was "
                f"reached:</b> {html.escape(escalation.closing_reason or 'no reason recorded')}"
                + (f"<br>Also reached: {others} — recorded, but not someone who can act." if others else "")
            )
            self._best = None
        elif not escalation.reached_anyone:
            if options:
                who = "; ".join(
                    (f"if {via[c.node.id]}: " if c.node.id in via else "")
                    + f"<b>{html.escape(o.entry.service)}, {html.escape(o.entry.first_number)}</b>"
                    for c, o in options
                )
            else:
                who = "<b>999</b> if life is at risk"
            others = "; ".join(html.escape(who_was_contacted(a, directory)) for a in escalation.reached_others)
            also = (
                f"<br>Also reached: {others} — recorded, but not someone who can act on this escalation."
                if others
                else ""
            )
            self.notice.setText(
                "<b>Nobody has been told yet.</b> No one who can act (a duty or crisis team, a manager, a service, "
                "emergency services) has been reached. This escalation is saved on this laptop only; saving and "
                f"syncing tell nobody. Phone now — {who}.{also}"
            )
        else:
            first = next(a for a in escalation.actions if a.tells_someone_who_can_act)
            self.notice.setText(
                f"Reached: <b>{html.escape(who_was_contacted(first, directory))}</b> at {first.at.astimezone():%H:%M}."
            )
        self.copy_now.setEnabled(self._best is not None)
        pathway = escalation.pathway
        met = self._workspace.escalations.criteria_labels(escalation)
        change = self._workspace.escalations.period_change(escalation, now)
        if change is None:
            period = f"<b>{escalation.period}</b> · {pathway.title} (version {pathway.version})"
        else:
            # The period now leads, so this line never disagrees with the status bar at a glance.
            kind = "welfare check" if escalation.kind.value == "welfare-check" else "escalation"
            started = "in hours" if escalation.period.period is Period.IN_HOURS else "out of hours"
            period = (
                f"<b>Now: {html.escape(str(change.now))} — it was {started} when this {kind} began</b> · "
                f"{pathway.title} (version {pathway.version})"
            )
        label = "Criteria met" if met else "Raised by"
        period += f"<br><b>{label}:</b> {html.escape('; '.join(met) or escalation.rationale)}"
        if met:
            period += f"<br><b>Why:</b> {html.escape(escalation.rationale)}"
        due = pathway.approval.review_due
        if due is not None and due < now.date():
            period += f" — <b>this pathway was due for review on {due:%d %b %Y}: tell your team lead</b>"
        if escalation.pathway_warning:
            period += f"<br><b>Warning:</b> {html.escape(escalation.pathway_warning)}"
        if escalation.pathway_notice:
            period += f"<br><b>{html.escape(escalation.pathway_notice)}</b>"
        if change is not None:
            period += f"<br><b>The period has changed.</b> {html.escape(change.describe())}"
        self.period.setText(period)
        self.flowchart.show_walk(pathway, escalation.walk)
        self.actions_model.show(escalation)
        self.actions_view.scrollToBottom()  # the row just recorded, not the oldest, is what the worker checks
        self._show_step(escalation, calls)
        self.steps_model.setStringList(step_list(escalation, calls))
        self.timescales.setText(
            "<b>Timescales</b><br>"
            + (
                "<br>".join(f"{html.escape(t.node.text)} — {t.describe(now)}" for t in escalation.timeliness())
                or "None yet on the path taken."
            )
        )
        kept = self.follow_due.dateTime()
        self.follow_due.blockSignals(True)
        self.follow_due.setDateTimeRange(to_qt(now), to_qt(now + MAX_FOLLOW_UP_AHEAD))
        # A due the worker chose and has not set yet stays; otherwise the one set, or a start not yet chosen.
        if self._due_chosen:
            self.follow_due.setDateTime(kept)
        else:
            self.follow_due.setDateTime(to_qt(escalation.follow_up_due or now + timedelta(hours=24)))
        self.follow_due.blockSignals(False)
        self._show_due_state()
        self.follow_owner.setText(escalation.follow_up_owner or "")
        if escalation.follow_up_done_at is not None:
            follow = (
                f"Follow-up done {escalation.follow_up_done_at.astimezone():%a %d %b %H:%M} by "
                f"{html.escape(escalation.follow_up_done_by or '')}: {html.escape(escalation.follow_up_outcome or '')}"
            )
        elif escalation.follow_up_due is not None:
            late = " — <b>overdue</b>" if escalation.follow_up_due < now else ""
            follow = f"Follow-up due {escalation.follow_up_due.astimezone():%a %d %b %H:%M}{late}, not done yet"
        else:
            follow = "No follow-up set yet."
        self.follow_state.setText(follow)
        # The form belongs to action steps only: a question is answered with its buttons, an end is
        # finished with the follow-up below.
        self.action_box.setVisible(escalation.is_open and escalation.walk.current.type is NodeType.ACTION)
        self.record_bar.setVisible(self.action_box.isVisibleTo(self))
        self.move_on_button.setVisible(escalation.walk.current.if_not_reached is not None)
        for control in (self.follow_due, self.follow_owner, self.set_follow_button, self.close_outcome):
            control.setEnabled(escalation.is_open)
        self.close_button.setEnabled(escalation.is_open)
        self.close_note.setEnabled(escalation.is_open)
        # A follow-up is done after closing too: it is work due until it is recorded (finding 6).
        can_finish = escalation.follow_up_due is not None and escalation.follow_up_done_at is None
        self.done_button.setEnabled(can_finish)
        self.done_outcome.setEnabled(can_finish)
        if self.action_box.isVisibleTo(self) and self._step_in_view != escalation.walk.current.id:
            # A new action step: its form, not the steps list above it, is what the worker needs now.
            self._step_in_view = escalation.walk.current.id
            QTimer.singleShot(0, self, self._bring_step_into_view)  # once the layout has placed the form
        self._drawn = self._form()  # what the worker has not changed since, a redraw may replace

    def _form_fields(self) -> dict[str, tuple[Callable[[], Any], Callable[[Any], object]]]:
        """Every field the worker types or chooses in, as (read, write)."""
        fields: dict[str, tuple[Callable[[], Any], Callable[[Any], object]]] = {
            "contact": (self.contact.currentText, self._choose_contact),
            "kind": (self.kind.currentIndex, self.kind.setCurrentIndex),
            "basis": (self.basis.currentText, self.basis.setCurrentText),
            "close_outcome": (self.close_outcome.currentIndex, self.close_outcome.setCurrentIndex),
            "at": (self.at.dateTime, self.at.setDateTime),  # setting it marks it edited, as typing does
            "follow_due": (self.follow_due.dateTime, self.follow_due.setDateTime),
        }
        for name in ("who", "outcome", "shared", "capacity", "follow_owner", "close_note", "done_outcome"):
            edit: QLineEdit = getattr(self, name)
            fields[name] = (edit.text, edit.setText)
        for name in ("reached", "consent_confirmed"):
            box: QCheckBox = getattr(self, name)
            fields[name] = (box.isChecked, box.setChecked)
        return fields

    _WHEN = ("at", "follow_due")

    def reject(self) -> None:
        """Escape: what is typed in the step's forms is not recorded yet, so it goes only when the worker says
        (a lock keeps it instead, and it comes back after unlocking)."""
        if self.typed_fields() and not self._discard_typed():
            return
        super().reject()

    def _discard_typed(self) -> bool:
        answer = QMessageBox.question(
            self,
            "Discard what you typed?",
            "What you typed for this step has not been recorded. Discard it and close the window? To keep it, "
            "choose Cancel, then record it (Ctrl+S).",
            QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        return answer == QMessageBox.StandardButton.Discard

    def typed_fields(self) -> dict[str, Any]:
        """What the worker changed in the forms since they were drawn, as JSON values (kept at a full lock)."""
        typed = {k: v for k, v in self._form().items() if v != self._drawn.get(k)}
        for name in self._WHEN:
            if name in typed:
                typed[name] = typed[name].toString(Qt.DateFormat.ISODateWithMs)
        return typed

    def restore_typed(self, fields: dict[str, Any], message: str) -> None:
        """Put back what was typed before a lock, and say so: it is not recorded yet."""
        writers = self._form_fields()
        for name, value in fields.items():
            if name not in writers:
                continue
            if name in self._WHEN:
                value = QDateTime.fromString(str(value), Qt.DateFormat.ISODateWithMs)
                if not value.isValid():
                    continue
            if name == "contact" and not self._choose_contact(str(value)):
                # Never a silent swap to the step's first offer: the next action would name someone not chosen.
                chosen = _service_and_number(str(value))
                message += f" The contact chosen before ({chosen}) is not offered at this step now: choose again."
                continue
            writers[name][1](value)
        self.arrived.setText(message if fields else "Reopened after unlocking, where you were.")
        self.arrived.setVisible(True)

    def _choose_contact(self, text: str) -> bool:
        """Choose the contact shown as ``text`` when the form was kept. What follows the service and number
        ("open now", "closed now — opens Tue 09:00") changes with the clock, so the same service and number is
        the same contact; False when it is not offered at the step now shown."""
        index = self.contact.findText(text)
        if index < 0:
            who = _service_and_number(text)
            index = next(
                (i for i in range(self.contact.count()) if _service_and_number(self.contact.itemText(i)) == who), -1
            )
        if index < 0:
            return False
        self.contact.setCurrentIndex(index)
        return True

    def _form(self) -> dict[str, Any]:
        return {name: read() for name, (read, _write) in self._form_fields().items()}

    def _stop_listening(self) -> None:
        """Closed: a change arriving later must not read a store that may be closing."""
        if self._listening:  # closed twice (a lock after a close): disconnected once
            self._listening = False
            self._ops.did_execute.disconnect(self._on_changes)

    def _on_changes(self, changes: OpChanges) -> None:
        """The change hook: an action or follow-up for this escalation saved elsewhere (another device's,
        arrived by sync) redraws the window; whatever the worker has typed or chosen in its forms stays."""
        if changes.initiator is self or not changes.changed & Changed.ESCALATIONS:
            return
        if not changes.touches(self.escalation.person_id) or self.saving.active:
            return  # a save under way redraws with everything recorded up to it once it lands
        updated = self._workspace.escalations.get(self.escalation.id)
        if updated.actions == self.escalation.actions:
            return  # nothing new for this escalation
        step = self.escalation.walk.current.id
        typed = {k: v for k, v in self._form().items() if v != self._drawn.get(k)}
        focus = QApplication.focusWidget()
        on_step = focus is not None and (
            self.action_box.isAncestorOf(focus)
            or self.record_bar.isAncestorOf(focus)
            or focus in self._answer_buttons()
        )
        self.refresh(updated)
        if on_step:
            # Hiding the action form hands the keyboard to the next field in the chain (the follow-up's Due),
            # which the worker never chose: the question now shown is where they are.
            self._focus_the_step(QApplication.focusWidget())
        writers = self._form_fields()
        for name, value in typed.items():
            writers[name][1](value)
        arrived = f"Updated at {self._workspace.clock.now().astimezone():%H:%M} with what was recorded elsewhere."
        if updated.walk.current.id != step:
            arrived += " The pathway has moved on to the step now shown: check what you typed still fits it."
        if typed:
            arrived += " What you had typed is kept."
        self.arrived.setText(arrived)
        self.arrived.setVisible(True)

    def _answer_buttons(self) -> list[QWidget]:
        items = (self.answers.itemAt(i) for i in range(self.answers.count()))
        return [w for item in items if item is not None and (w := item.widget()) is not None]

    def _focus_the_step(self, landed: QWidget | None) -> None:
        """After a sync moved the step on from under the keyboard: the question's first answer, once the new
        buttons are shown (they show on the next turn of the event loop). Left alone when the worker has put
        the keyboard somewhere else meanwhile, and when the step has no answers: an action form still shown
        keeps the field the worker was in."""

        def focus() -> None:
            now = QApplication.focusWidget()
            if now is not None and now is not landed and now.isVisible():
                return
            buttons = [b for b in self._answer_buttons() if b.isVisible()]
            if buttons:
                buttons[0].setFocus(Qt.FocusReason.OtherFocusReason)

        if self.action_box.isVisible() and landed is not None and self.action_box.isAncestorOf(landed):
            return  # still an action step: the worker stays in the form
        QTimer.singleShot(0, self, focus)

    def _show_step(self, escalation: Escalation, calls: list[CallNow]) -> None:
        node = escalation.walk.current
        while self.answers.count():
            item = self.answers.takeAt(0)
            if item is not None and item.widget() is not None:
                item.widget().deleteLater()
        self._show_step_text()
        if node.type is NodeType.QUESTION and escalation.is_open:
            used = set(self._fixed_mnemonics)
            for answer in node.answers:
                text = _with_mnemonic(answer.label, used)
                used.add(text[text.index("&") + 1].lower() if "&" in text else "")
                button = QPushButton(text)
                button.setAccessibleName(f"Answer {answer.label}")
                button.clicked.connect(lambda _=False, label=answer.label: self.answer(label))
                self.answers.addWidget(button)
        self.contact.clear()
        offers = [o for c in calls if c.node.id == node.id for o in c.offers] if node.type is NodeType.ACTION else []
        now = self._workspace.clock.now()
        for offer in offers:
            flags = f" — {offer.closed_words(now) or 'open now'}"
            if offer.caution:
                flags += f" — {offer.caution}"
            self.contact.addItem(f"{offer.entry.service}: {offer.entry.first_number}{flags}", offer.entry.id)
        routes, _warning = self._workspace.escalations.people_to_try(escalation) if escalation.is_open else ([], None)
        for route in routes:
            self.contact.addItem(_route_text(route, self._person_name), route)
        self.contact.addItem("Someone else (say who)", None)
        self.contact.setCurrentIndex(0)
        kind = ActionKind.PHONED if offers or routes else ActionKind.DONE
        self.kind.setCurrentIndex(list(WORKER_ACTIONS).index(kind))
        self._match_kind_to_route()
        self._kind_changed()
        self.reached.setChecked(False)
        for edit in (self.who, self.outcome, self.shared, self.capacity):
            edit.clear()
        self.basis.setCurrentIndex(0)
        self.consent_confirmed.setChecked(False)
        self._show_sharing_preferences()
        self.at.blockSignals(True)
        self.at.setDateTime(to_qt(self._workspace.clock.now()))
        self.at.blockSignals(False)
        self._at_edited = False

    def _show_step_text(self) -> None:
        """The current step, what to share and its time; re-said every minute (``step_timer``), so a window
        left open never says "Within 60 min" once that time has passed. Touches nothing typed."""
        escalation = self.escalation
        node = escalation.walk.current
        lines = [f"<b>{'Question' if node.type is NodeType.QUESTION else 'Now'}:</b> {html.escape(node.text)}"]
        if node.share:
            lines.append(f"<b>Share:</b> {html.escape(node.share)}")
        timing = next((t for t in escalation.timeliness() if t.node.id == node.id), None)
        if timing is not None:  # overdue, and by how long, once its time has passed
            lines.append(f"<b>{html.escape(timing.now_wording(self._workspace.clock.now()))}</b>")
        if not escalation.is_open:
            lines = [f"<b>Closed</b> — {escalation.outcome.label if escalation.outcome else ''}"]
        self.step.setText("<br>".join(lines))

    def _bring_step_into_view(self) -> None:
        """On a laptop screen the action form sat below the fold: scroll the panel to the current step with
        the form under it (at least down to "Record action"). The keyboard is left where it is: a combo box
        given focus unasked would take the wheel again."""
        if not self.action_box.isVisible():
            return
        panel = self.panel_scroll.widget()
        self.panel_scroll.verticalScrollBar().setValue(self.action_box.mapTo(panel, QPoint(0, 0)).y())

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self.action_box.isVisibleTo(self):
            QTimer.singleShot(0, self, self._bring_step_into_view)

    # -- acting -------------------------------------------------------------------------------------

    def _apply(
        self, what: str, change: Callable[[], tuple[Escalation, Changed]], then: Callable[[], None] | None = None
    ) -> None:
        """Save one change on the write queue; on failure say so (nothing typed is cleared), on success
        show the new state."""

        def applied(updated: Escalation) -> None:
            if then is not None:
                then()
            self._applied(updated)

        self.saving.run(what, change, persons=[self.escalation.person_id], succeeded=applied)

    def _applied(self, updated: Escalation) -> None:
        self.refresh(updated)
        self.changed.emit()

    def _due_was_set(self) -> None:
        self._due_chosen = False  # now the follow-up's own due, shown as set

    def answer(self, label: str) -> None:
        service, esc = self._workspace.escalations, self.escalation
        self._apply("Answer", lambda: service.answer(esc.id, esc.walk.current.id, label))

    def record_action(self, *, move_on: bool = False) -> None:
        """Record what was done here. Not reached: tried again at this step, unless ``move_on``."""
        contact_id, who = self._contact_choice()
        draft = ActionDraft(
            node_id=self.escalation.walk.current.id,
            kind=ActionKind(self.kind.currentData()),
            reached=self.reached.isChecked(),
            at=from_qt(self.at.dateTime()) if self._at_edited else None,  # untouched: the moment of recording
            contact_id=contact_id,
            contact_reached=who,
            outcome=self.outcome.text() or None,
            information_shared=self.shared.text() or None,
            sharing_basis=self.basis.currentText() or None,
            move_on=move_on and not self.reached.isChecked(),
            capacity_decision=self.capacity.text() or None,
            consent_confirmed=self.consent_confirmed.isChecked(),
        )
        service, esc_id = self._workspace.escalations, self.escalation.id
        self._apply("Action", lambda: service.record_action(esc_id, draft))

    def move_on(self) -> None:
        """Nobody reached here: take the pathway's route for that. An untouched form is no call, so only the
        decision is recorded; anything the worker filled in is recorded first as the attempt it describes."""
        if self.reached.isChecked() or self._action_form_touched():
            self.record_action(move_on=True)
            return
        service, esc = self._workspace.escalations, self.escalation
        at = from_qt(self.at.dateTime()) if self._at_edited else None
        self._apply("Not reached", lambda: service.move_on(esc.id, esc.walk.current.id, at))

    def _action_form_touched(self) -> bool:
        fields = ("contact", "kind", "who", "outcome", "shared", "basis", "capacity", "consent_confirmed")
        form = self._form()
        return any(form[name] != self._drawn.get(name) for name in fields)

    def _contact_choice(self) -> tuple[str | None, str | None]:
        """(directory id, who) for the contact chosen: a directory entry, one of the person's own routes (or
        someone they agreed may be contacted), or someone else named in Who. "Done" names nobody."""
        who = self.who.text().strip() or None
        if ActionKind(self.kind.currentData()) is ActionKind.DONE:
            return None, who
        data = self.contact.currentData()
        if isinstance(data, RecontactRoute):
            return None, who or _route_who(data, self._person_name)
        return data, who

    def _match_kind_to_route(self) -> None:
        """One of the person's routes chosen: "What you did" follows it (a visit is not a phone call)."""
        route = self.contact.currentData()
        if isinstance(route, RecontactRoute):
            kind = _ROUTE_KIND.get(route.channel.value, ActionKind.PHONED)
            self.kind.setCurrentIndex(list(WORKER_ACTIONS).index(kind))

    def _kind_changed(self) -> None:
        self.contact.setEnabled(ActionKind(self.kind.currentData()) is not ActionKind.DONE)
        self._show_sharing_preferences()

    def _save_key(self) -> None:
        """Ctrl+S records the action form showing, as "Record action" does; otherwise says what it does here."""
        if self.action_box.isVisible() and self.record_button.isEnabled():
            self.record_action()
            return
        node = self.escalation.walk.current
        if not self.escalation.is_open:
            said = "Ctrl+S records what you did at a step; this escalation is closed, so there is nothing to record."
        elif node.type is NodeType.QUESTION:
            said = "Ctrl+S records what you did at an action step; this step is a question: choose an answer."
        else:
            said = "Ctrl+S records what you did at an action step; set the follow-up and close with their buttons."
        self.arrived.setText(said)
        self.arrived.setVisible(True)

    def _mnemonics_in_use(self) -> set[str]:
        """The Alt+letters of the window's own controls (taken before any answer button exists)."""
        widgets: list[QPushButton | QCheckBox | QLabel] = [
            *self.findChildren(QPushButton),
            *self.findChildren(QCheckBox),
            *self.findChildren(QLabel),
        ]
        return {m.group(1).lower() for w in widgets if (m := re.search(r"&(\w)", w.text().replace("&&", "")))}

    def _show_sharing_preferences(self) -> None:
        contact_id, who = self._contact_choice()
        recipient = contact_id or who
        if recipient is None:
            self.sharing_prefs.setText("Sharing preferences: say who you are telling to see the person's choices.")
            return
        said = self._workspace.escalations.describe_preferences(self.escalation.person_id, recipient)
        self.sharing_prefs.setText(f"<b>Their sharing preferences:</b> {html.escape(said)}")

    def _due_edited(self) -> None:
        self._due_chosen = True
        self._show_due_state()

    def _show_due_state(self) -> None:
        if self._due_chosen:
            self.due_state.setText("Due: as you chose")
        elif self.escalation.follow_up_due is not None:
            self.due_state.setText("Due: as set (change it to set a new follow-up)")
        else:
            self.due_state.setText(FOLLOW_DUE_UNSET)

    def set_follow_up(self) -> None:
        if not self._due_chosen and self.escalation.follow_up_due is None:
            explain_failed_save(
                self,
                "Follow-up",
                InvalidInput("Follow-up due", "choose when the follow-up is due: none is chosen for you"),
            )
            self.follow_due.setFocus()
            return
        service, esc_id = self._workspace.escalations, self.escalation.id
        due, owner = from_qt(self.follow_due.dateTime()), self.follow_owner.text()
        self._apply("Follow-up", lambda: service.set_follow_up(esc_id, due, owner), then=self._due_was_set)

    def close_escalation(self) -> None:
        service, esc_id = self._workspace.escalations, self.escalation.id
        if self.close_outcome.currentIndex() < 0:
            explain_failed_save(self, "Closing", InvalidInput("Outcome", "choose what happened before closing"))
            self.close_outcome.setFocus()
            return
        outcome = EscalationOutcome(self.close_outcome.currentData())
        note = self.close_note.text()
        self._apply("Closing", lambda: service.close(esc_id, outcome, note))

    def follow_up_done(self) -> None:
        service, esc_id = self._workspace.escalations, self.escalation.id
        who = self.follow_owner.text() or self.escalation.follow_up_owner or ""
        outcome = self.done_outcome.text()
        self._apply("Follow-up done", lambda: service.follow_up_done(esc_id, who, outcome))

    def _on_time_edited(self) -> None:
        self._at_edited = True

    def _copy_best(self) -> None:
        if self._best is not None:
            copy_briefly(self._best.entry.first_number, feedback=self.copy_feedback)

    def _copy_selected(self) -> None:
        entry_id = self.contact.currentData()
        if isinstance(entry_id, RecontactRoute):
            copy_briefly(entry_id.value, feedback=self.copy_feedback)
            return
        entry = self._workspace.escalations.config.directory.get(entry_id) if entry_id else None
        if entry is not None:
            copy_briefly(entry.first_number, feedback=self.copy_feedback)


def _service_and_number(shown: str) -> str:
    """A Contact list entry without what follows its service and number ("open now", "closed now — opens …")."""
    return shown.split(" — ", 1)[0]
