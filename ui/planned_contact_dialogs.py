"""Plan a contact, reschedule or cancel one with a reason, increase contact every N days until a date, and
end an increase early. Each saves a new record through ``app.planned_contacts``; nothing is edited in place.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, datetime, time, timedelta

from PySide6.QtCore import QDate, QDateTime, QTime, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDateTimeEdit,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from app.changes import Changed
from app.contact_notes import ContactMethod
from app.hours import LONDON
from app.planned_contacts import (
    MAX_EVERY_DAYS,
    PLANNED_METHODS,
    ContactPlan,
    ContactPlanDraft,
    PlannedContact,
    PlannedContactDraft,
    plan_dates,
)
from app.workspace import Workspace
from ui.display_text import escape
from ui.note_dialog import from_qt, to_qt
from ui.operations import StoreOps
from ui.text_limits import limit_line
from ui.time_entry import TIME_FIRST
from ui.typed_dialog import TypedDialog

METHOD_LABELS = {
    ContactMethod.HOME_VISIT: "Home visit",
    ContactMethod.FACE_TO_FACE: "Face to face (elsewhere)",
    ContactMethod.PHONE: "Phone call",
    ContactMethod.VIDEO: "Video call",
}


def method_label(method: str) -> str:
    try:
        return METHOD_LABELS.get(ContactMethod(method), method)
    except ValueError:
        return method


def when_text(contact: PlannedContact) -> str:
    start = contact.due_at.astimezone()
    if contact.window_end is None:
        return f"{start:%a %d %b %H:%M}"
    end = contact.window_end.astimezone()
    return (
        f"{start:%a %d %b %H:%M}–{end:%H:%M}"
        if end.date() == start.date()
        else f"{start:%a %d %b %H:%M}–{end:%a %d %b %H:%M}"
    )


def _method_box(selected: ContactMethod) -> QComboBox:
    box = QComboBox()
    box.setAccessibleName("Kind of contact")
    for method in PLANNED_METHODS:
        box.addItem(METHOD_LABELS[method], method)
    box.setCurrentIndex(max(0, box.findData(selected)))
    return box


def _line(name: str, text: str = "", placeholder: str = "") -> QLineEdit:
    edit = QLineEdit(text)
    edit.setAccessibleName(name)
    edit.setPlaceholderText(placeholder)
    limit_line(edit)
    return edit


def _buttons(dialog: TypedDialog, save_text: str) -> QWidget:
    """The save progress and the buttons, which are held while a save runs."""
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
    save = buttons.button(QDialogButtonBox.StandardButton.Save)
    save.setText(save_text)
    buttons.accepted.connect(dialog.save)
    buttons.rejected.connect(dialog.reject)
    dialog.saving.hold(buttons)
    footer = QWidget()
    box = QVBoxLayout(footer)
    box.setContentsMargins(0, 0, 0, 0)
    box.addWidget(dialog.saving.label)
    box.addWidget(buttons)
    return footer


class _ScheduleDialog(TypedDialog):
    """A planned-contact form: saved on the store's write queue, closing once the save has landed."""

    saved = Signal(object)

    def _save(self, what: str, work: Callable[[], tuple[object, Changed]], person_id: uuid.UUID) -> None:
        self.saving.run(what, work, persons=[person_id], succeeded=self._done)

    def _done(self, result: object) -> None:
        self.saved.emit(result)
        self.accept()


