"""The offline lease on screen: a warning in words days before it lapses; once lapsed, earlier notes and
reviews wait for a sync while the safety plan, crisis contacts and escalations stay, and recording a note
still works."""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtCore import Qt

from app.clock import FixedClock
from app.lease import LEASE_UNTIL, LeaseState
from app.workspace import Workspace
from storage import models
from tests.conftest import NOW
from ui.main_window import MainWindow


def _lease_until(workspace: Workspace, until) -> None:
    with workspace.uow.write() as session:
        session.merge(models.Meta(key=LEASE_UNTIL, value=until.isoformat()))


def test_the_lease_warns_days_before_then_locks_history_but_not_the_plan_or_recording(
    qtbot, workspace: Workspace, clock: FixedClock, pool, tmp_path
) -> None:
    until = NOW + timedelta(days=5)
    _lease_until(workspace, until)
    window = MainWindow(workspace, pool, settings_path=tmp_path / "w.ini")
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.model.rowCount() > 0, timeout=10_000)
    assert not window.lease_label.isVisible(), "nothing to say five days before"

    clock.set(until - timedelta(days=1, hours=12))
    window._period_timer.timeout.emit()
    assert window.lease_label.isVisible()
    assert window.lease_label.text().startswith("Sync within 2 days to keep full access: from Tue 1 Dec 14:30")

    qtbot.keyClicks(window.search_box, window.model.row_at(0).preferred_name)
    qtbot.keyClick(window.search_box, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.person_panel.person is not None, timeout=10_000)
    assert "Sync needed" not in window.person_panel.notes_view.toPlainText()

    clock.set(until + timedelta(minutes=1))
    window._period_timer.timeout.emit()
    assert workspace.lease().state is LeaseState.LAPSED
    assert window.lease_label.text().startswith("Sync needed")
    panel = window.person_panel
    assert "earlier notes and reviews are locked" in panel.notes_view.toPlainText()
    assert "earlier notes and reviews are locked" in panel.reviews_view.toPlainText()
    assert panel.plan_view.toPlainText().strip(), "the safety plan stays"
    # Recording goes on: a note signed now is saved and waits to be sent.
    before = workspace.outbox_pending()
    from tests.sync.live.helpers import record_notes

    record_notes(workspace, panel.person.id, 1)
    assert workspace.outbox_pending() == before + 1

    # A sync renews it (the engine writes a new end): full access again.
    _lease_until(workspace, clock.now() + timedelta(days=7))
    window._period_timer.timeout.emit()
    assert not window.lease_label.isVisible()
    assert "locked" not in panel.notes_view.toPlainText()
