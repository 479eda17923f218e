"""The keyboard always works (issue 11, items 5–7)."""

import re

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QAbstractButton, QApplication, QGroupBox, QLabel, QTabWidget, QWidget

from app.audit import AuditAction
from storage import models
from ui.amend_dialog import AmendDialog
from ui.escalation_window import EscalationStartDialog, EscalationWindow
from ui.note_dialog import NoteDialog
from ui.review_dialog import ReviewDialog


def _open(qtbot, window, row: int = 0):
    name = window.model.row_at(row).preferred_name
    qtbot.keyClicks(window.search_box, name)
    qtbot.keyClick(window.search_box, Qt.Key.Key_Return)
    return window.person_panel.person


def _views(workspace) -> int:
    with workspace.store.sessions() as session:
        return sum(
            1 for e in session.query(models.AuditEvent).filter_by(action=AuditAction.VIEW.value, record_type="person")
        )


def _close_dialogs(window) -> None:
    for dialog in list(window.person_panel.dialogs):
        dialog.done(0)


def _focus_areas(window):
    panel = window.person_panel
    return {
        "search box": window.search_box,
        "caseload": window.table,
        "work-due checkbox": window.work_due_only,
        "note button": panel.note_button,
        "tabs": panel.tabs.tabBar(),
        "plan": panel.plan_view,
        "notes": panel.notes_view,
        "contacts search": window.contacts.search,
        "contacts table": window.contacts.table,
    }


KEYS = [
    pytest.param(Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier, NoteDialog, id="Ctrl+N"),
    pytest.param(Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier, ReviewDialog, id="Ctrl+R"),
    pytest.param(Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier, EscalationStartDialog, id="Ctrl+E"),
]


def _shortcut_override_is_left_to_the_window(widget, key, modifier) -> bool:
    """Whether a text field lets the key through as a shortcut (QLineEdit claims Ctrl+E on X11)."""
    event = QKeyEvent(QEvent.Type.ShortcutOverride, key, modifier)
    event.ignore()
    QApplication.sendEvent(widget, event)
    return not event.isAccepted()


@pytest.mark.parametrize(("key", "modifier", "kind"), KEYS)
def test_worker_shortcuts_work_from_every_focusable_area(qtbot, window, key, modifier, kind) -> None:
    _open(qtbot, window)
    window.contacts_dock.show()
    for area, widget in _focus_areas(window).items():
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow)
        if widget in (window.person_panel.plan_view, window.person_panel.notes_view):
            window.person_panel.tabs.setCurrentWidget(widget)
        widget.setFocus()
        assert widget.hasFocus(), area
        assert _shortcut_override_is_left_to_the_window(widget, key, modifier), area
        qtbot.keyClick(widget, key, modifier)
        assert any(isinstance(d, kind) for d in window.person_panel.dialogs), f"nothing opened from the {area}"
        _close_dialogs(window)


