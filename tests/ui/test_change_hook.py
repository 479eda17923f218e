"""One change hook (issue 8, item 8): every save's Changed, and records a background sync receives, reach the
open views, which redraw only what the change touched and never what the worker is typing."""

from __future__ import annotations

from app.changes import Changed, OpChanges
from app.safety_reviews import TriggerPoint
from tests.ui.fake_sync import REMOTE_TEXT, Server, remote_note, synced_window
from tests.ui.saves import wait_saved
from ui.note_dialog import NoteDialog
from ui.review_dialog import ReviewDialog


def test_a_note_received_by_a_background_sync_appears_and_what_is_being_typed_stays(
    qtbot, workspace, pool, tmp_path
) -> None:
    server = Server(workspace)
    win = synced_window(qtbot, workspace, pool, tmp_path, server)
    person = win.model.row_at(0)
    win.open_person(person.person_id)
    panel = win.person_panel
    panel.record_note()
    dialog = next(d for d in panel.dialogs if isinstance(d, NoteDialog))
    qtbot.keyClicks(dialog.narrative, "Half way through writing this")
    dialog.next_action.setText("Ring on Friday")
    assert REMOTE_TEXT not in panel.notes_view.toPlainText()

    envelope = remote_note(workspace, person.person_id)
    server.changes = [
        {"seq": 1, "entity": "record", "person_id": str(person.person_id), "entity_id": envelope["record_id"],
         "data": envelope}
    ]  # fmt: skip
    server.release.set()
    win.sync_now()  # what the background timer calls; nobody presses a key
    qtbot.waitUntil(lambda: REMOTE_TEXT in panel.notes_view.toPlainText(), timeout=10_000)
    assert REMOTE_TEXT in panel.plan_view.toPlainText(), "the plan's latest notes too"
    assert dialog.isVisible() and dialog in panel.dialogs
    assert dialog.narrative.toPlainText() == "Half way through writing this"
    assert dialog.next_action.text() == "Ring on Friday"


def test_records_for_someone_else_leave_the_open_person_as_drawn(qtbot, window) -> None:
    first, second = window.model.row_at(0), window.model.row_at(1)
    window.open_person(first.person_id)
    panel = window.person_panel
    drawn: list[str] = []
    for name in ("plan_view", "notes_view", "reviews_view", "escalations_view"):
        view = getattr(panel, name)
        original = view.setHtml
        view.setHtml = lambda html, name=name, original=original: (drawn.append(name), original(html))
    window.ops.notify(OpChanges(Changed.NOTES | Changed.REMOTE, frozenset({second.person_id})))
    assert drawn == []
    window.ops.notify(OpChanges(Changed.REVIEWS | Changed.REMOTE, frozenset({first.person_id})))
    assert drawn == ["reviews_view"], "only the part the change touched"


def test_a_saved_review_redraws_the_reviews_and_not_the_notes(qtbot, window, workspace) -> None:
    person = window.model.row_at(0)
    window.open_person(person.person_id)
    panel = window.person_panel
    drawn: list[str] = []
    for name in ("plan_view", "notes_view", "reviews_view", "escalations_view"):
        view = getattr(panel, name)
        original = view.setHtml
        view.setHtml = lambda html, name=name, original=original: (drawn.append(name), original(html))
    panel.record_review(TriggerPoint.MEDICATION_CHANGE)
    dialog = next(d for d in panel.dialogs if isinstance(d, ReviewDialog))
    dialog.what_changed.setPlainText("New medication started")
    dialog.account.setPlainText("Feels foggy in the mornings")
    dialog.why.setPlainText("Mornings were when she felt worst")
    dialog.plan_reviewed.setChecked(True)
    dialog.save()
    wait_saved(qtbot, dialog)
    assert not dialog.isVisible()
    assert "New medication started" in panel.reviews_view.toPlainText()
    assert "notes_view" not in drawn and "escalations_view" not in drawn
    assert set(drawn) >= {"reviews_view"}
