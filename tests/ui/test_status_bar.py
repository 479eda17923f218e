"""The status bar at 1366 px (a new user's review): its texts were cut off, and Qt's painted message ran into
the next widget ("Offline: working fNow: In hours…"). Each text is now a widget of its own, side by side,
shortened with "…" when short of room, the full text kept as tooltip and accessible description."""

import pytest
from PySide6.QtCore import QRect
from PySide6.QtWidgets import QWidget

from ui.status_bar import ElidedLabel


def _parts(window) -> list[QWidget]:
    bar = window.statusBar()
    return [w for w in bar.findChildren(QWidget) if w.parentWidget() is bar and w.isVisible()]


def _check_layout(window) -> None:
    parts = _parts(window)
    bar = window.statusBar().rect()
    for i, part in enumerate(parts):
        assert bar.contains(part.geometry()), part.objectName()
        for other in parts[i + 1 :]:
            assert not QRect(part.geometry()).intersects(other.geometry()), (part.objectName(), other.objectName())
        if isinstance(part, ElidedLabel):
            shown = part.shown_text()
            assert part.fontMetrics().horizontalAdvance(shown) <= part.contentsRect().width(), part.objectName()
            assert part.toolTip() == part.text() and part.accessibleDescription() == part.text()


def test_at_1366_every_status_text_is_whole_and_side_by_side(qtbot, window) -> None:
    window.resize(1280, 700)  # the main window's width on a 1366×768 laptop
    qtbot.wait(50)
    _check_layout(window)
    message = window.statusBar().message
    assert message.text() == "Offline: working from the copy on this laptop" and not message.is_elided()
    assert window.statusBar().currentMessage() == message.text()
    period = window.period_label
    assert period.shown_text() in ("Now: In hours", "Now: Out of hours")
    assert period.toolTip().startswith(period.shown_text() + " — "), "why, on hovering it"
    assert not window.sync_label.is_elided()


@pytest.mark.parametrize("width", [1000, 800])
def test_a_narrow_window_shortens_the_texts_and_keeps_the_unsent_count_in_view(qtbot, window, width) -> None:
    window.resize(width, 700)
    qtbot.wait(50)
    _check_layout(window)
    sync = window.sync_label
    assert "unsent" in sync.text()
    assert sync.shown_text().endswith("(unsent)"), "elided in the middle: the count stays in view"


def test_a_message_with_a_timeout_clears_itself(qtbot, window) -> None:
    window.statusBar().showMessage("Copied", 100)
    assert window.statusBar().currentMessage() == "Copied"
    qtbot.waitUntil(lambda: window.statusBar().currentMessage() == "", timeout=2_000)
