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
from ui.lead_dialogs import LOADING, NOT_LOADED_YET, LearningReviewDialog, SupervisionDialog, _TeamForm
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
    qtbot.keyClicks(_rationale(dialog), "Typed while the lists were read")
    dialog.save()  # Ctrl+S before the lists arrive: refused in words, nothing lost
    assert dialog.message.text() == NOT_LOADED_YET and dialog.isVisible()

    with qtbot.waitSignal(dialog.choices_loaded, timeout=10_000):
        held.release.set()
    assert not dialog.loading.isVisible() and dialog.person.isEnabled()
    persons = [dialog.person.itemText(i) for i in range(dialog.person.count())]
    assert persons == sorted(persons) and len(persons) == len(workspace.lead.team()[1])
    assert _rationale(dialog).toPlainText() == "Typed while the lists were read"
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
    assert dialog.worker.count() > 0 and dialog.worker.isEnabled()

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