def test_f6_f5_ctrl_d_and_ctrl_l_work_from_the_search_box_and_the_table(qtbot, window) -> None:
    for widget in (window.search_box, window.table):
        widget.setFocus()
        qtbot.keyClick(widget, Qt.Key.Key_F6)
        assert window.work_due_only.isChecked()
        qtbot.keyClick(widget, Qt.Key.Key_F6)
        assert not window.work_due_only.isChecked()
        qtbot.keyClick(widget, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
        assert window.contacts_dock.isVisible()
        qtbot.keyClick(window.contacts.search, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
        assert not window.contacts_dock.isVisible()
    assert _shortcut_override_is_left_to_the_window(window.search_box, Qt.Key.Key_F5, Qt.KeyboardModifier.NoModifier)
    qtbot.keyClick(window.search_box, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert window.is_locked


def test_ctrl_l_locks_from_a_non_modal_escalation_window(qtbot, window, workspace) -> None:
    person = _open(qtbot, window)
    from app.escalations import EscalationDraft
    from tests.conftest import NOW

    codes = [c.code for c in workspace.escalations.config.pathways.criteria.criteria]
    escalation, _ = workspace.escalations.start(EscalationDraft(person.id, codes[:1], "Rang in distress", NOW))
    esc_window = window.person_panel.open_escalation(escalation)
    esc_window.activateWindow()
    qtbot.waitUntil(esc_window.isActiveWindow)
    qtbot.keyClick(esc_window.steps_view, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert window.is_locked


def test_moving_through_the_caseload_opens_nobody_and_audits_only_what_was_opened(qtbot, window, workspace):
    views = _views(workspace)
    window.table.setFocus()
    for _ in range(4):
        qtbot.keyClick(window.table, Qt.Key.Key_Down)
    qtbot.keyClick(window.work_due_only, Qt.Key.Key_F6)
    assert window.person_panel.person is None and _views(workspace) == views
    window.table.setFocus()
    qtbot.keyClick(window.table, Qt.Key.Key_Tab)
    assert not window.table.hasFocus(), "Tab leaves the table"
    assert window.person_panel.person is None and _views(workspace) == views
    window.table.setFocus()
    qtbot.keyClick(window.table, Qt.Key.Key_Return)
    chosen = window.table.currentIndex().siblingAtColumn(0).data()
    assert window.person_panel.person is not None and window.person_panel.person.preferred_name == chosen
    qtbot.waitUntil(lambda: _views(workspace) == views + 1)  # audited on the write queue


def _mnemonics(window: QWidget) -> list[tuple[str, str]]:
    """Every Alt+letter a window offers, with the text that offers it."""
    return [(letter, text) for letter, text, _widget in _mnemonic_widgets(window)]


def _assert_unique(window: QWidget) -> None:
    seen: dict[str, str] = {}
    clashes = []
    for letter, text in _mnemonics(window):
        if letter in seen and seen[letter] != text:
            clashes.append(f"Alt+{letter.upper()}: {seen[letter]!r} and {text!r}")
        seen.setdefault(letter, text)
    assert not clashes, f"{window.windowTitle()}: " + "; ".join(clashes)


def test_mnemonics_are_unique_in_every_window(qtbot, window, workspace) -> None:
    from PySide6.QtCore import QUrl

    person = _open(qtbot, window)
    window.person_panel.banner.setVisible(True)
    _assert_unique(window)
    opened = []
    window.person_panel.record_note()
    window.person_panel.record_review()
    window.person_panel.escalate()
    note = next(n for n in workspace.notes.timeline(person.id) if n.signed)
    window.person_panel.notes_view.anchorClicked.emit(QUrl(f"amend:{note.id}"))
    from app.escalations import EscalationDraft
    from tests.conftest import NOW

    codes = [c.code for c in workspace.escalations.config.pathways.criteria.criteria]
    escalation, _ = workspace.escalations.start(EscalationDraft(person.id, codes[:1], "Rang in distress", NOW))
    window.person_panel.open_escalation(escalation)
    opened = {type(d) for d in window.person_panel.dialogs}
    assert opened == {NoteDialog, ReviewDialog, EscalationStartDialog, AmendDialog, EscalationWindow}
    for dialog in window.person_panel.dialogs:
        _assert_unique(dialog)


def test_return_presses_the_focused_button_in_the_main_window(qtbot, window) -> None:
    _open(qtbot, window)
    window.person_panel.note_button.setFocus()
    qtbot.keyClick(window.person_panel.note_button, Qt.Key.Key_Return)
    assert any(isinstance(d, NoteDialog) for d in window.person_panel.dialogs)


def _state(window) -> tuple:
    panel = window.person_panel
    return (
        tuple(type(d).__name__ for d in panel.dialogs),
        panel.tabs.currentIndex(),
        window.work_due_only.isChecked(),
        QApplication.focusWidget(),
    )


def test_every_alt_shortcut_the_main_window_shows_works_from_the_search_box(qtbot, window) -> None:
    """A duty worker's Alt+O typed an "o" into the search box (a new user's overnight review, finding 4): every
    Alt+letter a visible control offers does its thing from the search box, and types nothing there."""
    _open(qtbot, window)
    qtbot.waitUntil(window.unreached_bar.isVisible)  # the demo's welfare check that reached nobody: Alt+O
    shown = sorted(
        {
            (letter, text)
            for letter, text in _mnemonics(window)
            if any(w.isVisible() and _offers(w, text) for w in window.findChildren(QWidget))
        }
    )
    letters = [letter for letter, _ in shown]
    assert {"o", "d", "e", "n", "v", "p", "t", "i", "s", "l"} <= set(letters), letters
    for letter, text in shown:
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow)
        window.work_due_only.setChecked(False)
        tabs = window.person_panel.tabs
        tabs.setCurrentIndex(1 if text == tabs.tabText(0) else 0)  # so choosing a tab is seen to change it
        window.search_box.clear()
        window.search_box.setFocus()
        before = _state(window)
        qtbot.keyClick(window.search_box, getattr(Qt.Key, f"Key_{letter.upper()}"), Qt.KeyboardModifier.AltModifier)
        qtbot.waitUntil(lambda b=before: _state(window) != b, timeout=2_000)  # a button's press animates first
        assert window.search_box.text() == "", f"Alt+{letter.upper()} ({text!r}) typed into the search box"
        _close_dialogs(window)


def test_an_alt_letter_nothing_offers_types_nothing_into_the_search_box(qtbot, window) -> None:
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    assert not window.person_panel.banner.isVisible()  # its Alt+A is not on offer
    window.search_box.setFocus()
    for key in (Qt.Key.Key_A, Qt.Key.Key_X):
        qtbot.keyClick(window.search_box, key, Qt.KeyboardModifier.AltModifier)
    assert window.search_box.text() == ""
    qtbot.keyClicks(window.search_box, "ax")
    assert window.search_box.text() == "ax", "typing is untouched"


def _offers(widget: QWidget, text: str) -> bool:
    if isinstance(widget, QTabWidget):
        return text in [widget.tabText(i) for i in range(widget.count())]
    return isinstance(widget, (QAbstractButton, QLabel)) and widget.text() == text


def _visible_mnemonics(window: QWidget) -> list[tuple[str, str]]:
    """The Alt+letters a window offers right now: Qt ignores a hidden widget's mnemonic, so two on different
    pages of a tab do not clash, but anything on screen together must be unique."""
    return [(letter, text) for letter, text, widget in _mnemonic_widgets(window) if widget.isVisible()]


def _mnemonic_widgets(window: QWidget) -> list[tuple[str, str, QWidget]]:
    found = []
    for widget in [window, *(w for w in window.findChildren(QWidget) if w.window() is window)]:
        texts: list[str] = []
        if isinstance(widget, QAbstractButton) or (isinstance(widget, QLabel) and widget.buddy() is not None):
            texts.append(widget.text())
        elif isinstance(widget, QGroupBox) and widget.isCheckable():
            texts.append(widget.title())
        elif isinstance(widget, QTabWidget):
            texts.extend(widget.tabText(i) for i in range(widget.count()))
        for text in texts:
            found.extend((letter.lower(), text, widget) for letter in re.findall(r"(?<!&)&([^&\s])", text))
    return found


def _assert_unique_on_screen(window: QWidget, where: str) -> None:
    seen: dict[str, str] = {}
    clashes = []
    for letter, text in _visible_mnemonics(window):
        if letter in seen and seen[letter] != text:
            clashes.append(f"Alt+{letter.upper()}: {seen[letter]!r} and {text!r}")
        seen.setdefault(letter, text)
    assert not clashes, f"{where}: " + "; ".join(clashes)


@pytest.fixture
def lead_window(qtbot, pool, tmp_path):
    """The demo team lead's laptop (the team's synced records), queue and persons loaded."""
    from app.clock import FixedClock
    from app.workspace import Workspace
    from resources.demo.lead import populate_lead
    from tests.conftest import NOW, PASSPHRASE, TEST_KDF
    from ui.main_window import MainWindow

    ws = Workspace.create(tmp_path / "lead", PASSPHRASE, kdf=TEST_KDF, clock=FixedClock(NOW))
    populate_lead(ws, persons=8, seed=3, now=NOW)
    win = MainWindow(ws, pool, settings_path=tmp_path / "window.ini")
    qtbot.addWidget(win)
    win.show()
    assert win.lead_desktop is not None and win.governance is not None
    qtbot.waitUntil(lambda: win.lead_desktop.model.rowCount() > 0, timeout=20_000)
    # A lead holds no caseload of their own: open one of the team's persons as the queue does.
    win.person_panel.show_person(ws, win.lead_desktop.model.item(0).person_id)
    yield win
    win.close()
    ws.close()


def test_mnemonics_are_unique_on_every_page_of_the_leads_window_and_its_dialogs(qtbot, lead_window) -> None:
    win = lead_window
    win.person_panel.banner.setVisible(True)
    inner = {0: win.lead_desktop.tabs, 2: win.person_panel.tabs}
    for page in range(win.lead_tabs.count()):
        win.lead_tabs.setCurrentIndex(page)
        tabs = inner.get(page)
        for sub in range(tabs.count() if tabs is not None else 1):
            if tabs is not None:
                tabs.setCurrentIndex(sub)
            where = win.lead_tabs.tabText(page) + (f" / {tabs.tabText(sub)}" if tabs is not None else "")
            _assert_unique_on_screen(win, where)
    for dialog in (win.lead_desktop.record_supervision(), win.lead_desktop.record_learning_review(),
                   win.lead_desktop.case_audit()):  # fmt: skip
        qtbot.waitUntil(lambda d=dialog: getattr(d, "choices", True) is not None, timeout=10_000)
        _assert_unique(dialog)


@pytest.mark.parametrize("page", [0, 1, 2])
def test_alt_1_g_and_r_choose_the_leads_pages_from_every_page(qtbot, lead_window, page) -> None:
    win = lead_window
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow)
    for key, wanted in ((Qt.Key.Key_1, 0), (Qt.Key.Key_G, 1), (Qt.Key.Key_R, 2)):
        win.lead_tabs.setCurrentIndex(page)
        win.lead_tabs.currentWidget().setFocus()
        qtbot.keyClick(QApplication.focusWidget() or win, key, Qt.KeyboardModifier.AltModifier)
        assert win.lead_tabs.currentIndex() == wanted, f"Alt+{chr(key)} from {win.lead_tabs.tabText(page)!r}"


def _show_every_banner(window) -> None:
    panel = window.person_panel
    for banner in (panel.banner, panel.plan_conflict):
        banner.setVisible(True)
        for button in banner.findChildren(QAbstractButton):
            button.setVisible(True)


def test_the_welfare_check_bar_the_tabs_and_every_banner_offer_unique_alt_letters(qtbot, window) -> None:
    """A new user took the Notes tab for Alt+O's: the bar's Alt+O, the person's tabs and every button and banner
    the main window can show at once each have a letter of their own."""
    _open(qtbot, window)
    qtbot.waitUntil(window.unreached_bar.isVisible)
    _show_every_banner(window)
    window.contacts_dock.show()
    letters = dict(_visible_mnemonics(window))
    assert letters["o"].startswith("&Open ") and letters["t"] == "No&tes", letters
    _assert_unique_on_screen(window, "worker's main window")


def test_a_team_leads_window_offers_unique_alt_letters_on_every_tab(qtbot, workspace, pool, tmp_path) -> None:
    """The lead's tabs are on screen beside every page: on the Persons page the Team review tab and the person's
    Notes tab both answered Alt+T, and Persons and the missed-contact banner's review both Alt+R."""
    from tests.app.test_write_path import as_team_lead
    from ui.main_window import MainWindow

    as_team_lead(workspace)
    win = MainWindow(workspace, pool, settings_path=tmp_path / "lead.ini")
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(win.unreached_bar.isVisible, timeout=20_000)
    win.open_person(win.unreached[0].person_id)
    _show_every_banner(win)
    assert win.lead_tabs is not None
    for page in range(win.lead_tabs.count()):
        win.lead_tabs.setCurrentIndex(page)
        _assert_unique_on_screen(win, f"lead window, {win.lead_tabs.tabText(page)!r} tab")
    # And each answers its key from the Persons page: no two controls share one, so none is left undecided.
    alt = Qt.KeyboardModifier.AltModifier
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow)
    win.lead_tabs.setCurrentWidget(win.splitter)
    win.search_box.setFocus()
    qtbot.keyClick(win.search_box, Qt.Key.Key_T, alt)
    assert win.person_panel.tabs.currentWidget() is win.person_panel.notes_view
    assert win.lead_tabs.currentWidget() is win.splitter
    qtbot.keyClick(win.person_panel.notes_view, Qt.Key.Key_1, alt)
    assert win.lead_tabs.currentWidget() is win.lead_desktop
    qtbot.keyClick(win.lead_desktop, Qt.Key.Key_R, alt)
    assert win.lead_tabs.currentWidget() is win.splitter
