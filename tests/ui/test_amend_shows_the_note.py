"""The amend dialog shows the note being amended, read only, above the amendment (a new user's review: it
hid the note, so a correction had to be written from memory)."""

from PySide6.QtCore import QPoint, QUrl

from ui.amend_dialog import AmendDialog


def test_the_note_being_amended_is_shown_read_only_above_the_amendment(qtbot, window, workspace) -> None:
    person_id = window.model.row_at(0).person_id
    window.open_person(person_id)
    note = next(n for n in workspace.notes.timeline(person_id) if n.signed and n.narrative)
    window.person_panel.notes_view.anchorClicked.emit(QUrl(f"amend:{note.id}"))
    dialog = next(d for d in window.person_panel.dialogs if isinstance(d, AmendDialog))
    qtbot.waitExposed(dialog)
    shown = dialog.original
    assert shown.isVisible() and shown.isReadOnly()
    assert shown.toPlainText().startswith(note.narrative)
    assert shown.mapTo(dialog, QPoint(0, 0)).y() < dialog.text.mapTo(dialog, QPoint(0, 0)).y()
    qtbot.keyClicks(shown, "typed over")
    assert shown.toPlainText().startswith(note.narrative) and "typed over" not in shown.toPlainText()
    assert not dialog.has_unsaved_text(), "the note shown is not something the worker typed"
    assert dialog.kind.hasFocus() or dialog.focusWidget() is dialog.kind


def test_earlier_amendments_are_shown_with_the_note(qtbot, window, workspace) -> None:
    from app.contact_notes import AmendmentKind

    person_id = window.model.row_at(0).person_id
    window.open_person(person_id)
    note = next(n for n in workspace.notes.timeline(person_id) if n.signed)
    workspace.notes.amend(note.id, AmendmentKind.ADDENDUM, "Forgot to add", "GP letter arrived")
    note = workspace.notes.get(note.id)
    dialog = window.person_panel.amend(note.id)
    assert isinstance(dialog, AmendDialog)
    text = dialog.original.toPlainText()
    assert "Addendum" in text and "GP letter arrived" in text and "Forgot to add" in text
