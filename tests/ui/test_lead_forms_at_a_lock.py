"""A team lead's half-written supervision, learning review or case audit at a full lock: the lock never
waits on a "Discard what you typed?" question, no decrypted text stays in a hidden form, and what was typed
is kept encrypted in the store and comes back after unlocking, saying it was restored and is not saved."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from app.clock import FixedClock
from app.form_drafts import FormKind
from app.workspace import Workspace
from resources.demo.lead import populate_lead
from tests.conftest import NOW, PASSPHRASE, TEST_KDF
from ui.case_audit_dialog import CaseAuditDialog
from ui.lead_dialogs import LearningReviewDialog, SupervisionDialog
from ui.main_window import MainWindow

RATIONALE = "Agreed not to escalate: no current intent, more contact instead"


@pytest.fixture
def lead_window(qtbot, pool, tmp_path: Path, monkeypatch) -> Iterator[MainWindow]:
    def asked(*_a: object, **_k: object) -> None:
        raise AssertionError("a lock asked a question")

    monkeypatch.setattr(QMessageBox, "question", asked)
    ws = Workspace.create(tmp_path / "lead", PASSPHRASE, kdf=TEST_KDF, clock=FixedClock(NOW))
    populate_lead(ws, persons=8, seed=3, now=NOW)
    win = MainWindow(ws, pool, settings_path=tmp_path / "window.ini")
    qtbot.addWidget(win)
    win.show()
    assert win.lead_desktop is not None
    qtbot.waitUntil(lambda: win.lead_desktop.model.rowCount() > 0, timeout=20_000)
    yield win
    for dialog in list(win.lead_desktop.dialogs if win.lead_desktop else []):
        dialog._finished = True  # teardown must not stop at a question nobody answers
    win.close()


def _unlock(qtbot, win: MainWindow) -> None:
    qtbot.keyClicks(win.lock_screen.passphrase, PASSPHRASE)
    qtbot.keyClick(win.lock_screen.passphrase, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: win.workspace is not None and win.lead_desktop.workspace is not None, timeout=60_000)


def _back(qtbot, win: MainWindow, kind: type) -> object:
    qtbot.waitUntil(lambda: any(isinstance(d, kind) for d in win.lead_desktop.dialogs), timeout=20_000)
    return next(d for d in win.lead_desktop.dialogs if isinstance(d, kind))


def test_a_half_written_supervision_is_kept_at_a_lock_and_comes_back_with_its_choices(qtbot, lead_window) -> None:
    win = lead_window
    dialog = win.lead_desktop.record_supervision()
    qtbot.waitUntil(lambda: dialog.choices is not None, timeout=20_000)
    worker = dialog.worker.findText("Sam Okafor")
    dialog.worker.setCurrentIndex(worker)
    dialog.person.setCurrentIndex(1)
    person = dialog.person.currentData()
    dialog.rationale.setPlainText(RATIONALE)
    qtbot.keyClicks(dialog.actions.what, "Visit twice this week")  # typed, not yet added

    win.lock_full()
    assert win.is_locked and win.workspace is None
    assert not dialog.isVisible() and not win.lead_desktop.dialogs, "no form holds decrypted text behind the lock"
    assert "What you were typing in 1 unsaved form is kept, encrypted on this laptop, and it opens again" in (
        win.lock_screen.message.text()
    )

    _unlock(qtbot, win)
    back = _back(qtbot, win, SupervisionDialog)
    assert back is not dialog
    qtbot.waitUntil(lambda: back.choices is not None, timeout=20_000)
    assert back.rationale.toPlainText() == RATIONALE and back.actions.what.text() == "Visit twice this week"
    assert back.worker.currentText() == "Sam Okafor" and back.person.currentData() == person
    assert back.restored_note.isVisibleTo(back)
    assert "Restored what you were typing before the app locked" in back.restored_note.text()
    assert "not saved yet" in back.restored_note.text()


def test_a_learning_review_and_a_case_audit_are_kept_at_a_lock_too(qtbot, lead_window) -> None:
    win = lead_window
    learning = win.lead_desktop.record_learning_review()
    qtbot.waitUntil(lambda: learning.choices is not None, timeout=20_000)
    learning.what_happened.setPlainText("Two visits missed; the welfare check was raised.")
    qtbot.keyClicks(learning.actions.owner, "Priya Natarajan")
    audit = win.lead_desktop.case_audit()
    audit.seed.setText("4242")
    with qtbot.waitSignal(audit.drawn, timeout=20_000):
        audit.draw()
    audit.comment.setText("Plan steps cited in every note")

    win.lock_full()
    assert not win.lead_desktop.dialogs

    _unlock(qtbot, win)
    back = _back(qtbot, win, LearningReviewDialog)
    assert back.what_happened.toPlainText() == "Two visits missed; the welfare check was raised."
    assert back.actions.owner.text() == "Priya Natarajan"
    audit_back = _back(qtbot, win, CaseAuditDialog)
    assert audit_back.comment.text() == "Plan steps cited in every note" and audit_back.seed.text() == "4242"
    qtbot.waitUntil(lambda: audit_back.sample is not None, timeout=20_000)  # drawn again from its seed
    assert audit_back.sample.seed == 4242


def test_saving_a_restored_form_removes_what_was_kept(qtbot, lead_window) -> None:
    win = lead_window
    dialog = win.lead_desktop.record_learning_review()
    qtbot.waitUntil(lambda: dialog.choices is not None, timeout=20_000)
    dialog.what_happened.setPlainText("An incident at the day centre.")
    win.lock_full()
    _unlock(qtbot, win)
    back = _back(qtbot, win, LearningReviewDialog)
    qtbot.waitUntil(lambda: back.choices is not None, timeout=20_000)
    assert win.workspace is not None and [d.kind for d in win.workspace.forms.for_team()] == [FormKind.LEARNING_REVIEW]
    with qtbot.waitSignal(back.accepted, timeout=20_000):
        back.save()
    assert win.workspace.forms.for_team() == []
