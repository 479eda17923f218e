"""The first window on a laptop with no store is "Enrol this laptop"; the demo is one button away, and an
address that would send records in the clear is refused before anything is made."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from sync.client import SyncFailure
from sync.enrolment import check_address
from sync.withdrawal import Withdrawal, write_withdrawal
from ui.enrol_dialog import EnrolDialog
from ui.main import GuiFlow, first_dialog
from ui.unlock_dialog import UnlockDialog


def test_try_the_demo_instead_opens_the_demo_first_run(qtbot, pool, tmp_path: Path) -> None:
    dialog = first_dialog(tmp_path / "fresh", pool)
    assert isinstance(dialog, EnrolDialog) and dialog.demo_button is not None
    flow = GuiFlow(pool, tmp_path / "fresh")
    flow.attach(dialog)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.mouseClick(dialog.demo_button, Qt.MouseButton.LeftButton)
    assert isinstance(flow.dialog, UnlockDialog)
    qtbot.addWidget(flow.dialog)
    assert flow.dialog.isVisible() and flow.dialog.windowTitle() == "Waymark — set a passphrase"
    assert not dialog.isVisible() and not (tmp_path / "fresh").exists()


def test_a_withdrawn_laptop_opens_on_enrolment_saying_why_even_after_a_restart(qtbot, pool, tmp_path: Path) -> None:
    data = tmp_path / "wiped"
    data.mkdir()
    write_withdrawal(data, Withdrawal("revoke", "2026-11-30T09:02:00+00:00", 40, 3))
    dialog = first_dialog(data, pool)
    qtbot.addWidget(dialog)
    assert isinstance(dialog, EnrolDialog) and dialog.demo_button is None
    text = dialog.withdrawn.text()
    assert "switched off for Waymark by your organisation on 30 Nov 2026 at 09:02" in text
    assert "40 records had been sent" in text and "3 recorded on it had not been sent and were erased" in text
    assert "Tell your team lead at once" in text


@pytest.mark.parametrize(
    ("typed", "used"),
    [("sync.example.org", "https://sync.example.org"), ("http://127.0.0.1:8765/", "http://127.0.0.1:8765")],
)
def test_an_address_is_read_as_the_client_will_use_it(typed: str, used: str) -> None:
    assert check_address(typed) == used


@pytest.mark.parametrize("typed", ["http://sync.example.org", "ftp://sync.example.org", "https://"])
def test_an_address_that_is_not_https_beyond_this_laptop_is_refused(typed: str) -> None:
    with pytest.raises(SyncFailure) as refused:
        check_address(typed)
    assert "Nothing was changed" in str(refused.value)
