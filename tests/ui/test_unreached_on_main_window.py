"""An open welfare check that reached nobody sat quiet all night on a duty worker's main window, said only by a
"1 open" cell and the summary line (a new user's overnight review, finding 1). The top of the unlocked window now
says it in words: for whom, since when, the number to phone, and Alt+O opens it. It follows the change hook (a
save here, records by sync), and goes from sight whenever the lock screen shows (it names people)."""

from __future__ import annotations

from PySide6.QtCore import Qt

from app.changes import Changed, OpChanges
from app.escalations import ActionDraft, ActionKind, EscalationDraft
from app.hours import LONDON
from app.unreached import reaching_nobody
from tests.conftest import PASSPHRASE
from ui.escalation_window import EscalationWindow

# The demo holds one welfare check that has reached nobody: Yasmin U.'s, with the duty manager to phone.
PHONE = "Eastmoor team duty manager, 01632 960102"


def _said(window) -> str:
    return window.unreached_label.text() if window.unreached_bar.isVisible() else ""


def test_the_main_window_says_who_since_when_and_the_number_at_the_top(qtbot, window, workspace) -> None:
    (item,) = reaching_nobody(workspace.escalations, workspace.caseload.person)
    qtbot.waitUntil(lambda: bool(_said(window)))
    since = workspace.escalations.get(item.escalation_id).identified_at
    text = _said(window)
    assert text.startswith("The welfare check for Yasmin U., open since ")
    assert "has reached nobody who can act yet. Nobody has been told." in text
    assert f"Phone now: {PHONE}." in text
    assert since.astimezone(LONDON).strftime("%H:%M") in text
    # Above the caseload and the person: the first thing in the window.
    assert (
        window.unreached_bar.mapTo(window, window.unreached_bar.rect().topLeft()).y()
        < window.stack.mapTo(window, window.stack.rect().topLeft()).y()
    )


def test_alt_o_from_the_search_box_opens_the_welfare_check_and_types_nothing(qtbot, window, workspace) -> None:
    (item,) = reaching_nobody(workspace.escalations, workspace.caseload.person)
    qtbot.waitUntil(lambda: bool(_said(window)))
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.search_box.setFocus()
    qtbot.keyClick(window.search_box, Qt.Key.Key_O, Qt.KeyboardModifier.AltModifier)
    assert window.search_box.text() == ""

    def opened() -> list[EscalationWindow]:
        return [d for d in window.person_panel.dialogs if isinstance(d, EscalationWindow)]

    qtbot.waitUntil(lambda: bool(opened()))  # a mnemonic clicks the button after its short press animation
    assert len(opened()) == 1 and opened()[0].escalation.id == item.escalation_id
    assert window.person_panel.person is not None and window.person_panel.person.id == item.person_id


def test_reaching_someone_takes_it_off_through_the_change_hook(qtbot, window, workspace) -> None:
    (item,) = reaching_nobody(workspace.escalations, workspace.caseload.person)
    qtbot.waitUntil(lambda: bool(_said(window)))
    check = workspace.escalations.get(item.escalation_id)
    offer = workspace.escalations.phone_now(check)
    assert offer is not None
    draft = ActionDraft(check.walk.current.id, ActionKind.PHONED, reached=True, contact_id=offer.entry.id)
    window.ops.run(lambda: workspace.escalations.record_action(check.id, draft), persons=[check.person_id])
    qtbot.waitUntil(lambda: not window.unreached_bar.isVisible())


def test_an_escalation_arriving_by_sync_is_added_at_once(qtbot, window, workspace) -> None:
    qtbot.waitUntil(lambda: bool(_said(window)))
    person = window.model.row_at(0).person_id
    criteria = workspace.escalations.config.pathways.criteria
    workspace.escalations.start(EscalationDraft(person, [criteria.criteria[0].code], "Rang in distress"))
    # As the sync's receive path tells the open views (MainWindow._on_synced).
    window.ops.notify(OpChanges(Changed.ESCALATIONS | Changed.CASELOAD | Changed.REMOTE, frozenset({person})))
    qtbot.waitUntil(lambda: _said(window).startswith("2 open escalations and welfare checks have reached nobody"))
    assert "the welfare check for Yasmin U." in _said(window)
    assert "(the oldest)" in window.unreached_button.text()


def test_never_beside_the_lock_screen_and_back_after_unlocking(qtbot, window) -> None:
    qtbot.waitUntil(lambda: bool(_said(window)))
    window.lock_ui()
    assert not window.unreached_bar.isVisible()
    window.lock_full()
    assert not window.unreached_bar.isVisible() and window.unreached_label.text() == ""
    assert "Yasmin" not in window.unreached_button.text()
    qtbot.keyClicks(window.lock_screen.passphrase, PASSPHRASE)
    qtbot.keyClick(window.lock_screen.passphrase, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "Yasmin U." in _said(window), timeout=15_000)
