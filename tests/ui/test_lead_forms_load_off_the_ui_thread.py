"""The lead's supervision and learning-review forms read the team's lists (workers, persons, escalations)
off the UI thread: a lead's laptop holds a whole team's records, and reading them on the UI thread froze the
window. While they are read the form says so and can be typed in; once read it is usable; a failed read
says what happened in words, keeps what was typed, and can be tried again."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from app.escalations import EscalationDraft
from app.lead_records import LeadFormChoices
from app.workspace import Workspace
from storage import models
from tests.app.test_write_path import as_team_lead
from ui.lead_dialogs import (
    CHOOSE_WORKER,
    LOADING,
    NOT_LOADED_YET,
    NOTHING_SAVED_YET,
    LearningReviewDialog,
    SupervisionDialog,
    _TeamForm,
)
from ui.operations import StoreOps

FORMS = [SupervisionDialog, LearningReviewDialog]


class _Held:
    """Wraps the workspace's read: records the thread it ran on and holds it until released."""

    def __init__(self, workspace: Workspace, *, fail_first: bool = False) -> None:
        self._read = workspace.lead_form_choices
        self.threads: list[threading.Thread] = []
        self.release = threading.Event()
        self._fail_first = fail_first

    def __call__(self) -> LeadFormChoices:
        self.threads.append(threading.current_thread())
        self.release.wait(10)
        if self._fail_first:
            self._fail_first = False
            raise OSError("disk I/O error")
        return self._read()


def _open(qtbot, workspace: Workspace, pool, form: type[_TeamForm]) -> _TeamForm:
    dialog = form(workspace, ops=StoreOps(pool))
    dialog._confirm_discard = lambda: True  # type: ignore[method-assign]  # a failed test never hangs on a question
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def _rationale(dialog: _TeamForm):  # the first free-text field each form has
    return dialog.rationale if isinstance(dialog, SupervisionDialog) else dialog.what_happened


@pytest.mark.parametrize("form", FORMS)
def test_the_team_is_read_off_the_ui_thread_and_typing_goes_on_meanwhile(
    qtbot, pool, workspace: Workspace, monkeypatch, form: type[_TeamForm]
) -> None:
    as_team_lead(workspace)
    held = _Held(workspace)
    monkeypatch.setattr(workspace, "lead_form_choices", held)
    dialog = _open(qtbot, workspace, pool, form)

    qtbot.waitUntil(lambda: bool(held.threads), timeout=10_000)
    assert held.threads[0] is not threading.main_thread(), "the team's lists were read on the UI thread"
    assert dialog.loading.isVisible() and dialog.loading.text() == LOADING
    assert not dialog.person.isEnabled() and dialog.person.count() == 0
    _rationale(dialog).setFocus()
    qtbot.keyClicks(_rationale(dialog), "Typed while the lists were read")
    dialog.save()  # Ctrl+S before the lists arrive: refused in words, nothing lost
    assert dialog.message.text() == NOT_LOADED_YET and dialog.isVisible()

    with qtbot.waitSignal(dialog.choices_loaded, timeout=10_000):
        held.release.set()
    assert not dialog.loading.isVisible() and dialog.person.isEnabled()
    persons = [dialog.person.itemText(i) for i in range(dialog.person.count())]
    assert persons == sorted(persons) and len(persons) == len(workspace.lead.team()[1])
    assert _rationale(dialog).toPlainText() == "Typed while the lists were read"
    assert dialog.focusWidget() is _rationale(dialog), "typing is not interrupted when the lists arrive"
    dialog._finished = True  # teardown must not stop at a "discard?" question


def test_once_loaded_the_supervision_is_usable_escalations_beside_each_person_and_saves(
    qtbot, pool, workspace: Workspace
) -> None:
    person_id = workspace.caseload.rows()[0].person_id
    esc, _ = workspace.escalations.start(EscalationDraft(person_id, ["sudden-deterioration"], "Not themselves"))
    as_team_lead(workspace)
    dialog = _open(qtbot, workspace, pool, SupervisionDialog)
    qtbot.waitUntil(lambda: dialog.choices is not None, timeout=10_000)
    assert isinstance(dialog, SupervisionDialog)
    assert dialog.worker.count() > 1 and dialog.worker.isEnabled()
    assert dialog.focusWidget() is dialog.worker, "the form opens at its first choice once the lists are read"
    dialog.worker.setCurrentIndex(1)

    # findData compares Python objects by identity: look for an equal id instead.
    row = next(i for i in range(dialog.person.count()) if dialog.person.itemData(i) == person_id)
    dialog.person.setCurrentIndex(row)
    assert dialog.escalations.count() == 1 and "why: Not themselves" in dialog.escalations.item(0).text()
    dialog.escalations.item(0).setCheckState(Qt.CheckState.Checked)
    qtbot.keyClicks(dialog.rationale, "Escalated in time: criteria met and written down.")
    with qtbot.waitSignal(dialog.accepted, timeout=10_000):
        dialog.save()
    with workspace.store.sessions() as session:
        row = session.scalars(select(models.Supervision).where(models.Supervision.person_id == person_id)).one()
    assert [str(e) for e in row.escalations_discussed] == [str(esc.id)]


