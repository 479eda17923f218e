"""One copy of Waymark per store: a second copy opening the same records is told they are in use.

Two copies writing one store would each believe their view is current (a note signed in one would be
missing from the other's caseload until restarted). The lock is the operating system's, on a file beside
the store: it goes when the process goes, so a crash never leaves the store locked.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from app.errors import WaymarkError

LOCK_NAME = "waymark.lock"


class StoreInUse(WaymarkError):
    def __init__(self) -> None:
        super().__init__(
            "These records are already open in another Waymark window on this laptop (it may be minimised or "
            "on another desktop). Switch to that window, or close it and try again. Nothing has been changed."
        )


class StoreLock:
    def __init__(self, fd: int) -> None:
        self._fd: int | None = fd

    @classmethod
    def acquire(cls, data_dir: Path) -> StoreLock:
        """Hold the store for this process; StoreInUse if another copy holds it."""
        if not data_dir.is_dir():
            data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(data_dir / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            _lock(fd)
        except OSError:
            os.close(fd)
            raise StoreInUse() from None
        return cls(fd)

    def release(self) -> None:
        if self._fd is not None:
            _unlock(self._fd)
            os.close(self._fd)
            self._fd = None


if sys.platform == "win32":
    import msvcrt

    def _lock(fd: int) -> None:
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _lock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
