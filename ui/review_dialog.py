"""Record a safety review at a trigger point (J5): explore, map, act and plan. Append-only once saved."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from PySide6.QtCore import QDate, QSize, QTime, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QScrollArea,
    QSpinBox,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from app.changes import Changed
from app.contact_notes import ContactMethod
from app.form_drafts import FormKind
from app.hours import LONDON
from app.planned_contacts import MAX_EVERY_DAYS, PLANNED_METHODS, ContactPlanDraft, PlannedContactDraft
from app.safety_reviews import NextStep, ReviewDraft, TriggerPoint
from app.text_input import NOTE_MAX_CHARS
from app.workspace import Workspace
from ui.operations import StoreOps
from ui.planned_contact_dialogs import METHOD_LABELS
from ui.text_limits import limit_line, limit_text
from ui.typed_dialog import TypedDialog
from ui.window_fit import fit_to_screen


def _text(name: str, placeholder: str) -> QPlainTextEdit:
    edit = QPlainTextEdit()
    edit.setAccessibleName(name)
    edit.setPlaceholderText(placeholder)
    edit.setTabChangesFocus(True)
    edit.setMaximumHeight(72)
    limit_text(edit, NOTE_MAX_CHARS)
    return edit


class ReviewDialog(TypedDialog):
    what = "This safety review"
    form_kind = FormKind.SAFETY_REVIEW

    saved = Signal(object)  # SafetyReview

    def __init__(
        self,
        workspace: Workspace,
        person_id: uuid.UUID,
        person_name: str,
        trigger: TriggerPoint = TriggerPoint.CARE_PLAN_REVIEW,
        parent: QWidget | None = None,
        *,
        suggested_step: str = "",
        ops: StoreOps,
    ) -> None:
        super().__init__(ops, parent)
        self._workspace = workspace
        self._person_id = person_id
        self.setWindowTitle(f"Safety review — {person_name}")
        self.setMinimumWidth(640)
        self.trigger = QComboBox()
        self.trigger.setAccessibleName("Trigger point")
        for t in TriggerPoint:
            self.trigger.addItem(t.label, t)
        self.trigger.setCurrentIndex(list(TriggerPoint).index(trigger))
        self.what_changed = _text("What has changed", "Housing, relationships, substance use, medication…")
        self.account = _text("The person's account", "In their words")
        self.why = _text("Why it matters", "What it means for their safety, in your own words")
        self.concerns = _text("Current concerns", "")
        self.protective = _text("Protective factors and strengths", "")
        self.step_action = QLineEdit(suggested_step)  # a suggestion the worker can change or clear
        self.step_action.setAccessibleName("Next step")
        self.step_owner = QLineEdit()
        self.step_owner.setAccessibleName("Next step owner")
        today = workspace.clock.now().astimezone(LONDON).date()
        increase = trigger is TriggerPoint.MISSED_CONTACT and bool(suggested_step)
        days = workspace.missed_contacts.policy.increased_contact_days if increase else 7
        self.step_due = QDateEdit(QDate(today + timedelta(days=days)), calendarPopup=True)
        self.step_due.setAccessibleName("Next step due")
        self.step_due.setDisplayFormat("ddd d MMM yyyy")
        # What next can be scheduled here and now, so a follow-up agreed in the review is planned work, not
        # a line of text: one contact on the due date, or increased contact until it.
        self.follow_up = QComboBox()
        self.follow_up.setAccessibleName("Follow-up contact")
        self.follow_up.addItem("Don't plan a contact from this review", None)
        self.follow_up.addItem("Plan the follow-up contact on the due date", "one")
        self.follow_up.addItem("Increase contact until the due date", "increase")
        self.follow_up.setCurrentIndex(2 if increase else 0)
        self.follow_kind = QComboBox()
        self.follow_kind.setAccessibleName("Follow-up contact kind")
        for method in PLANNED_METHODS:
            self.follow_kind.addItem(METHOD_LABELS[method], method)
        kind = ContactMethod.PHONE if increase else ContactMethod.HOME_VISIT
        self.follow_kind.setCurrentIndex(self.follow_kind.findData(kind))
        self.follow_at = QTimeEdit(QTime(10, 0))
        self.follow_at.setAccessibleName("Follow-up contact time")
        self.follow_at.setDisplayFormat("HH:mm")
        self.follow_every = QSpinBox(minimum=1, maximum=MAX_EVERY_DAYS, value=2, prefix="every ", suffix=" days")
        self.follow_every.setAccessibleName("Increased contact every")
        follow_row = QWidget()
        row = QHBoxLayout(follow_row)
        row.setContentsMargins(0, 0, 0, 0)
        for w in (self.follow_kind, self.follow_at, self.follow_every):
            row.addWidget(w)
        self.follow_up.currentIndexChanged.connect(self._show_follow_up)
        self._show_follow_up()
        self.plan_reviewed = QCheckBox("The safety plan was reviewed with the person")
        self.plan_note = QLineEdit()
        self.plan_note.setAccessibleName("Plan review note")
        self.plan_note.setPlaceholderText("What changed in the plan, or why it was not reviewed (required then)")
        for line in (self.step_action, self.step_owner, self.plan_note):
            limit_line(line)

        explore, plan = QGroupBox("Explore"), QGroupBox("Act and plan")
        f1 = QFormLayout(explore)
        f1.addRow("&Trigger point", self.trigger)
        f1.addRow("What has &changed", self.what_changed)
        f1.addRow("The person's &account", self.account)
        f1.addRow("&Why it matters", self.why)
        f1.addRow("Current c&oncerns", self.concerns)
        f1.addRow("&Protective factors", self.protective)
        f2 = QFormLayout(plan)
        f2.addRow("&Next step", self.step_action)
        f2.addRow("Own&er", self.step_owner)
        f2.addRow("&Due", self.step_due)
        f2.addRow("&Follow-up contact", self.follow_up)
        f2.addRow("", follow_row)
        f2.addRow(self.plan_reviewed)
        f2.addRow("Plan &review note", self.plan_note)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        # On a small laptop the form scrolls; the buttons stay in view below it.
        content = QWidget()
        content_layout = QVBoxLayout(content)
        content_layout.setContentsMargins(0, 0, 0, 0)
        content_layout.addWidget(explore)
        content_layout.addWidget(plan)
        scroll = QScrollArea()
        scroll.setWidget(content)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setAccessibleName("Safety review form")
        layout = QVBoxLayout(self)
        layout.addWidget(scroll, 1)
        self.saving.hold(buttons)
        layout.addWidget(self.saving.label)
        layout.addWidget(buttons)
        wanted = content.sizeHint() + QSize(40, buttons.sizeHint().height() + 40)
        fit_to_screen(self, wanted.expandedTo(QSize(640, 0)))
        self.track_draft(workspace.forms, person_id)

    def _texts(self) -> dict[str, QPlainTextEdit]:
        return {
            "what_changed": self.what_changed, "account": self.account, "why": self.why,
            "concerns": self.concerns, "protective": self.protective,
        }  # fmt: skip

    def _lines(self) -> dict[str, QLineEdit]:
        return {"step_action": self.step_action, "step_owner": self.step_owner, "plan_note": self.plan_note}

    def draft_fields(self) -> dict[str, Any]:
        fields: dict[str, Any] = {k: e.toPlainText() for k, e in self._texts().items()}
        fields |= {k: e.text() for k, e in self._lines().items()}
        fields |= {
            "trigger": str(self.trigger.currentData()),
            "step_due": self.step_due.date().toPython().isoformat(),
            "plan_reviewed": self.plan_reviewed.isChecked(),
        }
        return fields

    def restore_fields(self, fields: dict[str, Any]) -> None:
        for key, edit in self._texts().items():
            edit.setPlainText(str(fields.get(key, "")))
        for key, line in self._lines().items():
            line.setText(str(fields.get(key, "")))
        if fields.get("trigger") in set(TriggerPoint):
            self.trigger.setCurrentIndex(list(TriggerPoint).index(TriggerPoint(fields["trigger"])))
        if fields.get("step_due"):
            self.step_due.setDate(QDate(date.fromisoformat(str(fields["step_due"]))))
        self.plan_reviewed.setChecked(bool(fields.get("plan_reviewed")))

    def typed_text(self) -> list[str]:
        texts = [e.toPlainText() for e in (self.what_changed, self.account, self.why, self.concerns, self.protective)]
        return [*texts, self.step_owner.text(), self.plan_note.text()]

    def save(self) -> None:
        steps = []
        if self.step_action.text().strip():
            owner = self.step_owner.text().strip() or "Me"
            steps.append(NextStep(self.step_action.text().strip(), owner, self.step_due.date().toPython()))
        draft = ReviewDraft(
            self._person_id,
            TriggerPoint(self.trigger.currentData()),
            self.what_changed.toPlainText(),
            self.account.toPlainText(),
            self.why.toPlainText(),
            self.concerns.toPlainText(),
            self.protective.toPlainText(),
            steps,
            self.plan_reviewed.isChecked(),
            self.plan_note.text(),
        )
        ws = self._workspace
        self._follow_action = steps[0].action if steps else ""
        self.saving.run(
            "Safety review", lambda: ws.reviews.record(draft), persons=[draft.person_id], succeeded=self._done
        )

    def _done(self, review: object) -> None:
        # The agreed follow-up is planned once the review has landed (on the UI thread, not yet queued).
        self._plan_follow_up(self._follow_action)
        self.saved.emit(review)
        self.accept()

    def _show_follow_up(self) -> None:
        choice = self.follow_up.currentData()
        for w in (self.follow_kind, self.follow_at):
            w.setEnabled(choice is not None)
        self.follow_every.setEnabled(choice == "increase")

    def _plan_follow_up(self, action: str) -> None:
        """After the review is saved: plan what it agreed. If that is refused, the review stays saved and
        the worker is told how to plan the contact by hand."""
        choice = self.follow_up.currentData()
        if choice is None:
            return
        due = self.step_due.date().toPython()
        at = self.follow_at.time().toPython()
        method = ContactMethod(self.follow_kind.currentData())
        purpose = action or "Follow-up agreed in the safety review"
        planned, person_id = self._workspace.planned, self._person_id
        work: Callable[[], tuple[object, Changed]]
        if choice == "one":
            contact = PlannedContactDraft(person_id, datetime.combine(due, at, LONDON), method, purpose)
            work = lambda: planned.plan(contact)  # noqa: E731
        else:
            today = self._workspace.clock.now().astimezone(LONDON).date()
            reason = f"Agreed in the safety review ({TriggerPoint(self.trigger.currentData()).label.lower()})"
            increase = ContactPlanDraft(person_id, self.follow_every.value(), today + timedelta(days=1), due, at,
                                        method, reason, purpose)  # fmt: skip
            work = lambda: planned.increase(increase)  # noqa: E731
        # On the write queue like the review before it; the dialog has closed by the time this answers.
        shown_on = self.parentWidget() or self

        def not_planned(exc: Exception) -> None:
            QMessageBox.warning(
                shown_on,
                "Follow-up contact not planned",
                f"The safety review is saved. The follow-up contact was not planned: {exc}\n\n"
                "Plan it from the person's Planned contacts tab (Ctrl+T).",
            )

        self._ops.run(work, persons=[person_id], failed=not_planned)
