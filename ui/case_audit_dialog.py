"""Case audit: draw a reproducible sample (the seed is shown and saved with each audit), pick a case, answer
the operating model's checklist. Cases are chosen by process events, never by anything about the person."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.case_audit import CHECKLIST, Answer, AnswerDraft, Case, Sample, new_seed
from app.form_drafts import FormKind
from app.workspace import Workspace
from ui.operations import StoreOps
from ui.save_errors import explain_failed_save
from ui.tasks import Task
from ui.typed_dialog import TypedDialog

_REASON = {"escalation": "escalation", "welfare_check": "welfare check", "missed_contact": "missed contact"}


class CaseAuditDialog(TypedDialog):
    what = "This case audit"
    form_kind = FormKind.CASE_AUDIT
    drawn = Signal()

    def __init__(
        self, workspace: Workspace, parent: QWidget | None = None, *, ops: StoreOps, form_id: uuid.UUID | None = None
    ) -> None:
        super().__init__(ops, parent)
        self.setWindowTitle("Case audit")
        self.setMinimumWidth(760)
        self._ws = workspace
        self.sample: Sample | None = None
        today = workspace.clock.now().date()
        self.period_from = QDate(today.year, today.month, today.day).addDays(-90)
        self.since = QDateEdit(self.period_from, calendarPopup=True, accessibleName="Period from")
        self.until = QDateEdit(
            QDate(today.year, today.month, today.day), calendarPopup=True, accessibleName="Period to"
        )
        self.size = QSpinBox(minimum=1, maximum=50, value=5, accessibleName="How many cases")
        self.seed = QLineEdit(str(new_seed()), accessibleName="Seed")
        draw = self.draw_button = QPushButton("&Draw sample")
        draw.clicked.connect(self.draw)
        self._task: Task | None = None
        top = QHBoxLayout()
        for label, widget in (("From", self.since), ("to", self.until), ("Cases", self.size), ("Seed", self.seed)):
            top.addWidget(QLabel(label))
            top.addWidget(widget)
        top.addWidget(draw)
        self.about = QLabel(wordWrap=True)
        self.cases = QListWidget(accessibleName="Sampled cases")
        self.cases.setMaximumHeight(120)
        grid = QGridLayout()
        self.answers: dict[str, tuple[QComboBox, QLineEdit]] = {}
        for row, (question_id, question) in enumerate(CHECKLIST):
            answer = QComboBox(accessibleName=question)
            for choice in Answer:
                answer.addItem(choice.label, choice)
            note = QLineEdit(placeholderText="What was missing (needed for No or Partly)", accessibleName="Note")
            grid.addWidget(QLabel(question, wordWrap=True), row, 0)
            grid.addWidget(answer, row, 1)
            grid.addWidget(note, row, 2)
            self.answers[question_id] = (answer, note)
        self.comment = QLineEdit(accessibleName="Comment", placeholderText="Comment (optional)")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Close)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        self.saving.hold(buttons)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.about)
        layout.addWidget(self.cases)
        layout.addLayout(grid)
        form = QFormLayout()
        form.addRow("Comment", self.comment)
        layout.addLayout(form)
        layout.addWidget(self.saving.label)
        layout.addWidget(buttons)
        self._case_after_draw: int | None = None
        self.track_draft(workspace.forms, None, form_id or uuid.uuid4())

    def draw(self) -> None:
        """Draw the sample and read the team's names off the UI thread: on a lead's laptop both read the
        whole team's records, and the window must not freeze while they do."""
        if self._task is not None:
            return
        try:
            seed = int(self.seed.text())
        except ValueError:
            self.about.setText("The seed must be a whole number.")
            return
        lead, size = self._ws.lead, self.size.value()
        since, until = self.since.date().toPython(), self.until.date().toPython()
        self.draw_button.setEnabled(False)
        self.about.setText("Drawing the sample from the team's records…")
        task = self._task = Task(lambda: (lead.draw_sample(since, until, size, seed), dict(lead.team()[1])))  # type: ignore[arg-type]
        task.outcome.succeeded.connect(self._on_drawn)
        task.outcome.failed.connect(self._on_draw_failed)
        self._ops.pool.start(task)

    def _on_draw_failed(self, exc: Exception) -> None:
        self._task = None
        self.draw_button.setEnabled(True)
        if self._finished:
            return
        if isinstance(exc, ValueError):
            self.about.setText(f"No sample was drawn: {exc}. Nothing you typed is lost; change it and draw again.")
            return
        self.about.setText("")
        explain_failed_save(self, "The sample", exc)

    def _on_drawn(self, drawn: tuple[Sample, dict[uuid.UUID, str]]) -> None:
        self._task = None
        self.draw_button.setEnabled(True)
        if self._finished:
            return  # closed or locked while it was drawn: nothing decrypted goes on a closed form
        self.sample, names = drawn
        self.cases.clear()
        for case in self.sample.cases:
            reasons = ", ".join(sorted({_REASON[e.reason.value] for e in case.events}))
            self.cases.addItem(f"{names.get(case.person_id, 'A person')} — {reasons}")
        if self.sample.cases:
            row, self._case_after_draw = self._case_after_draw or 0, None
            self.cases.setCurrentRow(row if row < len(self.sample.cases) else 0)
        self.about.setText(
            f"{len(self.sample.cases)} of {self.sample.eligible} cases with an escalation, welfare check or missed "
            f"contact in the period (seed {self.sample.seed}; {self.sample.own_excluded} of your own cases left out)."
        )
        self.drawn.emit()

    def done(self, result: int) -> None:
        # A lock closes the form with done(): a sample read after it must not be filled in.
        self._finished = True
        super().done(result)

    def draft_fields(self) -> dict[str, Any]:
        return {
            "since": self.since.date().toPython().isoformat(),
            "until": self.until.date().toPython().isoformat(),
            "size": self.size.value(),
            "seed": self.seed.text(),
            # The sample is drawn again from its seed (the same seed always draws the same cases).
            "drawn": self.sample is not None,
            "case": self.cases.currentRow(),
            "answers": {q: [str(a.currentData()), n.text()] for q, (a, n) in self.answers.items()},
            "comment": self.comment.text(),
        }

    def restore_fields(self, fields: dict[str, Any]) -> None:
        for key, edit in (("since", self.since), ("until", self.until)):
            if fields.get(key):
                edit.setDate(QDate(date.fromisoformat(str(fields[key]))))
        self.size.setValue(int(fields.get("size") or self.size.value()))
        self.seed.setText(str(fields.get("seed", self.seed.text())))
        for question, (answer, note) in self.answers.items():
            kept = fields.get("answers", {}).get(question)
            if kept:
                answer.setCurrentIndex(max(0, answer.findData(Answer(kept[0])) if kept[0] in set(Answer) else 0))
                note.setText(str(kept[1]))
        self.comment.setText(str(fields.get("comment", "")))
        if fields.get("drawn"):
            self._case_after_draw = int(fields.get("case") or 0)
            self.draw()

    def current_case(self) -> Case | None:
        row = self.cases.currentRow()
        return self.sample.cases[row] if self.sample is not None and 0 <= row < len(self.sample.cases) else None

    def typed_text(self) -> list[str]:
        return [self.comment.text(), *(note.text() for _a, note in self.answers.values())]

    def save(self) -> None:
        case = self.current_case()
        if self.sample is None or case is None:
            self.about.setText("Draw a sample and choose a case first.")
            return
        answers = [AnswerDraft(q, Answer(a.currentData()), n.text()) for q, (a, n) in self.answers.items()]
        lead, sample, comment = self._ws.lead, self.sample, self.comment.text()
        self.saving.run(
            "The case audit",
            lambda: lead.record_case_audit(sample, case, answers, comment),
            persons=[case.person_id],
            succeeded=self._saved,
        )

    def _saved(self, _audit: object) -> None:
        self.about.setText("Saved. Choose the next case in the sample, or close.")
        for answer, note in self.answers.values():
            answer.setCurrentIndex(0)
            note.clear()
        self.comment.clear()
