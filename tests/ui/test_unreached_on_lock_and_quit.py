"""Locking or quitting with an open escalation that reached nobody says so (a new user's review): the lock
screen with a count and the number to phone (no personal data on a locked screen, DESIGN §7), the quit
question by the person's short name; both besides what is unsent."""

from PySide6.QtWidgets import QMessageBox

from app.escalations import ActionDraft, ActionKind
from app.unreached import reaching_nobody

# The demo holds one welfare check that has reached nobody: Yasmin U.'s, with the duty manager to phone.
PHONE = "Eastmoor team duty manager, 01632 960102"


def _names(window) -> list[str]:
    rows = [window.model.row_at(i) for i in range(window.model.rowCount())]
    return [n for r in rows for n in (r.preferred_name, *r.full_name.split())]


def test_the_lock_screen_says_an_open_welfare_check_reached_nobody_without_naming_anyone(qtbot, window) -> None:
    names = _names(window)
    unsent = window.workspace.outbox_pending()
    window.lock_full()
    text = window.lock_screen.help.toPlainText()
    assert "1 open welfare check has reached nobody yet: nobody has been told." in text
    assert f"Phone now: {PHONE}." in text
    assert text.index("reached nobody") < text.index("Samaritans"), "first, above the crisis numbers"
    assert not [n for n in names if n in text], "no name on a locked screen"
    assert f"{unsent} records are on this laptop only" in window.lock_screen.message.text(), "unsent: still said"


def test_the_screen_lock_after_idle_says_it_too(qtbot, window) -> None:
    names = _names(window)
    window.lock_ui()
    text = window.lock_screen.help.toPlainText()
    assert "1 open welfare check has reached nobody yet" in text and PHONE in text
    assert not [n for n in names if n in text]


def test_the_quit_question_names_the_person_and_the_number_before_the_unsent_records(qtbot, window) -> None:
    unsent = window.workspace.outbox_pending()
    window.request_quit()
    question = window.quit_question
    assert question is not None and question.isVisible()
    text = question.text()
    assert text.startswith(f"A welfare check for Yasmin U. has reached nobody yet. Phone {PHONE} now.")
    assert "Quitting tells nobody" in text
    assert f"{unsent} records are on this laptop only (not sent yet)" in text
    assert question.icon() is QMessageBox.Icon.Warning
    assert question.defaultButton().text().replace("&", "") == "Keep Waymark open"
    question.reject()
    assert window.isVisible()


def test_once_someone_is_reached_the_lock_screen_says_nothing_of_it(qtbot, window, workspace) -> None:
    (item,) = reaching_nobody(workspace.escalations, workspace.caseload.person)
    escalation = workspace.escalations.get(item.escalation_id)
    offer = workspace.escalations.phone_now(escalation)
    assert offer is not None
    draft = ActionDraft(escalation.walk.current.id, ActionKind.PHONED, reached=True, contact_id=offer.entry.id)
    workspace.escalations.record_action(escalation.id, draft)
    window.lock_full()
    assert "reached nobody" not in window.lock_screen.help.toPlainText()


def test_nothing_unsent_but_an_escalation_reaching_nobody_still_asks_before_quitting(
    qtbot, window, workspace, monkeypatch
) -> None:
    monkeypatch.setattr(workspace, "outbox_pending", lambda: 0)  # as on a laptop whose records have all been sent
    window.request_quit()
    question = window.quit_question
    assert question is not None and question.isVisible()
    assert "reached nobody yet" in question.text() and "not sent" not in question.text()
    question.reject()
    assert window.isVisible()
