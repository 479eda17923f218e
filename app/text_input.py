"""What typed text may hold: no control characters but newline and tab, and a stated length.

Stripped at input, before anything is saved: a signed note can never be changed, so a stray NUL, ESC or
backspace pasted from another program would otherwise stay in the clinical record for good.
"""

from __future__ import annotations

import re
import unicodedata

# Long enough for the longest real note (about ten pages); short enough that one paste cannot swamp a view.
NOTE_MAX_CHARS = 20_000
FIELD_MAX_CHARS = 500

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Explicit direction overrides and isolates: kept as typed in the record, neutralised on display.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")


def clean_text(text: str) -> str:
    """``text`` without control characters other than newline and tab (carriage returns become newlines)."""
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def neutralise_bidi(text: str) -> str:
    """``text`` with every direction override or isolate removed, so stored text can never reverse what is
    displayed around it (a right-to-left override would show a note backwards)."""
    return "".join(ch for ch in text if (ch not in _BIDI_CONTROLS and unicodedata.category(ch) != "Cc") or ch in "\n\t")
