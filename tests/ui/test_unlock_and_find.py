"""J1 through the real widgets: unlock off the UI thread, type part of a name, the plan is on screen."""

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from app.workspace import Workspace
from tests.conftest import PASSPHRASE
from ui.main_window import MainWindow
from ui.unlock_dialog import UnlockDialog


def _dialog(qtbot, pool, demo_dir, clock):
    dialog = UnlockDialog(lambda p: Workspace.open(demo_dir, p, clock=clock), pool, first_run=False)
    qtbot.addWidget(dialog)
    return dialog


def test_unlock_then_type_then_enter_shows_the_safety_plan(qtbot, pool, demo_dir, clock) -> None:
    dialog = _dialog(qtbot, pool, demo_dir, clock)
    dialog.show()
    qtbot.keyClicks(dialog.passphrase, PASSPHRASE)
    with qtbot.waitSignal(dialog.unlocked, timeout=10_000) as opened:
        qtbot.keyClick(dialog.passphrase, Qt.Key.Key_Return)
    assert dialog.result() == QDialog.DialogCode.Accepted
    window = MainWindow(opened.args[0], pool)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.model.rowCount() > 0, timeout=10_000)
    target = window.model.row_at(4)
    qtbot.keyClicks(window.search_box, target.preferred_name.split()[-1][:5])
    assert 1 <= window.proxy.rowCount() < window.model.rowCount()
    qtbot.keyClick(window.search_box, Qt.Key.Key_Return)
    text = window.plan_view.toPlainText()
    assert "Step 1. Warning signs" in text and "Step 5. Professionals" in text
    assert window.proxy.index(0, 0).data() in text
    window.close()
    assert window.plan_view.toPlainText() == "" and window.model.rowCount() == 0


def test_wrong_passphrase_is_calm_clears_the_field_and_keeps_the_dialog_open(qtbot, pool, demo_dir, clock) -> None:
    dialog = _dialog(qtbot, pool, demo_dir, clock)
    dialog.show()
    qtbot.keyClicks(dialog.passphrase, "not my passphrase")
    qtbot.keyClick(dialog.passphrase, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "did not unlock" in dialog.message.text(), timeout=10_000)
    assert dialog.passphrase.text() == "" and dialog.passphrase.isEnabled()
    assert dialog.isVisible()


def test_a_corrected_note_shows_the_original_and_the_correction(qtbot, workspace, pool) -> None:
    from datetime import timedelta

    from app.contact_notes import AmendmentKind, ContactMethod, NoteDraft, Outcome
    from tests.conftest import NOW

    person = workspace.caseload.rows()[0].person_id
    note, _ = workspace.notes.record(
        NoteDraft(person, NOW - timedelta(hours=1), NOW, ContactMethod.PHONE, Outcome.SPOKEN_TO, "Sleeping 6 hours.")
    )
    workspace.notes.amend(note.id, AmendmentKind.CORRECTION, "Misheard on the call", "Sleeping 4 hours.")
    window = MainWindow(workspace, pool)
    qtbot.addWidget(window)
    window.open_person(person)
    text = window.plan_view.toPlainText()
    assert "Sleeping 6 hours." in text and "Correction" in text and "Sleeping 4 hours." in text
    assert "Reason: Misheard on the call" in text
