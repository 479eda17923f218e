"""The lock screen's notice of escalations that reached nobody follows what a sync brings during the 5-minute
screen lock (clinical safety review, finding 4): it is not the one worked out when the screen locked. Still a
count and numbers only, never a name; what the worker is typing to unlock stays."""

from __future__ import annotations

from app.changes import Changed, OpChanges
from app.escalations import ActionKind, EscalationDraft
from app.unreached import reaching_nobody
from tests.ui.fake_sync import Server, synced_window
from tests.ui.test_escalation_refresh_from_sync import _arrives, remote_action

ONE = "1 open welfare check has reached nobody yet"


def _names(win) -> list[str]:
    rows = [win.model.row_at(i) for i in range(win.model.rowCount())]
    return [n for r in rows for n in (r.preferred_name, *r.full_name.split())]


def _lock_text(win) -> str:
    return win.lock_screen.help.toPlainText()


def test_someone_reached_on_another_device_during_the_screen_lock_clears_the_notice(
    qtbot, workspace, pool, tmp_path
) -> None:
    server = Server(workspace)
    win = synced_window(qtbot, workspace, pool, tmp_path, server)
    (item,) = reaching_nobody(workspace.escalations, workspace.caseload.person)
    check = workspace.escalations.get(item.escalation_id)
    offer = workspace.escalations.phone_now(check)
    assert offer is not None and offer.entry.can_act
    win.lock_ui()
    assert ONE in _lock_text(win)
    win.lock_screen.passphrase.setText("half typ")
    # The duty worker phoned the duty manager from their own laptop; it arrives by sync.
    reached = {"kind": ActionKind.PHONED.value, "contact_id": offer.entry.id, "reached": True}
    _arrives(server, remote_action(workspace, check.id, check.person_id, node_id=check.walk.current.id, **reached))
    win.sync_now()
    qtbot.waitUntil(lambda: "reached nobody" not in _lock_text(win), timeout=10_000)
    assert "Emergency services" in _lock_text(win), "the crisis numbers are still there"
    assert win.is_locked and win.lock_screen.passphrase.text() == "half typ", "typing to unlock is not disturbed"


def test_an_escalation_arriving_during_the_screen_lock_that_reached_nobody_is_counted(qtbot, window, workspace) -> None:
    names = _names(window)
    window.lock_ui()
    assert ONE in _lock_text(window)
    person = window.model.row_at(0).person_id
    criteria = workspace.escalations.config.pathways.criteria
    workspace.escalations.start(EscalationDraft(person, [criteria.criteria[0].code], "Rang in distress"))
    # As the sync's receive path tells the open views (MainWindow._on_synced).
    window.ops.notify(OpChanges(Changed.ESCALATIONS | Changed.CASELOAD | Changed.REMOTE, frozenset({person})))
    qtbot.waitUntil(lambda: "1 open escalation and 1 open welfare check have reached nobody" in _lock_text(window))
    text = _lock_text(window)
    assert not [n for n in names if n in text], "no name on a locked screen"
    assert text.index("reached nobody") < text.index("Samaritans"), "still first, above the crisis numbers"
