"""Every save goes through here: on the store's one write queue, off the UI thread, then one change hook.

Modelled on Anki's ``CollectionOp`` and ``operation_did_execute``: an operation runs on the serial pool
that sync also uses (one writer at a time, in order), and when it has committed, its ``OpChanges`` are
sent through ``did_execute`` so each open view refreshes only what the change touches. Records received
by a background sync go through the same hook with ``Changed.REMOTE``.

A save that meets another writer's lock (StoreBusy: nothing was written) is tried again until it lands;
the dialog is told it is waiting, so the worker sees why and nothing they typed is at risk.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from app.changes import Changed, OpChanges
from app.errors import StoreBusy

T = TypeVar("T")

# Waits between tries while another writer holds the lock (each try already waits the busy timeout).
RETRY_WAIT_S = (0.05, 0.2, 0.5, 1.0)


class _Signals(QObject):
    succeeded = Signal(object, object)  # result, Changed
    failed = Signal(Exception)
    waiting = Signal()


class _Op(QRunnable):
    def __init__(self, work: Callable[[], tuple[Any, Changed]], retry_wait: tuple[float, ...]) -> None:
        super().__init__()
        self.setAutoDelete(False)  # kept by StoreOps until it reports
        self.signals = _Signals()  # created on the UI thread, so its signals are delivered there
        self._work = work
        self._retry_wait = retry_wait

    def run(self) -> None:
        tries = 0
        while True:
            try:
                result, changed = self._work()
            except StoreBusy:
                # Rolled back whole: running the same write again cannot record anything twice.
                if tries == 0:
                    self.signals.waiting.emit()
                time.sleep(self._retry_wait[min(tries, len(self._retry_wait) - 1)])
                tries += 1
                continue
            except Exception as exc:  # shown to the worker by whoever listens to `failed`
                self.signals.failed.emit(exc)
                return
            self.signals.succeeded.emit(result, changed)
            return


class StoreOps(QObject):
    """The window's write queue and its change hook."""

    did_execute = Signal(object)  # OpChanges

    def __init__(self, pool: QThreadPool, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pool = pool
        self.retry_wait = RETRY_WAIT_S
        self._running: list[_Op] = []

    def run(
        self,
        work: Callable[[], tuple[T, Changed]],
        *,
        persons: Iterable[uuid.UUID] = (),
        initiator: object | None = None,
        succeeded: Callable[[T], object] | None = None,
        failed: Callable[[Exception], object] | None = None,
        waiting: Callable[[], object] | None = None,
    ) -> None:
        """Queue ``work`` (a service call returning its result and what it changed). When it has
        committed, ``succeeded`` gets the result on the UI thread, then the change hook fires."""
        op = _Op(work, self.retry_wait)
        who = frozenset(persons)

        def done(result: Any, changed: Changed) -> None:
            self._forget(op)
            if succeeded is not None:
                succeeded(result)
            self.notify(OpChanges(changed, who, initiator))

        def failure(exc: Exception) -> None:
            self._forget(op)
            if failed is not None:
                failed(exc)

        op.signals.succeeded.connect(done)
        op.signals.failed.connect(failure)
        if waiting is not None:
            op.signals.waiting.connect(waiting)
        self._running.append(op)
        self.pool.start(op)

    def notify(self, changes: OpChanges) -> None:
        """Tell every open view what changed (also for records that arrived from the server)."""
        # A save queued before the window closed may land after it is gone: there is nobody left to tell.
        if changes.changed and shiboken6.isValid(self):
            self.did_execute.emit(changes)

    @property
    def busy(self) -> bool:
        """A save is queued or running."""
        return bool(self._running)

    def _forget(self, op: _Op) -> None:
        if op in self._running:
            self._running.remove(op)
