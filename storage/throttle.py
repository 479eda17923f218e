"""Unlock throttling: failed passphrases slow the next attempt down, and never wipe anything."""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from storage.keyfile import write_atomically
from storage.layout import KEY_NAME

MAX_DELAY_SECONDS = 30.0
ATTEMPTS_FIELD = "unlock_attempts"

# The delay doubles per failure up to this cap; the exponent is capped too, so no count can overflow.
_MAX_EXPONENT = 16


@dataclass
class Throttle:
    """Failed unlocks slow down, and never wipe. State holds no secrets.

    The count is kept twice: in its own file and inside the key file (outside the key file's check
    value, since a wrong passphrase must be able to record it). The higher count wins, so deleting the
    attempts file does not reset the wait, and deleting the key file leaves nothing to unlock. Attempts
    are serialised with a lock on the data folder, so parallel guessers queue instead of sharing a wait.
    A clock stepped back (a last failure "in the future") counts as now, and nothing here can stop the
    right passphrase beyond the wait already due.
    """

    path: Path
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.time
    failures: int = field(init=False, default=0)
    last_failure: float = field(init=False, default=0.0)

    def __post_init__(self) -> None:
        self.reload()

    @property
    def _key_file(self) -> Path:
        return self.path.with_name(KEY_NAME)

    def reload(self) -> None:
        found = [_read_attempts(self.path), _read_key_file_attempts(self._key_file)]
        self.failures, self.last_failure = max(found)

    def delay(self) -> float:
        """Seconds still to wait before the next attempt may be tried (never more than the cap)."""
        if self.failures <= 0:
            return 0.0
        wanted = min(2.0 ** min(self.failures - 1, _MAX_EXPONENT), MAX_DELAY_SECONDS)
        now = self.clock()
        last = min(self.last_failure, now)  # a failure "in the future" means the clock went back
        return min(wanted, max(0.0, last + wanted - now))

    def wait(self) -> None:
        remaining = self.delay()
        if remaining > 0:
            self.sleep(remaining)

    def failed(self) -> None:
        self.failures = min(self.failures + 1, 1_000_000)
        self.last_failure = self.clock()
        self._save()

    def succeeded(self) -> None:
        if self.failures:
            self.failures, self.last_failure = 0, 0.0
            self._save()

    @contextlib.contextmanager
    def attempt(self) -> Iterator[None]:
        """Hold the data folder's unlock lock for one attempt, reading the latest count under it."""
        with _folder_lock(self.path.parent):
            self.reload()
            yield

    def _save(self) -> None:
        doc = {"failures": self.failures, "last_failure": self.last_failure}
        # Best effort: a path made unwritable (a folder put in its place) must not crash the unlock;
        # the copy in the key file still counts.
        with contextlib.suppress(OSError):
            write_atomically(self.path, json.dumps(doc).encode())
        with contextlib.suppress(OSError, ValueError):
            key_doc = json.loads(self._key_file.read_text(encoding="utf-8"))
            if isinstance(key_doc, dict) and key_doc.get("format"):
                key_doc[ATTEMPTS_FIELD] = doc
                write_atomically(self._key_file, json.dumps(key_doc, indent=2).encode("utf-8"))


def _parse_attempts(doc: object) -> tuple[int, float]:
    try:
        assert isinstance(doc, dict)
        failures = max(0, min(int(doc["failures"]), 1_000_000))
        last = float(doc["last_failure"])
        if last != last or last in (float("inf"), float("-inf")):
            return failures, 0.0
        return failures, last
    except (AssertionError, ValueError, KeyError, TypeError, OverflowError):
        return 0, 0.0


def _read_attempts(path: Path) -> tuple[int, float]:
    try:
        return _parse_attempts(json.loads(path.read_text()))
    except (OSError, ValueError, UnicodeDecodeError):
        return 0, 0.0


def _read_key_file_attempts(path: Path) -> tuple[int, float]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return 0, 0.0
    return _parse_attempts(doc.get(ATTEMPTS_FIELD)) if isinstance(doc, dict) else (0, 0.0)


@contextlib.contextmanager
def _folder_lock(folder: Path) -> Iterator[None]:
    try:
        import fcntl
    except ImportError:  # Windows: a lock file beside the store
        import msvcrt

        fd = os.open(folder / "unlock.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            msvcrt.locking(fd, msvcrt.LK_LOCK, 1)  # type: ignore[attr-defined]
            yield
        finally:
            os.close(fd)
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock
