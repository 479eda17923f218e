"""Every save goes through here: on the store's one write queue, off the UI thread, then one change hook.

Modelled on Anki's ``CollectionOp`` and ``operation_did_execute``: an operation runs on the serial pool
that sync also uses (one writer at a time, in order), and when it has committed, its ``OpChanges`` are
sent through ``did_execute`` so each open view refreshes only what the change touches. Records received
by a background sync go through the same hook with ``Changed.REMOTE``.

A save that meets another writer's lock (StoreBusy: nothing was written) is tried again until it lands;
the dialog is told it is waiting, so the worker sees why and nothing they typed is at risk.

A sync runs on a thread of its own and puts only its units of local work on this queue (``sync_units``):
one push batch's acknowledgement, one pulled page with its cursor, one snapshot. Its network waits happen
off the queue, so a save queued during a long sync lands after at most one such unit.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from app.changes import Changed, OpChanges
from app.errors import StoreBusy
from sync.client import NOTHING_LOST, SyncFailure

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


def sync_stopped() -> SyncFailure:
    return SyncFailure(
        f"Sync stopped because Waymark was locked or closed. {NOTHING_LOST} It carries on at the next sync.",
        reason="stopped",
        retry=True,
    )


class _SyncUnit(QRunnable):
    """One unit of a sync's local work, run on the queue while the sync's own thread waits for it."""

    def __init__(self, work: Callable[[], Any], stop: threading.Event, retry_wait: tuple[float, ...]) -> None:
        super().__init__()
        self.setAutoDelete(False)  # kept by the waiting sync (see StoreOps.sync_units)
        self.done = threading.Event()
        self.result: Any = None
        self.error: BaseException | None = None
        self._work = work
        self._stop = stop
        self._retry_wait = retry_wait

    def run(self) -> None:
        tries = 0
        try:
            while True:
                if self._stop.is_set():
                    # The store is closing (a lock, a quit): queued before the close, this unit must not open
                    # it again. Stopping between units leaves nothing half-done (each is one transaction).
                    raise sync_stopped()
                try:
                    self.result = self._work()
                    return
                except StoreBusy:  # rolled back whole, as a save's is: try again once the lock frees
                    time.sleep(self._retry_wait[min(tries, len(self._retry_wait) - 1)])
                    tries += 1
        except BaseException as exc:  # handed to the waiting sync, which reports it as any sync failure
            self.error = exc
        finally:
            self.done.set()


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

    def sync_units(self, stop: threading.Event) -> Callable[[Callable[[], T]], T]:
        """How a sync on another thread runs each unit of its local work (``SyncEngine.local``): queued
        here in turn with the saves, and waited for. Once ``stop`` is set (the window is closing the store),
        units are refused and the sync ends with ``reason="stopped"``; nothing is half-written."""
        kept: deque[_SyncUnit] = deque(maxlen=4)  # a unit outlives its own run() by a little

        def run_unit(work: Callable[[], T]) -> T:
            unit = _SyncUnit(work, stop, self.retry_wait)
            kept.append(unit)
            self.pool.start(unit)
            unit.done.wait()
            if unit.error is not None:
                raise unit.error
            result: T = unit.result
            return result

        return run_unit

    @property
    def busy(self) -> bool:
        """A save is queued or running."""
        return bool(self._running)

    def _forget(self, op: _Op) -> None:
        if op in self._running:
            self._running.remove(op)
