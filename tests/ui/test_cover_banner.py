"""Out-of-hours cover on the duty worker's screen: "Covering <team> until 08:00" while the shift lasts; at
its end the banner goes and the covered persons leave the caseload, with no signal needed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from app.clock import FixedClock
from app.workspace import Workspace
from storage import models
from ui.main_window import MainWindow

SHIFT_END = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)  # 08:00 in London (GMT in November)


def _cover_two(workspace: Workspace) -> list[object]:
    """Two of the demo caseload held as cover for tonight's shift instead of as the worker's own."""
    with workspace.uow.write() as session:
        covered = list(session.scalars(select(models.Assignment.person_id).limit(2)))
        session.execute(
            update(models.Assignment)
            .where(models.Assignment.person_id.in_(covered))
            .values(role="cover", ends_at=SHIFT_END)
        )
    return covered


def test_cover_is_shown_until_the_shift_ends_then_its_persons_leave_the_caseload(
    qtbot, workspace: Workspace, clock: FixedClock, pool, tmp_path
) -> None:
    covered = _cover_two(workspace)
    clock.set(SHIFT_END - timedelta(hours=10))  # 22:00 the evening before
    window = MainWindow(workspace, pool, settings_path=tmp_path / "w.ini")
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.cover_label.isVisible(), timeout=10_000)
    text = window.cover_label.text()
    assert text.startswith("Covering Eastmoor Community Mental Health Team until Fri 27 Nov 08:00 (2 persons)")
    assert "once anything you record for them has been sent" in text
    shown = {window.model.row_at(i).person_id for i in range(window.model.rowCount())}
    assert set(covered) <= shown

    clock.set(SHIFT_END - timedelta(hours=1))  # the same day now: the time alone
    window._show_cover()
    assert window.cover_label.text().startswith("Covering Eastmoor Community Mental Health Team until 08:00 (2 ")

    clock.set(SHIFT_END + timedelta(minutes=1))
    window._period_timer.timeout.emit()  # the minute tick, as on a laptop left open past the shift
    assert not window.cover_label.isVisible()
    qtbot.waitUntil(
        lambda: not set(covered) & {window.model.row_at(i).person_id for i in range(window.model.rowCount())},
        timeout=10_000,
    )
    # Off the caseload but not off the laptop: they go at the next sync, once what was recorded is sent.
    with workspace.uow.read() as session:
        assert set(covered) <= set(session.scalars(select(models.Person.id)))
