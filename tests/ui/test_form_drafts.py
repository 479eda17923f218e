"""HAZ-16: what is typed in any clinical form survives a lock (Ctrl+L or idle) and a crash, and the form says
it was restored. Saving or discarding the form removes the kept draft."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from app.clock import FixedClock
from app.form_drafts import FormKind
from app.workspace import Workspace
from tests.conftest import NOW, PASSPHRASE
from tests.ui.form_typing import TYPED, TYPED_KINDS, form_of, has_what_was_typed, open_form, type_into
from tests.ui.saves import wait_saved
from ui.main_window import MainWindow

ROOT = Path(__file__).parents[2]
KINDS = [pytest.param(k, id=k.value) for k in TYPED_KINDS]


def _open_person(qtbot, window):
    name = window.model.row_at(0).preferred_name
    qtbot.keyClicks(window.search_box, name)
    qtbot.keyClick(window.search_box, Qt.Key.Key_Return)
    return window.person_panel.person


def _unlock(qtbot, window) -> None:
    qtbot.keyClicks(window.lock_screen.passphrase, PASSPHRASE)
    qtbot.keyClick(window.lock_screen.passphrase, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.workspace is not None and window.model.rowCount() > 0, timeout=60_000)


def _finish(dialog) -> None:
    dialog._finished = True  # teardown must not stop at a "discard?" question nobody answers


@pytest.mark.parametrize("kind", KINDS)
def test_typed_text_comes_back_after_ctrl_l_and_unlocking(qtbot, window, kind) -> None:
    person = _open_person(qtbot, window)
    dialog = open_form(window.person_panel, kind)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    type_into(dialog, kind)
    qtbot.keyClick(dialog, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert window.is_locked and window.workspace is None and not window.person_panel.dialogs

    _unlock(qtbot, window)
    assert window.person_panel.person is not None and window.person_panel.person.id == person.id
    back = form_of(window.person_panel, kind)
    _finish(back)
    assert has_what_was_typed(back, kind)
    assert back.restored_note.isVisibleTo(back)
    assert f"Restored what you were typing before the app locked at {NOW.astimezone():%H:%M}" in (
        back.restored_note.text()
    )


def test_the_idle_full_lock_keeps_what_was_typed_too(qtbot, window) -> None:
    _open_person(qtbot, window)
    dialog = open_form(window.person_panel, FormKind.SAFETY_REVIEW)
    type_into(dialog, FormKind.SAFETY_REVIEW)
    window.idle.full_lock.emit()  # what the idle timer sends after 15 minutes without use
    assert window.workspace is None
    _unlock(qtbot, window)
    back = form_of(window.person_panel, FormKind.SAFETY_REVIEW)
    _finish(back)
    assert has_what_was_typed(back, FormKind.SAFETY_REVIEW)


def test_what_is_typed_is_kept_a_moment_after_typing_stops(qtbot, window, workspace) -> None:
    person = _open_person(qtbot, window)
    dialog = open_form(window.person_panel, FormKind.ESCALATION_START)
    type_into(dialog, FormKind.ESCALATION_START)
    qtbot.waitUntil(lambda: workspace.forms.get(FormKind.ESCALATION_START, person.id) is not None, timeout=5_000)
    _finish(dialog)
    kept = workspace.forms.get(FormKind.ESCALATION_START, person.id)
    assert kept is not None and kept.fields["rationale"] == TYPED[FormKind.ESCALATION_START]
    assert not kept.kept_at_lock


def test_saving_the_form_removes_its_draft(qtbot, window, workspace) -> None:
    person = _open_person(qtbot, window)
    dialog = open_form(window.person_panel, FormKind.ESCALATION_START)
    type_into(dialog, FormKind.ESCALATION_START)
    assert dialog.keep_draft()
    assert workspace.forms.get(FormKind.ESCALATION_START, person.id) is not None
    dialog.start()
    wait_saved(qtbot, dialog)
    assert not dialog.isVisible()
    assert workspace.forms.for_person(person.id) == []


def test_discarding_on_purpose_removes_the_draft_and_cancelling_the_question_keeps_it(
    qtbot, window, workspace, monkeypatch
) -> None:
    person = _open_person(qtbot, window)
    dialog = open_form(window.person_panel, FormKind.SAFETY_PLAN)
    type_into(dialog, FormKind.SAFETY_PLAN)
    assert dialog.keep_draft()
    asked: list[str] = []

    def answer(button):
        return lambda _p, title, text, *a: asked.append(text) or button

    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.StandardButton.Cancel))
    dialog.reject()
    assert dialog.isVisible() and workspace.forms.get(FormKind.SAFETY_PLAN, person.id) is not None
    assert "The plan in force stays as it is." in asked[0], "the plan editor asks through ui/typed_dialog.py"
    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.StandardButton.Discard))
    dialog.reject()
    assert not dialog.isVisible() and workspace.forms.get(FormKind.SAFETY_PLAN, person.id) is None


def test_typed_text_in_every_form_comes_back_after_the_app_is_killed(qtbot, pool, demo_dir, tmp_path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    with subprocess.Popen(
        [sys.executable, "-m", "tests.ui.form_draft_child", str(demo_dir)],
        cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    ) as child:  # fmt: skip
        assert child.stdout is not None and child.stderr is not None
        try:
            line = child.stdout.readline()  # once the draft is in the store, never after a guessed wait
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait(timeout=30)
        assert line.strip() == "KEPT", child.stderr.read()
    ws = Workspace.open(demo_dir, PASSPHRASE, clock=FixedClock(NOW))  # after a crash: a stale lock, no quit
    window = MainWindow(ws, pool, settings_path=tmp_path / "window.ini")
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.model.rowCount() > 0, timeout=10_000)
    _open_person(qtbot, window)
    for kind in TYPED_KINDS:
        back = form_of(window.person_panel, kind)
        _finish(back)
        assert has_what_was_typed(back, kind), kind
        assert "before Waymark closed" in back.restored_note.text()
    window.close()


def test_a_form_draft_is_never_logged(qtbot, window, workspace, caplog, monkeypatch) -> None:
    caplog.set_level("DEBUG")
    person = _open_person(qtbot, window)
    dialog = open_form(window.person_panel, FormKind.AMENDMENT)
    type_into(dialog, FormKind.AMENDMENT)
    assert dialog.keep_draft()

    def failing_disk(*_a, **_k):
        raise OSError(f"disk full while writing {TYPED[FormKind.AMENDMENT]}")

    monkeypatch.setattr(workspace.forms, "keep", failing_disk)
    assert not dialog.keep_draft(at_lock=True)
    _finish(dialog)
    assert "could not be kept: OSError" in caplog.text
    assert TYPED[FormKind.AMENDMENT] not in caplog.text and person.preferred_name not in caplog.text
