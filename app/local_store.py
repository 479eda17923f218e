"""Whether this laptop already holds a store, answered without loading the database code."""

from __future__ import annotations

from pathlib import Path

from storage import layout


def store_exists(data_dir: Path) -> bool:
    return layout.exists(data_dir)
