"""What a locked Waymark shows: no personal data, but the crisis pathway and the numbers to phone, so a
locked laptop never stands between a worker and help. Unlocking runs off the UI thread."""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import Any

from PySide6.QtCore import Qt, QThreadPool, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPushButton, QTextBrowser, QVBoxLayout, QWidget

from app.clock import Clock
from app.errors import StoreError, WaymarkError
from app.org_config import OrgConfig
from app.pathways import BUILT_IN_FALLBACK, NodeType, PathwayKind
from app.persons import Nation
from ui.tasks import Task
from ui.unlock_countdown import UnlockCountdown

_LOCAL_PURPOSES = {"urgent_mental_health", "professional_line"}


def numbers_to_phone(config: OrgConfig, clock: Clock, nation: Nation, area: str | None = None) -> list[str]:
    """The local crisis and duty lines open now (``area``'s, when it has any), then the national lines:
    "Service: number", for a worker the app cannot help further just now (a break-glass opening paused)."""
    now = clock.now()
    local = [
        o for o in config.directory.search("", now, nation) if o.entry.areas and o.entry.purpose in _LOCAL_PURPOSES
    ]
    local = [o for o in local if area in o.entry.areas] or local
    offers = [o for o in local if o.open_now] + [o for o in config.directory.national_lines(nation, now) if o.open_now]
    return [f"{o.entry.service}: {o.entry.first_number}" for o in offers] or ["Emergency services: 999"]


def lock_screen_html(config: OrgConfig, clock: Clock, nation: Nation) -> str:
    now = clock.now()
    parts = ["<h1>Waymark is locked</h1>", "<h2>If someone needs help now</h2><ul>"]
    lines = config.directory.national_lines(nation, now)
    if not lines:
        # The contacts files failed to load: still never an empty screen.
        parts.append("<li><b>Emergency services: Phone 999</b></li>")
    for offer in lines:
        entry = offer.entry
        closed = offer.closed_words(now)
        state = "" if closed is None else f" — {escape(closed)}"
        stale = f" — <b>{offer.caution}</b>" if offer.caution else ""
        parts.append(
            f"<li><b>{escape(entry.service)}: {escape(' · '.join(str(c) for c in entry.channels))}</b>"
            f"{state}{stale}</li>"
        )
    parts.append("</ul><h2>Local crisis and duty numbers</h2><ul>")
    local = [
        o for o in config.directory.search("", now, nation) if o.entry.areas and o.entry.purpose in _LOCAL_PURPOSES
    ]
    for offer in local:
        entry = offer.entry
        state = escape(offer.closed_words(now) or "open now")
        parts.append(f"<li><b>{escape(entry.service)}: {escape(entry.first_number)}</b> — {state}</li>")
    parts.append("</ul>")
    fallback = next((p for p in config.pathways.effective() if p.kind is PathwayKind.FALLBACK), BUILT_IN_FALLBACK)
    parts.append("<h2>What to do</h2><ol>")
    for node in fallback.nodes.values():
        if node.type is NodeType.QUESTION:
            answers = " / ".join(f"{a.label}: {escape(fallback.node(a.next).text)}" for a in node.answers)
            parts.append(f"<li>{escape(node.text)} {answers}</li>")
        elif node.type is NodeType.END or node.id == fallback.start:
            # A fallback that starts with an action (the built-in one) shows that action first.
            parts.append(f"<li>{escape(node.text)}</li>")
    parts.append("</ol>")
    return "".join(parts)


class LockScreen(QWidget):
    unlocked = Signal(object)  # whatever the unlocker returned

    def __init__(
        self, pool: QThreadPool, parent: QWidget | None = None, *, seconds_to_wait: Callable[[], float] | None = None
    ) -> None:
        super().__init__(parent)
        self.countdown = UnlockCountdown(seconds_to_wait or (lambda: 0.0), self)
        self.countdown.ticked.connect(self._on_wait)
        self.countdown.finished.connect(self._on_wait_over)
        self.setObjectName("lock_screen")
        self._pool = pool
        self._task: Task | None = None
        self._unlocker: Callable[[str], Any] | None = None
        self.help = QTextBrowser()
        self.help.setAccessibleName("Crisis numbers")
        font = self.help.font()
        font.setPointSizeF(font.pointSizeF() * 1.2)
        self.help.setFont(font)
        self.passphrase = QLineEdit(echoMode=QLineEdit.EchoMode.Password)
        self.passphrase.setAccessibleName("Passphrase")
        self.passphrase.setPlaceholderText("Passphrase to unlock")
        self.passphrase.returnPressed.connect(self._submit)
        self.button = QPushButton("&Unlock")
        self.button.clicked.connect(self._submit)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Unlock message")
        row = QHBoxLayout()
        row.addWidget(self.passphrase, 1)
        row.addWidget(self.button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.help, 1)
        layout.addLayout(row)
        layout.addWidget(self.message)

    def show_locked(self, html: str, unlocker: Callable[[str], Any], message: str) -> None:
        self._unlocker = unlocker
        self.help.setHtml(html)
        self.help.setProperty("shown_html", html)
        self.message.setText(message)
        self.passphrase.clear()
        self.passphrase.setEnabled(True)
        self.button.setEnabled(True)
        self.passphrase.setFocus(Qt.FocusReason.OtherFocusReason)
        self.countdown.start()  # a wait still due from earlier failures is shown, not suffered

    def show_help(self, html: str) -> None:
        """New crisis numbers and notice while locked (a sync changed them); nothing else on the screen moves."""
        if html == self.help.property("shown_html"):
            return  # redrawn every minute: the same text is left alone, selection and all
        scrolled = self.help.verticalScrollBar().value()
        self.help.setHtml(html)
        self.help.setProperty("shown_html", html)
        self.help.verticalScrollBar().setValue(scrolled)

    def _on_wait(self, message: str) -> None:
        self.message.setText(message)
        self.button.setEnabled(False)

    def _on_wait_over(self) -> None:
        self.button.setEnabled(True)
        self.message.setText("You can try again now.")

    def _submit(self) -> None:
        if self._unlocker is None or self._task is not None or self.countdown.running:
            return
        text, unlocker = self.passphrase.text(), self._unlocker
        self.passphrase.setEnabled(False)
        self.button.setEnabled(False)
        self.message.setText("Unlocking…")
        task = Task(lambda: unlocker(text))
        task.outcome.succeeded.connect(self._done)
        task.outcome.failed.connect(self._failed)
        self._task = task
        self._pool.start(task)

    def _done(self, result: Any) -> None:
        self._task = None
        self.passphrase.clear()
        self.unlocked.emit(result)

    def _failed(self, exc: Exception) -> None:
        self._task = None
        self.passphrase.clear()
        self.passphrase.setEnabled(True)
        self.button.setEnabled(True)
        self.passphrase.setFocus(Qt.FocusReason.OtherFocusReason)
        self.message.setText(
            str(exc) if isinstance(exc, (StoreError, WaymarkError)) else "Could not unlock. Nothing was changed."
        )
        self.countdown.start()
