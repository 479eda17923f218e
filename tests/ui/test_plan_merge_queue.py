"""The plan merge is saved on the store's write queue, as every other dialog's save (issue 13, issue 8 item 7).

Two laptops of one worker revise the same plan apart and sync with the in-process demo server, so the second
holds a real conflict. While another writer holds the store's lock, the merge dialog says it is still
saving and the window's event loop runs on; the merge lands once the lock frees, exactly once, naming both
versions, and the conflict banner goes through the change hook.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QMessageBox
from sqlalchemy import func, select

from app.plan_conflicts import Choice
from storage import models
from tests.sync.inprocess import WORKER, DemoServer
from tests.sync.live.plans import revise
from tests.ui.saves import wait_saved
from tests.ui.test_saves_wait_for_the_lock import Holder, _short_busy_timeout
from ui.operations import StoreOps
from ui.person_panel import PersonPanel
from ui.plan_merge_dialog import PlanMergeDialog
from ui.saving import WAITING


def test_the_merge_waits_its_turn_on_the_write_queue_and_lands_once(
    qtbot, pool, demo_server: DemoServer, tmp_path: Path, monkeypatch
) -> None:
    errors: list[str] = []
    monkeypatch.setattr(QMessageBox, "critical", lambda _p, _t, text, *a: errors.append(text))
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text, *a: errors.append(text))
    office = demo_server.laptop(WORKER, tmp_path / "office")
    van = demo_server.laptop(WORKER, tmp_path / "van")
    try:
        person = next(r.person_id for r in van.caseload.rows() if van.plans.current(r.person_id) is not None)
        in_the_van = revise(van, person, "Stops answering texts")
        at_the_office = revise(office, person, "Sleeping in the day")
        for laptop in (office, van):
            demo_server.sync(laptop)
        ops = StoreOps(pool)
        panel = PersonPanel(ops)
        qtbot.addWidget(panel)
        panel.show()
        panel.show_person(van, person)
        assert panel.plan_conflict.isVisible()
        dialog = panel.merge_plan()
        assert isinstance(dialog, PlanMergeDialog)
        for merge in dialog._merges:
            if dialog._choices[merge.key] is None:  # changed on both sides: the clinician decides
                dialog.choose(merge.key, Choice.BOTH)
        dialog.show_page(dialog.check_page)
        dialog.reason.setPlainText("Agreed both with Sam on the phone")
        dialog.co_produced.setCurrentIndex(dialog.co_produced.findData("yes"))
        dialog.share_agreed.setChecked(True)

        revisions = _revisions(van, person)
        ops.retry_wait = (0.02,)
        _short_busy_timeout(van.store.engine)
        holder = Holder(van.store.engine)
        holder.start()
        ticks = {"n": 0}
        timer = QTimer(panel, interval=10)
        timer.timeout.connect(lambda: ticks.__setitem__("n", ticks["n"] + 1))
        try:
            assert holder.held.wait(10), "the other writer holds the lock"
            timer.start()
            dialog.save()  # returns at once: the merge is queued, not written on this thread
            qtbot.waitUntil(lambda: dialog.saving.label.text() == WAITING, timeout=10_000)
            before = ticks["n"]
            qtbot.waitUntil(lambda: ticks["n"] > before + 3)  # the window's event loop runs on meanwhile
            assert dialog.isVisible() and not dialog.save_button.isEnabled()
            dialog.save()  # a second Ctrl+S while saving writes nothing more
            dialog.reject()  # nor does closing leave the worker not knowing: it waits for the save
            assert dialog.isVisible()
            holder.let_go.set()
            wait_saved(qtbot, dialog, timeout=20_000)
        finally:
            holder.stop.set()
            holder.let_go.set()
            holder.join(10)
            timer.stop()
        assert errors == [], "a lock held by another writer is never the worker's error"
        assert not dialog.isVisible()
        merged = van.plans.current(person)
        assert merged is not None and set(merged.parent_ids) == {at_the_office.id, in_the_van.id}
        assert _revisions(van, person) == revisions + 1, "the merge written once"
        assert van.plan_conflicts.open_conflicts(person) == []
        qtbot.waitUntil(lambda: not panel.plan_conflict.isVisible(), timeout=10_000)  # through the change hook
        assert "Stops answering texts" in panel.plan_view.toPlainText()
        assert "Sleeping in the day" in panel.plan_view.toPlainText()
    finally:
        office.close()
        van.close()


def _revisions(workspace, person) -> int:  # type: ignore[no-untyped-def]
    with workspace.uow.read() as session:
        query = select(func.count()).select_from(models.SafetyPlanRevision)
        return session.scalar(query.where(models.SafetyPlanRevision.person_id == person)) or 0
