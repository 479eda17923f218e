"""The lead's governance dashboard: make the report off the UI thread, drill from a figure to its
records, export CSV and PDF off the UI thread with progress; a worker's laptop is refused in words."""

from __future__ import annotations

import csv
import uuid
from pathlib import Path

from PySide6.QtCore import QDate, Qt, QThreadPool
from pytestqt.qtbot import QtBot

from app.governance.service import GovernanceService
from app.workspace import Workspace
from tests.conftest import PASSPHRASE
from tests.governance.lead_store import become
from ui.governance_dashboard import FigureRole, GovernanceDashboard, export_failure_words
from ui.main_window import MainWindow


def _dashboard(qtbot: QtBot, workspace: Workspace, pool: QThreadPool) -> GovernanceDashboard:
    assert workspace.config is not None
    service = GovernanceService(workspace.uow, workspace.clock, workspace.actor, workspace.config)
    dashboard = GovernanceDashboard(service, pool)
    qtbot.addWidget(dashboard)
    dashboard.resize(1366, 768)
    dashboard.show()
    qtbot.waitUntil(lambda: dashboard.team.count() > 0, timeout=10_000)
    dashboard.first.setDate(QDate(2026, 6, 1))
    dashboard.last.setDate(QDate(2026, 11, 30))
    return dashboard


