"""Governance charts drawn with QPainter, for the dashboard and the PDF alike.

One neutral ink for every bar: a share is a process figure, never a red/amber/green judgement. A month
with no cases is written as such, never drawn as an empty (0 %) bar.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPen

from app.governance.figures import NO_CASES, Figure, FigureKind
from app.governance.report import Report

INK = QColor("#2f4b6e")
MUTED = QColor("#6b6b6b")
GRID = QColor("#d0d0d0")


@dataclass(frozen=True, slots=True)
class Point:
    label: str
    figure: Figure


def trend(report: Report, measure_key: str, figure_key: str) -> list[Point]:
    """One figure's value in each month of the report's period."""
    return [
        Point(f"{month.first:%b %Y}", next(m for m in measures if m.key == measure_key).figure(figure_key))
        for month, measures in report.trend
    ]


def paint_trend(painter: QPainter, rect: QRectF, title: str, points: list[Point]) -> None:
    """Bars of a share by month (0–100 %), each labelled with its numerator and denominator."""
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    font = QFont(painter.font())
    # Sized to the space: month labels must fit their slot in a narrow dashboard pane and on paper.
    font.setPixelSize(max(9, min(int(rect.height() / 18), int(rect.width() / 45))))
    painter.setFont(font)
    line = font.pixelSize() * 1.5
    painter.setPen(Qt.GlobalColor.black)
    painter.drawText(QRectF(rect.left(), rect.top(), rect.width(), line), Qt.AlignmentFlag.AlignLeft, title)
    if not points:
        painter.restore()
        return  # no axes for a figure that has no trend: an empty 0–100 % frame would read as a result
    plot = QRectF(
        rect.left() + line * 2, rect.top() + line * 1.3, rect.width() - line * 2.2, rect.height() - line * 3.6
    )
    painter.setPen(QPen(GRID, 1))
    for pct in (0, 50, 100):
        y = plot.bottom() - plot.height() * pct / 100
        painter.drawLine(int(plot.left()), int(y), int(plot.right()), int(y))
        painter.setPen(MUTED)
        painter.drawText(
            QRectF(rect.left(), y - line / 2, line * 1.9, line),
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
            f"{pct}%",
        )
        painter.setPen(QPen(GRID, 1))
    if points:
        slot = plot.width() / len(points)
        for i, point in enumerate(points):
            x = plot.left() + slot * i
            figure = point.figure
            value_box = QRectF(x, plot.bottom() - plot.height() * 0.45, slot, plot.height() * 0.4)
            if figure.kind is FigureKind.SHARE and figure.denominator:
                share = figure.numerator / figure.denominator
                bar = QRectF(x + slot * 0.2, plot.bottom() - plot.height() * share, slot * 0.6, plot.height() * share)
                painter.fillRect(bar, INK)
                painter.setPen(Qt.GlobalColor.black)
                top = QRectF(x, bar.top() - line, slot, line)
                painter.drawText(top, Qt.AlignmentFlag.AlignCenter, f"{figure.numerator}/{figure.denominator}")
            else:
                painter.setPen(MUTED)
                painter.drawText(value_box, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, NO_CASES)
            painter.setPen(Qt.GlobalColor.black)
            painter.drawText(QRectF(x, plot.bottom() + 2, slot, line), Qt.AlignmentFlag.AlignCenter, point.label)
    painter.restore()


def paint_counts(painter: QPainter, rect: QRectF, title: str, items: list[tuple[str, int]]) -> None:
    """Horizontal bars of counts (out-of-hours activity by period)."""
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    font = QFont(painter.font())
    font.setPixelSize(max(9, min(int(rect.height() / 14), int(rect.width() / 45))))
    painter.setFont(font)
    line = font.pixelSize() * 1.5
    painter.setPen(Qt.GlobalColor.black)
    painter.drawText(QRectF(rect.left(), rect.top(), rect.width(), line), Qt.AlignmentFlag.AlignLeft, title)
    label_w = rect.width() * 0.45
    most = max((n for _, n in items), default=0)
    row_h = (rect.height() - line * 1.3) / max(1, len(items))
    for i, (label, n) in enumerate(items):
        y = rect.top() + line * 1.3 + row_h * i
        painter.setPen(Qt.GlobalColor.black)
        painter.drawText(
            QRectF(rect.left(), y, label_w - 6, row_h),
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
            label,
        )
        width = 0.0 if most == 0 else (rect.width() - label_w - line * 2) * n / most
        painter.fillRect(QRectF(rect.left() + label_w, y + row_h * 0.2, width, row_h * 0.6), INK)
        painter.drawText(
            QRectF(rect.left() + label_w + width + 4, y, line * 2, row_h), Qt.AlignmentFlag.AlignVCenter, str(n)
        )
    painter.restore()


def image(width: int, height: int, draw: Callable[[QPainter, QRectF], None]) -> QImage:
    """A white image with ``draw(painter, rect)`` painted on it (for the PDF)."""
    img = QImage(width, height, QImage.Format.Format_RGB32)
    img.fill(Qt.GlobalColor.white)
    painter = QPainter(img)
    try:
        draw(painter, QRectF(0, 0, width, height))
    finally:
        painter.end()
    return img
