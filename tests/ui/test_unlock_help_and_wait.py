"""The first unlock window helps like the lock screen, and a throttled wait is counted down before the
attempt (issue 11, items 12 and 13)."""

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from storage.errors import WrongPassphrase
from ui.lock_screen import LockScreen
from ui.main import show_unlock
from ui.unlock_dialog import UnlockDialog


def test_the_first_unlock_window_shows_the_national_and_local_crisis_numbers(qtbot, demo_dir) -> None:
    _app, pool, dialog, _warm = show_unlock(demo_dir)
    qtbot.addWidget(dialog)
    assert "999" in dialog.help.toPlainText(), "at once, before anything has loaded"
    assert pool.waitForDone(30_000)
    qtbot.waitUntil(lambda: "Moorland crisis" in dialog.help.toPlainText())
    text = dialog.help.toPlainText()
    assert "Samaritans" in text and "116 123" in text and "What to do" in text


class FakeWait:
    def __init__(self) -> None:
        self.left = 0.0

    def __call__(self) -> float:
        return self.left


def test_a_throttled_unlock_counts_down_before_the_attempt(qtbot, pool) -> None:
    wait = FakeWait()
    attempts: list[str] = []

    def opener(passphrase: str):
        attempts.append(passphrase)
        wait.left = 12.0  # the store's throttle after this failure
        raise WrongPassphrase("That passphrase did not unlock Waymark. Nothing has been changed.")

    dialog = UnlockDialog(opener, pool, first_run=False, seconds_to_wait=wait)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.passphrase, "wrong")
    qtbot.keyClick(dialog.passphrase, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "you can try again in 12 s" in dialog.message.text())
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert not ok.isEnabled() and dialog.passphrase.isEnabled(), "the worker may type the next one meanwhile"
    qtbot.keyClicks(dialog.passphrase, "the right one")
    qtbot.keyClick(dialog.passphrase, Qt.Key.Key_Return)
    assert attempts == ["wrong"], "no attempt is made (and made to wait) while the countdown runs"
    wait.left = 3.2
    qtbot.waitUntil(lambda: "in 4 s" in dialog.message.text())
    wait.left = 0.0
    qtbot.waitUntil(ok.isEnabled)
    assert "try again now" in dialog.message.text()


def test_the_lock_screen_counts_down_too(qtbot, pool) -> None:
    wait = FakeWait()

    def unlocker(_passphrase: str):
        wait.left = 8.0
        raise WrongPassphrase("That passphrase did not unlock Waymark. Nothing has been changed.")

    screen = LockScreen(pool, seconds_to_wait=wait)
    qtbot.addWidget(screen)
    screen.show()
    screen.show_locked("<p>help</p>", unlocker, "Locked.")
    qtbot.keyClicks(screen.passphrase, "wrong")
    qtbot.keyClick(screen.passphrase, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "you can try again in 8 s" in screen.message.text())
    assert not screen.button.isEnabled()


def test_a_second_copy_of_the_app_says_the_store_is_in_use(qtbot, pool, workspace, demo_dir) -> None:
    from app.workspace import Workspace
    from tests.conftest import PASSPHRASE

    dialog = UnlockDialog(lambda p: Workspace.open(demo_dir, p), pool, first_run=False)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.passphrase, PASSPHRASE)
    qtbot.keyClick(dialog.passphrase, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "already open in another Waymark window" in dialog.message.text(), timeout=10_000)
    assert dialog.isVisible()
