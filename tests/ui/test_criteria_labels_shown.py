"""Escalation criteria in the person view, the escalation window and the lead's dialogs: the organisation's
approved wording, never the code; a code the organisation no longer has is shown as the code, marked."""

import html

from app.escalations import NO_LONGER_A_CRITERION, EscalationDraft
from tests.app.test_criteria_labels import SUDDEN, withdraw
from tests.app.test_write_path import as_team_lead
from tests.ui.test_journeys import _open
from ui.lead_dialogs import LearningReviewDialog, SupervisionDialog
from ui.operations import StoreOps

LOSS = "Loss of contact with a person who has current safety concerns"


def _index(combo, data) -> int:
    return next(i for i in range(combo.count()) if combo.itemData(i) == data)


def test_the_person_view_and_the_escalation_window_show_the_wording(qtbot, window, workspace, monkeypatch) -> None:
    person = _open(qtbot, window)
    esc, _ = workspace.escalations.start(
        EscalationDraft(person.id, ["sudden-deterioration", "loss-of-contact"], "Not themselves")
    )
    window.person_panel.refresh()
    history = window.person_panel.escalations_view.toPlainText()
    assert f"Criteria met: {SUDDEN}; {LOSS}" in history
    assert "sudden-deterioration" not in history and "loss-of-contact" not in history
    view = window.person_panel.open_escalation(esc)
    assert f"{SUDDEN}; {LOSS}" in view.period.text() and "sudden-deterioration" not in view.period.text()

    withdraw(monkeypatch, workspace, "loss-of-contact")
    window.person_panel.refresh()
    qtbot.waitUntil(lambda: "loss-of-contact" in window.person_panel.escalations_view.toPlainText())
    assert f"{SUDDEN}; loss-of-contact ({NO_LONGER_A_CRITERION})" in window.person_panel.escalations_view.toPlainText()
    view.refresh(workspace.escalations.get(esc.id))
    assert f"loss-of-contact ({NO_LONGER_A_CRITERION})" in html.unescape(view.period.text())


def test_the_leads_supervision_and_learning_review_dialogs_show_the_wording(qtbot, workspace, pool) -> None:
    person_id = workspace.caseload.rows()[0].person_id
    workspace.escalations.start(EscalationDraft(person_id, ["sudden-deterioration"], "Not themselves"))
    as_team_lead(workspace)
    supervision = SupervisionDialog(workspace, ops=StoreOps(pool))
    qtbot.addWidget(supervision)
    qtbot.waitUntil(lambda: supervision.choices is not None, timeout=10_000)
    supervision.person.setCurrentIndex(_index(supervision.person, person_id))
    lines = [supervision.escalations.item(i).text() for i in range(supervision.escalations.count())]
    assert any(f"Escalation — criteria: {SUDDEN} — why: Not themselves" in line for line in lines), lines
    assert not any("sudden-deterioration" in line or "escalation —" in line for line in lines)
    learning = LearningReviewDialog(workspace, ops=StoreOps(pool))
    qtbot.addWidget(learning)
    qtbot.waitUntil(lambda: learning.choices is not None, timeout=10_000)
    learning.person.setCurrentIndex(_index(learning.person, person_id))
    shown = [learning.escalation.itemText(i) for i in range(learning.escalation.count())]
    assert any(f"criteria: {SUDDEN}" in line for line in shown), shown
    assert not any("sudden-deterioration" in line for line in shown)
    supervision._finished = learning._finished = True  # teardown must not stop at a "discard?" question
