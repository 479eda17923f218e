"""Typed text kept clean as it is typed or pasted (app.text_input's rules), with a stated length limit."""

from __future__ import annotations

from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QLabel, QLineEdit, QPlainTextEdit

from app.text_input import FIELD_MAX_CHARS, clean_text


def limit_text(edit: QPlainTextEdit, max_chars: int, counter: QLabel | None = None) -> None:
    """Strip control characters (but newline and tab) as they arrive, stop at ``max_chars``, and keep
    ``counter`` saying how much is used, for screen readers too."""

    def on_change() -> None:
        text = edit.toPlainText()
        cleaned = clean_text(text)[:max_chars]
        if cleaned != text:
            position = min(edit.textCursor().position(), len(cleaned))
            edit.blockSignals(True)
            edit.setPlainText(cleaned)
            edit.blockSignals(False)
            cursor = edit.textCursor()
            cursor.setPosition(position, QTextCursor.MoveMode.MoveAnchor)
            edit.setTextCursor(cursor)
        if counter is not None:
            used = len(cleaned)
            full = " — the limit: shorten it or add the rest to a second note" if used >= max_chars else ""
            counter.setText(f"{used:,} of {max_chars:,} characters{full}")
            counter.setAccessibleDescription(counter.text())

    edit.textChanged.connect(on_change)
    on_change()


def limit_line(edit: QLineEdit, max_chars: int = FIELD_MAX_CHARS) -> None:
    edit.setMaxLength(max_chars)

    def on_change(text: str) -> None:
        cleaned = clean_text(text).replace("\n", " ")
        if cleaned != text:
            position = min(edit.cursorPosition(), len(cleaned))
            edit.setText(cleaned)
            edit.setCursorPosition(position)

    edit.textChanged.connect(on_change)