class PlanContactDialog(_ScheduleDialog):
    """Plan a contact, or (given ``reschedule``) move one to a new time with a written reason."""

    what = "This planned contact"

    def __init__(
        self,
        workspace: Workspace,
        person_id: uuid.UUID,
        person_name: str,
        parent: QWidget | None = None,
        *,
        ops: StoreOps,
        reschedule: PlannedContact | None = None,
        at: datetime | None = None,
        method: ContactMethod = ContactMethod.HOME_VISIT,
        purpose: str = "",
    ) -> None:
        super().__init__(ops, parent)
        self._workspace = workspace
        self._person_id = person_id
        self._reschedule = reschedule
        now = workspace.clock.now()
        if reschedule is not None:
            title = f"Reschedule a contact — {person_name}"
            method = ContactMethod(reschedule.method)
            purpose = reschedule.purpose
            start = max(reschedule.due_at, now) + timedelta(days=1)
        else:
            title = f"Plan a contact — {person_name}"
            start = at or (now + timedelta(days=1)).astimezone(LONDON).replace(hour=10, minute=0, second=0)
        self.setWindowTitle(title)
        self.setMinimumWidth(520)
        self.when = QDateTimeEdit(to_qt(start), calendarPopup=True)
        self.when.setAccessibleName("When")
        self.when.setDisplayFormat(TIME_FIRST)
        self.window = QCheckBox("A window: any time until")
        self.window.setAccessibleName("Plan a window instead of a time")
        self.window_end = QTimeEdit(QTime(17, 0))
        self.window_end.setAccessibleName("Window ends at")
        self.window_end.setDisplayFormat("HH:mm")
        self.window_end.setEnabled(False)
        self.window.toggled.connect(self.window_end.setEnabled)
        if reschedule is not None and reschedule.window_end is not None:
            self.window.setChecked(True)
            self.window_end.setTime(to_qt(reschedule.window_end).time())
        window_row = QWidget()
        row = QVBoxLayout(window_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.window)
        row.addWidget(self.window_end)
        self.method = _method_box(method)
        self.with_whom = _line(
            "With whom", reschedule.with_whom if reschedule else "", "The person; anyone else there (optional)"
        )
        self.purpose = _line("Purpose", purpose, "What the contact is for, e.g. check in after the review")
        self.reason = _line("Why it is rescheduled", "", "Required: e.g. Sam asked for the afternoon")
        form = QFormLayout()
        if reschedule is not None:
            form.addRow(
                QLabel(f"Now planned: <b>{escape(when_text(reschedule))}</b>, {method_label(reschedule.method)}")
            )
        form.addRow("&When", self.when)
        form.addRow("", window_row)
        form.addRow("&Kind", self.method)
        form.addRow("With &whom", self.with_whom)
        form.addRow("&Purpose", self.purpose)
        if reschedule is not None:
            form.addRow("&Reason", self.reason)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(_buttons(self, "Reschedule" if reschedule else "Plan contact"))

    def typed_text(self) -> list[str]:
        return [self.with_whom.text(), self.reason.text()]

    def window_closes(self) -> datetime | None:
        if not self.window.isChecked():
            return None
        start = self.when.dateTime()
        return from_qt(QDateTime(start.date(), self.window_end.time()))

    def save(self) -> None:
        planned = self._workspace.planned
        due, closes = from_qt(self.when.dateTime()), self.window_closes()
        if self._reschedule is not None:
            moved, reason = self._reschedule.id, self.reason.text()
            self._save("Planned contact", lambda: planned.reschedule(moved, due, reason, closes), self._person_id)
            return
        draft = PlannedContactDraft(
            self._person_id,
            due,
            ContactMethod(self.method.currentData()),
            self.purpose.text(),
            self.with_whom.text(),
            closes,
        )
        self._save("Planned contact", lambda: planned.plan(draft), self._person_id)


class CancelContactDialog(_ScheduleDialog):
    what = "This cancellation"

    def __init__(
        self,
        workspace: Workspace,
        contact: PlannedContact,
        person_name: str,
        parent: QWidget | None = None,
        *,
        ops: StoreOps,
    ) -> None:
        super().__init__(ops, parent)
        self._workspace = workspace
        self._contact = contact
        self.setWindowTitle(f"Cancel a planned contact — {person_name}")
        self.setMinimumWidth(520)
        others = [c for c in workspace.planned.for_person(contact.person_id).upcoming if c.id != contact.id]
        text = f"Cancel the {method_label(contact.method).lower()} of <b>{escape(when_text(contact))}</b>?"
        if not others:
            # HAZ-29: a cancelled contact must not quietly leave nobody planned to see the person.
            text += (
                f"<p><b>It is the only contact planned with {escape(person_name)}.</b> After cancelling it, "
                "nobody is planned to see them: plan the next contact too (Ctrl+T).</p>"
            )
        self.message = QLabel(text)
        self.message.setWordWrap(True)
        self.message.setObjectName("cancel_message")
        self.reason = _line("Why it is cancelled", "", "Required: e.g. Sam is in hospital this week")
        form = QFormLayout()
        form.addRow(self.message)
        form.addRow("&Reason", self.reason)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(_buttons(self, "Cancel the contact"))

    def typed_text(self) -> list[str]:
        return [self.reason.text()]

    def save(self) -> None:
        planned, contact_id, reason = self._workspace.planned, self._contact.id, self.reason.text()
        self._save("Cancellation", lambda: planned.cancel(contact_id, reason), self._contact.person_id)


