"""Bad text at input and on display (issue 11, item 16)."""

from datetime import timedelta

from PySide6.QtCore import Qt, QUrl

from app.contact_notes import ContactMethod, NoteDraft, Outcome
from app.text_input import NOTE_MAX_CHARS, clean_text, neutralise_bidi
from tests.conftest import NOW
from tests.ui.note_form import choose
from tests.ui.saves import wait_saved
from ui.note_dialog import NoteDialog


def _open(qtbot, window, row: int = 0):
    name = window.model.row_at(row).preferred_name
    qtbot.keyClicks(window.search_box, name)
    qtbot.keyClick(window.search_box, Qt.Key.Key_Return)
    return window.person_panel.person


def test_control_characters_are_stripped_as_typed_or_pasted_except_newline_and_tab(qtbot, window, workspace):
    person = _open(qtbot, window)
    window.person_panel.record_note()
    dialog = next(d for d in window.person_panel.dialogs if isinstance(d, NoteDialog))
    choose(dialog)
    dialog.narrative.insertPlainText("Seen\x00 at home\x07\x1b[31m,\x08 calm\nTab\there\r\nend")
    dialog.next_action.insert("Call\x00 back\x1b")
    assert dialog.narrative.toPlainText() == "Seen at home[31m, calm\nTab\there\nend"
    assert dialog.next_action.text() == "Call back"
    dialog.save()
    wait_saved(qtbot, dialog)
    stored = workspace.notes.timeline(person.id, limit=1)[0]
    assert stored.signed and stored.narrative == "Seen at home[31m, calm\nTab\there\nend"


def test_a_note_states_its_length_limit_with_a_counter_and_stops_there(qtbot, window) -> None:
    _open(qtbot, window)
    window.person_panel.record_note()
    dialog = next(d for d in window.person_panel.dialogs if isinstance(d, NoteDialog))
    qtbot.keyClicks(dialog.narrative, "Twelve chars")
    assert dialog.narrative_count.text().startswith(f"12 of {NOTE_MAX_CHARS:,} characters")
    dialog.narrative.insertPlainText("x" * (NOTE_MAX_CHARS + 50))
    assert len(dialog.narrative.toPlainText()) == NOTE_MAX_CHARS
    assert "the limit" in dialog.narrative_count.text()
    assert dialog.narrative_count.accessibleDescription() == dialog.narrative_count.text()


def test_a_right_to_left_override_cannot_reverse_what_is_displayed(qtbot, window, workspace) -> None:
    person = _open(qtbot, window)
    workspace.notes.record(
        NoteDraft(
            person.id, NOW - timedelta(hours=1), NOW, ContactMethod.PHONE, Outcome.SPOKEN_TO, "safe \u202eplan agreed"
        )
    )
    window.person_panel.refresh()
    assert "\u202e" not in window.person_panel.notes_view.toPlainText()
    assert "safe plan agreed" in window.person_panel.notes_view.toPlainText()
    assert "\u202e" not in window.plan_view.toPlainText()


def test_a_very_long_note_is_folded_with_show_all(qtbot, window, workspace) -> None:
    person = _open(qtbot, window)
    long_text = "word " * 10_000
    note, _ = workspace.notes.record(
        NoteDraft(person.id, NOW - timedelta(hours=1), NOW, ContactMethod.PHONE, Outcome.SPOKEN_TO, long_text)
    )
    window.person_panel.refresh()
    shown = window.person_panel.notes_view.toPlainText()
    assert len(shown) < 5_000 and "show all (49,999 characters)" in shown
    window.person_panel.notes_view.anchorClicked.emit(QUrl(f"expand:{note.id}"))
    assert len(window.person_panel.notes_view.toPlainText()) > 49_000


def test_cleaning_rules() -> None:
    assert clean_text("a\x00b\x7fc\x85d\te\nf\rg") == "abcd\te\nf\ng"
    assert neutralise_bidi("a\u202eb\u2066c\u200fd\ne") == "abcd\ne"
