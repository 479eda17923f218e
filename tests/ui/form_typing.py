"""Typing into each form that keeps a form draft, and reading it back: shared by the lock tests and the
crash child (tests/ui/form_draft_child.py), which must type exactly what the tests then look for."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QUrl
from PySide6.QtTest import QTest

from app.form_drafts import FormKind
from app.safety_plans import Step
from ui.amend_dialog import AmendDialog
from ui.escalation_window import EscalationStartDialog
from ui.person_panel import PersonPanel
from ui.plan_editor import PlanEditor
from ui.review_dialog import ReviewDialog
from ui.typed_dialog import TypedDialog

TYPED = {
    FormKind.SAFETY_REVIEW: "Lost their job on Friday; sleeping badly",
    FormKind.SAFETY_PLAN: "Added the allotment, with them and Amy",
    FormKind.ESCALATION_START: "Said goodbye to their sister on the phone",
    FormKind.AMENDMENT: "The visit was at 15:00, not 14:00",
}
DIALOGS: dict[FormKind, type[TypedDialog]] = {
    FormKind.SAFETY_REVIEW: ReviewDialog,
    FormKind.SAFETY_PLAN: PlanEditor,
    FormKind.ESCALATION_START: EscalationStartDialog,
    FormKind.AMENDMENT: AmendDialog,
}
# The forms kept as they are typed. An escalation's window (FormKind.ESCALATION_STEP) is kept at a lock only:
# tests/ui/test_escalation_after_unlock.py.
TYPED_KINDS = tuple(DIALOGS)


def open_form(panel: PersonPanel, kind: FormKind) -> TypedDialog:
    assert panel.workspace is not None and panel.person is not None
    if kind is FormKind.SAFETY_REVIEW:
        panel.record_review()
    elif kind is FormKind.SAFETY_PLAN:
        panel.edit_plan()
    elif kind is FormKind.ESCALATION_START:
        panel.escalate()
    else:
        note = next(n for n in panel.workspace.notes.timeline(panel.person.id) if n.signed)
        panel.notes_view.anchorClicked.emit(QUrl(f"amend:{note.id}"))
    return form_of(panel, kind)


def form_of(panel: PersonPanel, kind: FormKind) -> TypedDialog:
    (dialog,) = [d for d in panel.dialogs if isinstance(d, DIALOGS[kind])]
    return dialog


def type_into(dialog: TypedDialog, kind: FormKind) -> None:
    """Type as a worker would (key by key), so the form's own change signals keep the draft."""
    text = TYPED[kind]
    if isinstance(dialog, ReviewDialog):
        QTest.keyClicks(dialog.what_changed, text)
        dialog.plan_reviewed.setChecked(True)
    elif isinstance(dialog, PlanEditor):
        model = dialog.section_models[Step.REASONS_FOR_LIVING]
        model.setData(model.index(model.add_row(), 0), "My allotment")
        QTest.keyClicks(dialog.present, "the person, their sister Amy")
        QTest.keyClicks(dialog.summary, text)
    elif isinstance(dialog, EscalationStartDialog):
        list(dialog.criteria.values())[1].setChecked(True)
        QTest.keyClicks(dialog.rationale, text)
    elif isinstance(dialog, AmendDialog):
        QTest.keyClicks(dialog.reason, "Wrong time")
        QTest.keyClicks(dialog.text, text)


def has_what_was_typed(dialog: TypedDialog, kind: FormKind) -> bool:
    text = TYPED[kind]
    checks: dict[type[TypedDialog], Callable[[], bool]] = {
        ReviewDialog: lambda: dialog.what_changed.toPlainText() == text and dialog.plan_reviewed.isChecked(),
        PlanEditor: lambda: (
            [i.text for i in dialog.section_models[Step.REASONS_FOR_LIVING].items()][-1] == "My allotment"
            and dialog.present.text() == "the person, their sister Amy"
            and dialog.summary.toPlainText() == text
        ),
        EscalationStartDialog: lambda: (
            dialog.rationale.toPlainText() == text
            and [c for c, box in dialog.criteria.items() if box.isChecked()] == [list(dialog.criteria)[1]]
        ),
        AmendDialog: lambda: dialog.reason.text() == "Wrong time" and dialog.text.toPlainText() == text,
    }
    return checks[type(dialog)]()
