"""Stored text made safe to show: HTML-escaped, with direction overrides neutralised, long text folded."""

from __future__ import annotations

import html

from app.text_input import neutralise_bidi

# About a screenful of the notes tab: a longer note shows this much, then "show all".
FOLD_AT = 1_200


def escape(text: str) -> str:
    """``html.escape`` for display: a right-to-left override in stored text can no longer reverse it."""
    return html.escape(neutralise_bidi(text))


def folded(text: str, link: str, *, expanded: bool = False) -> str:
    """``text`` escaped; past FOLD_AT characters cut at a word, with a "show all" link to ``link``."""
    if expanded or len(text) <= FOLD_AT:
        return escape(text)
    cut = text.rfind(" ", 0, FOLD_AT)
    head = text[: cut if cut > FOLD_AT // 2 else FOLD_AT]
    return f"{escape(head)}… <a href='{link}'>show all ({len(text):,} characters)</a>"