def test_each_figure_drills_down_to_its_records_and_exports_run_with_progress(
    qtbot: QtBot, workspace: Workspace, pool: QThreadPool, tmp_path: Path
) -> None:
    become(workspace, "team_lead")
    dashboard = _dashboard(qtbot, workspace, pool)
    with qtbot.waitSignal(dashboard.report_ready, timeout=20_000):
        dashboard.make.click()
    report = dashboard.report
    assert report is not None
    assert dashboard.figures.rowCount() == sum(len(m.figures) for m in report.measures)
    assert "Data last synced" in dashboard.status.text()

    for row in range(dashboard.figures.rowCount()):
        dashboard.table.selectRow(row)
        _measure, figure, _team = dashboard.figures.data(dashboard.figures.index(row, 0), FigureRole)
        assert set(dashboard.records.record_ids()) == set(figure.cases) | set(figure.pending)
        assert dashboard.figures.data(dashboard.figures.index(row, 2)) == figure.text()
    notes = next(
        r for r in range(dashboard.figures.rowCount())
        if dashboard.figures.data(dashboard.figures.index(r, 1)) == "Contact notes that cite the safety plan's steps"
    )  # fmt: skip
    dashboard.table.selectRow(notes)
    tmp_path.mkdir(exist_ok=True)
    dashboard.grab().save(str(tmp_path / "dashboard-1366x768.png"))

    moved: list[int] = []
    dashboard.progress.valueChanged.connect(moved.append)
    with qtbot.waitSignal(dashboard.export_finished, timeout=30_000) as pdf:
        dashboard.export("pdf", tmp_path / "report.pdf")
    assert pdf.args == [str(tmp_path / "report.pdf")] and (tmp_path / "report.pdf").stat().st_size > 0
    assert moved and max(moved) >= 6  # a page at a time
    assert not dashboard.progress.isVisible()
    with qtbot.waitSignal(dashboard.export_finished, timeout=30_000):
        dashboard.export("csv", tmp_path / "report.csv")
    with (tmp_path / "report.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert {uuid.UUID(r["record_id"]) for r in rows if r["row"] == "record"} >= set(dashboard.records.record_ids())


def test_an_export_to_a_folder_that_is_gone_says_nothing_was_lost(
    qtbot: QtBot, workspace: Workspace, pool: QThreadPool, tmp_path: Path
) -> None:
    become(workspace, "team_lead")
    dashboard = _dashboard(qtbot, workspace, pool)
    with qtbot.waitSignal(dashboard.report_ready, timeout=20_000):
        dashboard.make.click()
    with qtbot.waitSignal(dashboard.export_finished, timeout=30_000) as done:
        dashboard.export("csv", tmp_path / "gone" / "report.csv")
    assert done.args == [""]
    assert dashboard.status.text() == (
        "report.csv could not be written: the folder it was to go in is not there (a USB stick taken out?). "
        "Nothing in Waymark was changed or lost; choose another folder and export again."
    )
    assert "Error" not in dashboard.status.text() and not dashboard.progress.isVisible()


def test_export_failures_are_said_in_words() -> None:
    denied = PermissionError(13, "Permission denied", "/media/usb/report.pdf")
    assert export_failure_words(denied).startswith(
        "report.pdf could not be written: this laptop does not allow writing in that folder. Nothing in Waymark"
    )
    full = OSError(28, "No space left on device", "/tmp/report.pdf")
    assert export_failure_words(full).startswith("report.pdf could not be written: the disk is full.")


def test_the_lead_window_has_the_dashboard_as_a_tab_reached_with_alt_g_and_forgotten_at_a_lock(
    qtbot: QtBot, workspace: Workspace, pool: QThreadPool, tmp_path: Path
) -> None:
    become(workspace, "team_lead")
    window = MainWindow(workspace, pool, settings_path=tmp_path / "window.ini")
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    dashboard = window.governance
    assert isinstance(dashboard, GovernanceDashboard)
    tabs = [window.lead_tabs.tabText(i) for i in range(window.lead_tabs.count())]
    assert tabs == ["Team review (Alt+&1)", "&Governance", "Pe&rsons"]
    qtbot.keyClick(window, Qt.Key.Key_G, Qt.KeyboardModifier.AltModifier)
    assert window.lead_tabs.currentWidget() is dashboard and dashboard.isVisible()
    qtbot.waitUntil(lambda: dashboard.team.count() > 0, timeout=10_000)
    dashboard.first.setDate(QDate(2026, 6, 1))
    dashboard.last.setDate(QDate(2026, 11, 30))
    with qtbot.waitSignal(dashboard.report_ready, timeout=20_000):
        qtbot.keyClick(window, Qt.Key.Key_M, Qt.KeyboardModifier.AltModifier)  # &Make report
    assert dashboard.figures.rowCount() > 0
    moved: list[int] = []
    dashboard.progress.valueChanged.connect(moved.append)
    with qtbot.waitSignal(dashboard.export_finished, timeout=30_000) as done:
        dashboard.export("pdf", tmp_path / "from-the-window.pdf")
        assert dashboard.progress.isVisible() and not dashboard.export_pdf_button.isEnabled(), "one at a time"
    assert dashboard.export_pdf_button.isEnabled() and dashboard.export_csv_button.isEnabled()
    assert done.args == [str(tmp_path / "from-the-window.pdf")] and moved and not dashboard.progress.isVisible()

    qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert window.is_locked and window.workspace is None
    assert dashboard.report is None and dashboard.figures.rowCount() == 0 and dashboard.records.rowCount() == 0
    assert dashboard.team.count() == 0 and not dashboard.export_pdf_button.isEnabled()

    qtbot.keyClicks(window.lock_screen.passphrase, PASSPHRASE)
    qtbot.keyClick(window.lock_screen.passphrase, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.workspace is not None and dashboard.team.count() > 0, timeout=15_000)
    with qtbot.waitSignal(dashboard.report_ready, timeout=20_000):
        dashboard.make.click()
    assert dashboard.figures.rowCount() > 0


def test_a_worker_laptop_is_told_reports_are_for_team_leads(
    qtbot: QtBot, workspace: Workspace, pool: QThreadPool
) -> None:
    dashboard = _dashboard(qtbot, workspace, pool)
    dashboard.make.click()
    qtbot.waitUntil(lambda: "team leads" in dashboard.status.text(), timeout=20_000)
    assert dashboard.report is None and dashboard.figures.rowCount() == 0
    assert dashboard.make.isEnabled()


def test_the_team_is_the_default_and_one_workers_figures_are_chosen_said_to_be_for_learning_and_audited(
    qtbot: QtBot, workspace: Workspace, pool: QThreadPool
) -> None:
    from sqlalchemy import select

    from storage import models

    lead = become(workspace, "team_lead")
    dashboard = _dashboard(qtbot, workspace, pool)
    qtbot.waitUntil(lambda: dashboard.whose.count() > 2, timeout=10_000)
    assert dashboard.whose.currentData() is None and dashboard.whose.currentText() == "The team (default)"
    assert not dashboard.whose_note.isVisible()

    sam = next(i for i in range(dashboard.whose.count()) if dashboard.whose.itemText(i) == "Sam Okafor")
    dashboard.whose.setFocus()
    dashboard.whose.setCurrentIndex(sam)
    assert dashboard.whose_note.isVisible()
    assert "supervision and learning, not for judging anyone" in dashboard.whose_note.text()
    assert "audit log" in dashboard.whose_note.text()
    with qtbot.waitSignal(dashboard.report_ready, timeout=20_000):
        dashboard.make.click()
    report = dashboard.report
    assert report is not None and [w for w, _ in report.by_worker] == [dashboard.whose.itemData(sam)]
    team_rows = sum(len(m.figures) for m in report.measures)
    worker_rows = sum(len(m.figures) for m in report.by_worker[0][1])
    assert dashboard.figures.rowCount() == team_rows + worker_rows
    assert "the figures of Sam Okafor" in dashboard.status.text()
    selected = dashboard.table.selectionModel().selectedRows()
    assert [i.row() for i in selected] == [team_rows], "the lead is taken to the worker's figures they asked for"
    assert dashboard.figures.data(selected[0], FigureRole)[0].title.endswith("— Sam Okafor")

    # Every one of the worker's figures drills down to its records.
    for row in range(team_rows, team_rows + worker_rows):
        dashboard.table.selectRow(row)
        measure, figure, team = dashboard.figures.data(dashboard.figures.index(row, 0), FigureRole)
        assert not team and measure.title.endswith("— Sam Okafor")
        assert set(dashboard.records.record_ids()) == set(figure.cases) | set(figure.pending)
        words = dashboard.chart.words or ""
        assert words.startswith(figure.label) and "trends are the team's" in words, "never a blank chart pane"

    with workspace.store.sessions() as session:
        last = list(session.scalars(select(models.AuditEvent).order_by(models.AuditEvent.seq.desc()).limit(2)))
    assert [(e.action, e.record_type, e.actor_id) for e in reversed(last)] == [
        ("export", "governance_report", lead),
        ("export", "governance_by_worker", lead),
    ]
    assert last[0].record_id == str(dashboard.whose.itemData(sam))


def test_a_worker_laptop_asking_for_a_workers_figures_is_refused_in_words(
    qtbot: QtBot, workspace: Workspace, pool: QThreadPool
) -> None:
    dashboard = _dashboard(qtbot, workspace, pool)
    qtbot.waitUntil(lambda: dashboard.whose.count() > 2, timeout=10_000)
    dashboard.whose.setCurrentIndex(2)
    dashboard.make.click()
    qtbot.waitUntil(lambda: "team leads" in dashboard.status.text(), timeout=20_000)
    assert dashboard.status.text().startswith("Per-worker governance figures are for team leads")
    assert dashboard.report is None and dashboard.figures.rowCount() == 0


def test_the_dashboard_says_why_the_contact_note_totals_differ_and_what_out_of_hours_counts(
    qtbot: QtBot, workspace: Workspace, pool: QThreadPool
) -> None:
    become(workspace, "team_lead")
    dashboard = _dashboard(qtbot, workspace, pool)
    with qtbot.waitSignal(dashboard.report_ready, timeout=20_000):
        dashboard.make.click()
    report = dashboard.report
    assert report is not None
    cites = report.measure("safety_plan_use").figure("notes_cite_plan")
    covered = report.measure("review_coverage").figure("reviewed_in_time")
    assert cites.denominator != covered.denominator, "the demo's totals differ, as the lead saw"
    assert "Contact-note totals differ between measures by design" in dashboard.status.text()

    def select(label: str) -> str:
        row = next(r for r in range(dashboard.figures.rowCount())
                   if dashboard.figures.data(dashboard.figures.index(r, 1)) == label)  # fmt: skip
        dashboard.table.selectRow(row)
        return dashboard.records_label.text()

    shown = select("Contact notes that cite the safety plan's steps")
    assert f"counted {cites.denominator} times for safety-plan use and {covered.denominator} for review" in shown
    assert "seen or spoken to and had a plan before the contact" in shown
    assert "whatever its outcome" in select("Contact notes reviewed by a lead within 14 days")
    assert "Contact notes, visits and calls made at night are not counted here" in select(
        "Weekday evenings, nights and closures"
    )


def test_a_dashboard_left_open_overnight_reports_up_to_today_unless_the_lead_chose_dates(
    qtbot: QtBot, workspace: Workspace, pool: QThreadPool, monkeypatch
) -> None:
    import ui.governance_dashboard as dashboard_module

    become(workspace, "team_lead")
    monkeypatch.setattr(dashboard_module, "_today", lambda: QDate(2026, 12, 1))
    assert workspace.config is not None
    service = GovernanceService(workspace.uow, workspace.clock, workspace.actor, workspace.config)
    dashboard = GovernanceDashboard(service, pool)
    qtbot.addWidget(dashboard)
    qtbot.waitUntil(lambda: dashboard.team.count() > 0, timeout=10_000)
    assert dashboard.last.date() == QDate(2026, 12, 1)
    monkeypatch.setattr(dashboard_module, "_today", lambda: QDate(2026, 12, 2))  # the morning after
    with qtbot.waitSignal(dashboard.report_ready, timeout=20_000):
        dashboard.make.click()
    assert dashboard.report is not None and str(dashboard.report.period.last) == "2026-12-02"
    dashboard.last.setDate(QDate(2026, 11, 30))  # chosen by the lead: kept
    monkeypatch.setattr(dashboard_module, "_today", lambda: QDate(2026, 12, 3))
    with qtbot.waitSignal(dashboard.report_ready, timeout=20_000):
        dashboard.make.click()
    assert str(dashboard.report.period.last) == "2026-11-30"
