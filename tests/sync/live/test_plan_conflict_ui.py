"""Scenario 4 as a worker meets it (pytest-qt, real server process): two laptops edit one plan apart; after
sync both keep the version that reached the server first in force (whatever the clocks say) and show the
banner over it; the merge view, driven from the keyboard, writes a merge naming both versions; it syncs,
the other laptop's banner goes, and no line of either version is lost."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QThreadPool
from PySide6.QtWidgets import QMessageBox

from app.plan_diff import describe
from app.safety_plans import Step
from sync.engine import SyncEngine
from tests.sync.live.conftest import LiveServer, enrolled_workspace
from tests.sync.live.helpers import local_records, persons
from tests.sync.live.plans import revise
from ui.operations import StoreOps
from ui.person_panel import PersonPanel
from ui.plan_merge_dialog import PlanMergeDialog


def _panel(qtbot, workspace, person) -> PersonPanel:  # type: ignore[no-untyped-def]
    panel = PersonPanel(StoreOps(QThreadPool.globalInstance()))
    qtbot.addWidget(panel)
    panel.resize(1200, 700)
    panel.show()
    panel.show_person(workspace, person)
    return panel


def test_conflict_by_sync_banner_keyboard_merge_then_the_other_laptops_banner_clears(
    qtbot, live_server: LiveServer, tmp_path: Path, monkeypatch
) -> None:
    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text, *a: warnings.append(text))
    office = enrolled_workspace(live_server, tmp_path / "office")
    van = enrolled_workspace(live_server, tmp_path / "van")
    try:
        person = next(p for p in persons(van) if van.plans.current(p) is not None)
        base_id = van.plans.current(person).id  # type: ignore[union-attr]
        in_the_van = revise(van, person, "Stops answering texts")
        at_the_office = revise(office, person, "Sleeping in the day")
        van_panel = _panel(qtbot, van, person)
        assert not van_panel.plan_conflict.isVisible()  # nothing known yet: its own edit is the plan here
        SyncEngine(office).sync()
        SyncEngine(van).sync()
        SyncEngine(office).sync()
        office_panel = _panel(qtbot, office, person)
        van_panel.refresh()

        for laptop, panel in ((van, van_panel), (office, office_panel)):
            # The same plan in force on both laptops: the first to reach the server, not the newest.
            [conflict] = laptop.plan_conflicts.open_conflicts(person)
            assert (conflict.in_force.id, conflict.other.id) == (at_the_office.id, in_the_van.id)
            assert conflict.base is not None and conflict.base.id == base_id
            assert panel.plan_conflict.isVisible()
            text = panel.plan_conflict.text.text()
            assert "Two versions of this safety plan were written on different laptops" in text
            assert "reached the server first" in text and "kept, not lost" in text
            # The plan in force stays on screen and readable: the office's, which reached the server first.
            assert "Sleeping in the day" in panel.plan_view.toPlainText()
            assert "Stops answering texts" not in panel.plan_view.toPlainText()
        assert "on this laptop" in office_panel.plan_conflict.text.text().split("because")[0]

        qtbot.keyClick(van_panel.plan_conflict.merge_button, Qt.Key.Key_Space)
        [dialog] = [d for d in van_panel.dialogs if isinstance(d, PlanMergeDialog)]
        qtbot.waitUntil(dialog.isActiveWindow)  # window shortcuts (mnemonics, Ctrl+S) answer only when active
        # It opens on the first section changed on both sides, with no side chosen for it.
        assert dialog.pages.currentIndex() == 0 and dialog.undecided() == [f"Step 1. {Step.WARNING_SIGNS.title}"]
        qtbot.keyClick(dialog, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)  # to the check page
        assert dialog.pages.currentIndex() == dialog.check_page
        qtbot.keyClick(dialog, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)  # refused: one undecided
        assert dialog.pages.currentIndex() == 0
        assert warnings == [f"Choose what the merged plan keeps in: Step 1. {Step.WARNING_SIGNS.title}"]
        qtbot.keyClick(dialog, Qt.Key.Key_B, Qt.KeyboardModifier.AltModifier)  # keep both
        qtbot.waitUntil(lambda: dialog.undecided() == [])  # a mnemonic clicks after a short animation
        qtbot.keyClick(dialog, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
        assert dialog.pages.currentIndex() == dialog.check_page
        assert "kept both versions&#x27; lines" in dialog.review.toHtml() or "kept both versions" in (
            dialog.review.toPlainText()
        )
        qtbot.keyClicks(dialog.reason, "Agreed both with Sam on the phone")
        dialog.co_produced.setFocus()
        qtbot.keyClick(dialog.co_produced, Qt.Key.Key_Down)
        qtbot.keyClick(dialog, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(lambda: not dialog.isVisible())

        merged = van.plans.current(person)
        assert merged is not None and merged.parent_ids == (at_the_office.id, in_the_van.id)
        assert "Step 1. " in merged.change_summary and "kept both versions' lines" in merged.change_summary
        assert not van_panel.plan_conflict.isVisible()  # merged here: gone at once
        signs = [describe(i) for i in merged.section(Step.WARNING_SIGNS).items]
        assert "Stops answering texts" in signs and "Sleeping in the day" in signs

        SyncEngine(van).sync()
        SyncEngine(office).sync()
        office_panel.refresh()
        assert not office_panel.plan_conflict.isVisible()
        assert "Stops answering texts" in office_panel.plan_view.toPlainText()
        for laptop in (van, office):
            assert laptop.plan_conflicts.open_conflicts(person) == []
            assert laptop.plans.current(person).id == merged.id  # type: ignore[union-attr]
        # Nothing lost or doubled: both laptops and the server hold the same records, each once.
        assert local_records(van) == local_records(office)
        assert set(local_records(van)) == set(live_server.records(area="eastmoor"))
    finally:
        office.close()
        van.close()
