"""When a concern was identified, as a worker types it: a time field that takes exactly the digits typed
("19:40", "1940", "7:40") and a day chosen from a list (today, yesterday, … back to the lookback limit).

A QDateTimeEdit dropped typed digits: the cursor sat in the day-name section, and in the hour section each
keystroke was checked against a range ending at "now", so "19" was refused and the minutes took the digits
(a reviewer typed a time and got 02:01). Here the text is the worker's until it is a time.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from PySide6.QtCore import QDateTime, Qt, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QLineEdit, QWidget

from app.time_bounds import parse_clock_time
from ui.note_dialog import from_qt, to_qt

TIME_HINT = "24-hour, e.g. 19:40"


def _day_label(day: date, today: date) -> str:
    shown = f"{day:%a %d %b %Y}"
    if day == today:
        return f"Today, {shown}"
    if day == today - timedelta(days=1):
        return f"Yesterday, {shown}"
    return shown


class IdentifiedAtEdit(QWidget):
    """A time typed and a day chosen; ``dateTime()`` is the last valid pair, ``is_valid()`` whether the
    text typed now is a time. Times are local wall time, as the worker reads the clock."""

    dateTimeChanged = Signal(QDateTime)

    def __init__(self, now: datetime, earliest: datetime, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        local_now, first = now.astimezone(), earliest.astimezone()
        self._earliest, self._latest = earliest, now + timedelta(minutes=5)
        self.time = QLineEdit(f"{local_now:%H:%M}")
        self.time.setAccessibleName(f"Time you identified the concern ({TIME_HINT})")
        self.time.setPlaceholderText("hh:mm")
        self.time.setMaxLength(8)
        self.time.setFixedWidth(self.time.fontMetrics().horizontalAdvance("00:00:000") + 16)
        self.day = QComboBox()
        self.day.setAccessibleName("Day you identified the concern")
        today, day = local_now.date(), local_now.date()
        while day >= first.date():
            self.day.addItem(_day_label(day, today), day)
            day -= timedelta(days=1)
        self.hint = QLabel(TIME_HINT)
        self.hint.setObjectName("identified_hint")
        self.hint.setWordWrap(True)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.time)
        on = QLabel("on")
        layout.addWidget(on)
        layout.addWidget(self.day)
        layout.addWidget(self.hint, 1)
        # The label's Alt+I lands in the time, ready to type over (a buddy with no focus policy gets none).
        self.setFocusProxy(self.time)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._value = self._compose(local_now.time().replace(second=0, microsecond=0), today)
        self.time.textChanged.connect(self._changed)
        self.time.editingFinished.connect(self._tidy)
        self.day.currentIndexChanged.connect(self._changed)

    @staticmethod
    def _compose(at: time, day: date) -> datetime:
        return datetime.combine(day, at).astimezone()  # local wall time, made aware

    def is_valid(self) -> bool:
        return parse_clock_time(self.time.text()) is not None

    def _changed(self, *_: object) -> None:
        typed = parse_clock_time(self.time.text())
        day = self.day.currentData()
        if typed is None or day is None:
            self.hint.setText(f"<b>Type the time as hours and minutes</b> ({TIME_HINT})")
            return
        self.hint.setText(TIME_HINT)
        value = self._compose(typed, day)
        if value != self._value:
            self._value = value
            self.dateTimeChanged.emit(to_qt(value))

    def _tidy(self) -> None:
        """Leaving the field, a time typed as "1940" reads back as "19:40": what it was taken to be."""
        typed = parse_clock_time(self.time.text())
        if typed is not None and self.time.text() != f"{typed:%H:%M}":
            self.time.setText(f"{typed:%H:%M}")

    def dateTime(self) -> QDateTime:  # the QDateTimeEdit name, so callers need not change
        return to_qt(self._value)

    def setDateTime(self, value: QDateTime) -> None:
        """Show ``value``, brought within the days offered (as QDateTimeEdit kept to its range)."""
        at = min(max(from_qt(value), self._earliest), self._latest).astimezone()
        index = self.day.findData(at.date())
        self.day.blockSignals(True)
        self.day.setCurrentIndex(index if index >= 0 else self.day.count() - 1)
        self.day.blockSignals(False)
        self.time.setText(f"{at:%H:%M}")  # emits through _changed when it differs
        self._changed()