class IncreaseContactDialog(_ScheduleDialog):
    """ "Increase contact: every N days until a date": the contacts it will plan are listed before saving."""

    what = "This increase in contact"

    def __init__(
        self,
        workspace: Workspace,
        person_id: uuid.UUID,
        person_name: str,
        parent: QWidget | None = None,
        *,
        ops: StoreOps,
        reason: str = "",
    ) -> None:
        super().__init__(ops, parent)
        self._workspace = workspace
        self._person_id = person_id
        self.setWindowTitle(f"Increase contact — {person_name}")
        self.setMinimumWidth(560)
        today = workspace.clock.now().astimezone(LONDON).date()
        days = workspace.missed_contacts.policy.increased_contact_days
        self.every = QSpinBox(minimum=1, maximum=MAX_EVERY_DAYS, value=2, suffix=" days")
        self.every.setAccessibleName("Every")
        self.starts = QDateEdit(QDate(today + timedelta(days=1)), calendarPopup=True)
        self.starts.setAccessibleName("From")
        self.until = QDateEdit(QDate(today + timedelta(days=days)), calendarPopup=True)
        self.until.setAccessibleName("Until")
        for edit in (self.starts, self.until):
            edit.setDisplayFormat("ddd d MMM yyyy")
        self.at = QTimeEdit(QTime(10, 0))
        self.at.setAccessibleName("At")
        self.at.setDisplayFormat("HH:mm")
        self.method = _method_box(ContactMethod.PHONE)
        self.purpose = _line("Purpose", "Increased contact", "What each contact is for")
        self.reason = _line(
            "Why contact is increased", reason, "Required: e.g. contact re-established after two misses"
        )
        self.preview = QLabel()
        self.preview.setObjectName("increase_preview")
        self.preview.setWordWrap(True)
        for signal in (self.every.valueChanged, self.starts.dateChanged, self.until.dateChanged, self.at.timeChanged):
            signal.connect(self._show_preview)
        form = QFormLayout()
        form.addRow(QLabel(f"Plan extra contacts with <b>{escape(person_name)}</b> for a defined period, then review."))
        form.addRow("&Every", self.every)
        form.addRow("&From", self.starts)
        form.addRow("&Until", self.until)
        form.addRow("&At", self.at)
        form.addRow("&Kind", self.method)
        form.addRow("&Purpose", self.purpose)
        form.addRow("&Reason", self.reason)
        form.addRow(self.preview)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(_buttons(self, "Increase contact"))
        self._show_preview()

    def dates(self) -> list[date]:
        starts, until = self.starts.date().toPython(), self.until.date().toPython()
        at = self.at.time().toPython()
        now = self._workspace.clock.now()
        return [d for d in plan_dates(starts, until, self.every.value()) if datetime.combine(d, at, LONDON) > now]

    def _show_preview(self) -> None:
        dates = self.dates()
        if not dates:
            self.preview.setText("No contact would be planned: check the dates.")
            return
        listed = ", ".join(f"{d:%a %d %b}" for d in dates[:8]) + (", …" if len(dates) > 8 else "")
        self.preview.setText(
            f"Plans <b>{len(dates)} contact{'s' if len(dates) != 1 else ''}</b> at {self.at.time().toString('HH:mm')}: "
            f"{listed}. The plan can be ended early, with a reason."
        )

    def typed_text(self) -> list[str]:
        return [self.reason.text()]

    def save(self) -> None:
        at: time = self.at.time().toPython()
        draft = ContactPlanDraft(
            self._person_id,
            self.every.value(),
            self.starts.date().toPython(),
            self.until.date().toPython(),
            at,
            ContactMethod(self.method.currentData()),
            self.reason.text(),
            self.purpose.text(),
        )
        planned = self._workspace.planned
        self._save("Increased contact", lambda: planned.increase(draft), self._person_id)


class EndPlanDialog(_ScheduleDialog):
    what = "Ending this increase in contact"

    def __init__(
        self, workspace: Workspace, plan: ContactPlan, person_name: str, parent: QWidget | None = None, *, ops: StoreOps
    ) -> None:
        super().__init__(ops, parent)
        self._workspace = workspace
        self._plan = plan
        self.setWindowTitle(f"End increased contact early — {person_name}")
        self.setMinimumWidth(520)
        message = QLabel(
            f"Increased contact every {plan.every_days} days until <b>{plan.until:%a %d %b}</b>: its contacts still "
            "to come are cancelled. Contacts already missed stay as they are. Plan the next regular contact too."
        )
        message.setWordWrap(True)
        self.reason = _line("Why increased contact ends early", "", "Required: e.g. settled; back to weekly visits")
        form = QFormLayout()
        form.addRow(message)
        form.addRow("&Reason", self.reason)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(_buttons(self, "End it early"))

    def typed_text(self) -> list[str]:
        return [self.reason.text()]

    def save(self) -> None:
        planned, plan_id, reason = self._workspace.planned, self._plan.id, self.reason.text()
        self._save("Ending increased contact", lambda: planned.end_plan(plan_id, reason), self._plan.person_id)
