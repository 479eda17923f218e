"""The organisation's pathways arriving by sync, as the worker sees them: the window says they are in use,
and an escalation already open stays on the version it started with and says so in its window."""

from __future__ import annotations

from pathlib import Path

from app.escalations import NEWER_PATHWAY, EscalationDraft
from tests.ui.fake_sync import Server, synced_window

RESOURCES = Path(__file__).resolve().parents[2] / "resources"
PATHWAYS = RESOURCES / "pathways"


def test_a_newer_pathway_arrives_while_an_escalation_is_open(qtbot, workspace, pool, tmp_path) -> None:
    person = workspace.caseload.rows()[0].person_id
    esc, _ = workspace.escalations.start(EscalationDraft(person, ["sudden-deterioration"], "Much worse today"))
    started_on = esc.pathway.version
    server = Server(workspace)
    win = synced_window(qtbot, workspace, pool, tmp_path, server)
    for path in sorted(PATHWAYS.glob("*.toml")):
        text = path.read_text(encoding="utf-8")
        if path.name.startswith("moorland-") and "welfare" not in path.name:
            text = text.replace(f'version = "{started_on}"', 'version = "99"', 1)
        server.serve_document("pathways", path.name, text)
    for path in sorted((RESOURCES / "contacts").glob("*.toml")):
        text = path.read_text(encoding="utf-8").replace('"Eastmoor team duty worker"', '"Eastmoor duty desk"', 1)
        server.serve_document("directory", path.name, text)
    win.contacts.search.setText("duty desk")
    assert win.contacts.model.rowCount() == 0, "not in the built-in directory"
    win.sync_now()
    said = "updated pathways and crisis contacts are now in use"
    qtbot.waitUntil(lambda: said in win.statusBar().currentMessage(), timeout=10_000)
    assert win.workspace.config.pathways.get(esc.pathway.id).version == "99"
    win.contacts.refresh()
    assert win.contacts.model.rowCount() == 1, "the crisis contacts pane searches the directory that arrived"
    win.open_person(person)
    view = win.person_panel.open_escalation(win.workspace.escalations.get(esc.id))
    text = view.period.text()
    assert NEWER_PATHWAY in text and f"(version {started_on})" in text
    # A new escalation runs on what arrived, and says nothing of the kind.
    newer, _ = win.workspace.escalations.start(EscalationDraft(person, ["sudden-deterioration"], "Later again"))
    assert newer.pathway.version == "99" and newer.pathway_notice is None


def test_a_directory_redefining_999_arrives_with_that_entry_refused_and_the_window_says_so(
    qtbot, workspace, pool, tmp_path
) -> None:
    """Clinical safety review, finding 2: as the sync reports it, and in the status bar after the message goes."""
    from tests.app.test_national_lines_kept import FAKE_999, OWN_LINE

    server = Server(workspace)
    win = synced_window(qtbot, workspace, pool, tmp_path, server)
    assert not win.config_label.isVisible()
    server.serve_document("directory", "demo-local.toml", (RESOURCES / "contacts" / "demo-local.toml").read_text())
    server.serve_document("directory", "ours.toml", 'version = "1"\n\n' + FAKE_999 + OWN_LINE)
    win.sync_now()
    said = "ours.toml is in use, except its entry emergency-999"
    qtbot.waitUntil(lambda: said in win.statusBar().currentMessage(), timeout=10_000)
    assert "so the built-in line is offered instead. Tell your team lead or administrator." in (
        win.statusBar().currentMessage()
    )
    assert win.config_label.isVisible() and win.config_label.text().startswith("1 organisation file problem")
    assert "ours.toml: emergency-999: has the id of a national line built into Waymark" in win.config_label.toolTip()
    emergency = win.workspace.config.directory.get("emergency-999")
    assert emergency is not None and emergency.first_number == "999"
    assert win.workspace.config.directory.get("our-text-line") is not None
