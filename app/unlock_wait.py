"""How long before the next unlock attempt is allowed, read without the passphrase.

Failed unlocks slow down (storage.store.Throttle). Asked before an attempt, the wait can be shown as a
countdown; otherwise it would pass silently after the worker typed the right passphrase.
"""

from __future__ import annotations

from pathlib import Path


def seconds_to_wait(data_dir: Path) -> float:
    # Imported here: the unlock window must not load the database code before the worker types.
    from storage.store import THROTTLE_NAME, Throttle

    return Throttle(data_dir / THROTTLE_NAME).delay()
