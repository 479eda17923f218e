"""The missed-contact prompt on a person: what is due, by when, by which routes. It has no close button:
it goes only when the work is recorded (a note reaching the person, a welfare check acted on)."""

from __future__ import annotations

from datetime import datetime
from html import escape

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.missed_contacts import EpisodeState, MissedContactStatus


def _due(label: str, due: datetime | None, now: datetime) -> str:
    if due is None:
        return ""
    when = f"{due.astimezone():%a %d %b %H:%M}"
    return f" — OVERDUE since {when}" if now > due else f" — {label} {when}"


def banner_html(status: MissedContactStatus, now: datetime) -> str:
    prompts = "".join(f"<br><b>{escape(p)}</b>" for p in status.prompts)
    return _episode_html(status, now) + prompts if status.state or status.after_contact else prompts[4:]


def _episode_html(status: MissedContactStatus, now: datetime) -> str:
    if status.state is EpisodeState.WELFARE_CHECK:
        due = _due("start by", status.welfare_check_due, now)
        head = f"<b>Welfare check needed: {status.misses} missed contacts{due}.</b>"
    elif status.state is EpisodeState.RECONTACT and status.attempts:
        tried = ", ".join(f"{at.astimezone():%a %H:%M}" for at in status.attempts)
        after = (
            f", or any missed contact from {status.counts_from.astimezone():%a %d %b %H:%M} to "
            f"{status.counts_until.astimezone():%a %d %b %H:%M},"
            if status.counts_from and status.counts_until
            else ","
        )
        head = (
            f"<b>Missed contact: re-contact tried ({tried}), nobody reached. No welfare check yet.</b><br>"
            "A failed attempt to reach them again is not a second missed contact. A missed planned visit or call"
            + after
            + " raises the welfare check. If you are worried now, do not wait for it: escalate (Ctrl+E)."
        )
    elif status.state is EpisodeState.RECONTACT:
        due = _due("by", status.recontact_due, now)
        head = f"<b>Missed contact: try to reach them again{due}.</b>"
    elif status.after_contact:
        return "<b>After missed contacts:</b> " + " ".join(escape(p) for p in status.after_contact)
    else:
        return ""
    routes = ", ".join(
        escape(f"{r.channel.value.replace('_', ' ')}{' via ' + r.via if r.via else ''}: {r.value}")
        + (" (safe to leave a message)" if r.safe_to_leave_message else "")
        for r in status.routes
    )
    tail = f"<br>Their preferred routes, in order: {routes}" if routes else ""
    if status.routes_warning:
        tail += f"<br><b>{escape(status.routes_warning)}</b>"
    return head + tail


class MissedContactBanner(QFrame):
    record_attempt = Signal()
    open_welfare_check = Signal()
    record_review = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("missed_contact_banner")
        self.setFrameShape(QFrame.Shape.Box)
        self.setLineWidth(2)
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setAccessibleName("Missed contact")
        self.attempt = QPushButton("Record a contact &attempt")
        self.attempt.clicked.connect(self.record_attempt)
        self.welfare = QPushButton("Open the &welfare check")
        self.welfare.clicked.connect(self.open_welfare_check)
        self.review = QPushButton("Record the sa&fety review")  # Alt+R is the lead window's "Persons" tab
        self.review.clicked.connect(self.record_review)
        buttons = QHBoxLayout()
        for b in (self.attempt, self.welfare, self.review):
            buttons.addWidget(b)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addLayout(buttons)
        self.setVisible(False)

    def show_status(self, status: MissedContactStatus | None, now: datetime | None = None) -> None:
        html = banner_html(status, now) if status and now else ""
        self.text.setText(html)
        self.setVisible(bool(html))
        if status is not None:
            self.attempt.setVisible(status.state is not None)
            self.welfare.setVisible(status.state is EpisodeState.WELFARE_CHECK)
            self.review.setVisible(status.state is None and bool(status.after_contact))