@pytest.mark.parametrize("form", FORMS)
def test_a_failed_read_says_so_keeps_the_typing_and_can_be_tried_again(
    qtbot, pool, workspace: Workspace, monkeypatch, form: type[_TeamForm]
) -> None:
    as_team_lead(workspace)
    held = _Held(workspace, fail_first=True)
    held.release.set()
    monkeypatch.setattr(workspace, "lead_form_choices", held)
    dialog = _open(qtbot, workspace, pool, form)
    qtbot.keyClicks(_rationale(dialog), "Kept whatever happens")

    qtbot.waitUntil(dialog.try_again.isVisible, timeout=10_000)
    words = dialog.loading.text()
    assert "could not be read" in words and "Nothing you typed is lost" in words and "Try again" in words
    assert "OSError" not in words and not dialog.person.isEnabled()

    with qtbot.waitSignal(dialog.choices_loaded, timeout=10_000):
        dialog.try_again.click()
    assert dialog.person.count() > 0 and dialog.person.isEnabled() and not dialog.try_again.isVisible()
    assert _rationale(dialog).toPlainText() == "Kept whatever happens"
    assert all(t is not threading.main_thread() for t in held.threads) and len(held.threads) == 2
    dialog._finished = True


def test_lists_read_after_the_form_was_closed_are_not_put_on_it(qtbot, pool, workspace: Workspace, monkeypatch) -> None:
    as_team_lead(workspace)
    held = _Held(workspace)
    monkeypatch.setattr(workspace, "lead_form_choices", held)
    dialog = _open(qtbot, workspace, pool, LearningReviewDialog)
    qtbot.waitUntil(lambda: bool(held.threads), timeout=10_000)
    dialog.done(0)  # what a lock does
    held.release.set()
    qtbot.waitUntil(lambda: dialog._task is None, timeout=10_000)
    assert dialog.person.count() == 0 and dialog.choices is None


def _index_of(combo, data) -> int:  # type: ignore[no-untyped-def]
    return next(i for i in range(combo.count()) if combo.itemData(i) == data)


def test_no_worker_is_chosen_for_the_lead_and_saving_without_one_says_so_keeping_everything(
    qtbot, pool, workspace: Workspace
) -> None:
    as_team_lead(workspace)
    dialog = _open(qtbot, workspace, pool, SupervisionDialog)
    qtbot.waitUntil(lambda: dialog.choices is not None, timeout=10_000)
    assert isinstance(dialog, SupervisionDialog)
    assert dialog.worker.currentText() == CHOOSE_WORKER and dialog.worker.currentData() is None
    qtbot.keyClicks(dialog.rationale, "Agreed more contact instead of escalating.")
    qtbot.keyClick(dialog, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert dialog.message.text().startswith("Choose the worker supervised first")
    assert NOTHING_SAVED_YET in dialog.message.text() and dialog.isVisible()
    assert dialog.focusWidget() is dialog.worker
    assert dialog.rationale.toPlainText() == "Agreed more contact instead of escalating."
    with workspace.store.sessions() as session:
        assert session.scalars(select(models.Supervision)).first() is None
    dialog._finished = True


def test_a_person_with_no_escalations_says_so_rather_than_an_empty_box(qtbot, pool, workspace: Workspace) -> None:
    as_team_lead(workspace)
    dialog = _open(qtbot, workspace, pool, SupervisionDialog)
    qtbot.waitUntil(lambda: dialog.choices is not None, timeout=10_000)
    assert isinstance(dialog, SupervisionDialog) and dialog.choices is not None
    choices = dialog.choices
    none = next(pid for pid, _ in choices.persons if not choices.escalations_of(pid))
    dialog.person.setCurrentIndex(_index_of(dialog.person, none))
    assert dialog.escalations.count() == 1
    item = dialog.escalations.item(0)
    assert item.text() == f"No escalations or welfare checks for {dialog.person.currentText()} on this laptop."
    assert not item.flags() & Qt.ItemFlag.ItemIsUserCheckable and dialog._ticked() == []


def test_tab_goes_through_the_supervision_in_the_order_it_is_talked_through(qtbot, pool, workspace: Workspace) -> None:
    as_team_lead(workspace)
    dialog = _open(qtbot, workspace, pool, SupervisionDialog)
    qtbot.waitUntil(lambda: dialog.choices is not None, timeout=10_000)
    assert isinstance(dialog, SupervisionDialog)
    dialog.activateWindow()
    dialog.worker.setFocus()
    seen = [dialog.focusWidget()]
    for _ in range(14):
        dialog.focusNextChild()
        seen.append(dialog.focusWidget())
    wanted = [dialog.worker, dialog.person, dialog.escalations, dialog.rationale, dialog.actions.what,
              dialog.add_person, dialog.discussed_list]  # fmt: skip
    at = [seen.index(w) for w in wanted]
    assert at == sorted(at), [type(w).__name__ for w in seen]


def test_the_learning_review_shows_the_chosen_escalation_whole(qtbot, pool, workspace: Workspace) -> None:
    person_id = workspace.caseload.rows()[0].person_id
    why = "Not themselves; would not say where they were going; sister worried; no answer at the door since Monday"
    workspace.escalations.start(EscalationDraft(person_id, ["sudden-deterioration"], why))
    as_team_lead(workspace)
    dialog = _open(qtbot, workspace, pool, LearningReviewDialog)
    qtbot.waitUntil(lambda: dialog.choices is not None, timeout=10_000)
    assert isinstance(dialog, LearningReviewDialog)
    dialog.person.setCurrentIndex(_index_of(dialog.person, person_id))
    assert not dialog.escalation_text.isVisible(), "an incident has no escalation to show"
    dialog.escalation.setCurrentIndex(1)
    assert dialog.escalation.currentText().endswith("…"), "the line is too long for the box"
    assert dialog.escalation_text.isVisible() and dialog.escalation_text.text().endswith(f"why: {why}")
