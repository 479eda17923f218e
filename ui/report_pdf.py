"""The governance report as a paginated PDF for a contract-monitoring meeting.

Title page, definitions, charts, tables, and an appendix of record references. The only identifiers in
it are record ids (and, in a per-worker report, which the lead asked for and which is audited, staff
names): no person's name, NHS number, address or clinical text.
"""

from __future__ import annotations

import html
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path

from PySide6.QtCore import QMarginsF, QRectF, QSizeF, QUrl
from PySide6.QtGui import QGuiApplication, QPageLayout, QPageSize, QPainter, QPdfWriter, QTextDocument

from app.governance.csv_export import record_roles
from app.governance.figures import FigureKind, Measure, day_text, definition_paragraphs
from app.governance.report import ABOUT, Report
from ui.governance_charts import image, paint_counts, paint_trend, trend

# (measure, figure) shown as a monthly trend chart.
CHARTS = (
    ("escalation_timeliness", "required_actions", "Escalation: required actions within the pathway's timescale"),
    ("welfare_check_adherence", "required_steps", "Welfare checks: steps within their timescale"),
    ("safety_plan_use", "notes_cite_plan", "Contact notes that cite the safety plan"),
    ("safety_plan_use", "plan_reviewed_after_crisis", "Plans reviewed after an escalation"),
    ("dynamic_review", "reviewed_after_trigger", "Safety review after a trigger"),
    ("follow_up_completion", "done_by_due", "Follow-ups done by their due time"),
    ("learning_actions", "done_by_due", "Learning actions done by their due day"),
    ("review_coverage", "reviewed_in_time", "Contact notes reviewed by a team lead in time"),
)
BREAK = '<div style="page-break-before: always"></div>'


def _e(text: object) -> str:
    return html.escape(str(text))


def build_document(report: Report, worker_names: dict[uuid.UUID, str] | None = None) -> QTextDocument:
    doc = QTextDocument()
    parts = [
        "<h1>Governance evidence</h1>",
        f"<h2>{_e(report.team)}</h2>",
        f"<p><b>Period:</b> {_e(report.period.label())} (whole days, London time, both included)</p>",
        f"<p><b>Made:</b> {day_text(report.as_of)} {report.as_of:%H:%M} UTC<br>",
        f"<b>Data last synced:</b> {_e(report.synced_text())}</p>",
        "<p>Made by Waymark from the records themselves. Every figure can be traced to the records behind "
        "it: the appendix lists them by record id. The report holds no names, NHS numbers or clinical text.</p>",
    ]
    if report.unreadable:
        parts.append(f"<p>{report.unreadable} record(s) written by a newer Waymark are not counted.</p>")
    parts += [BREAK, "<h2>Definitions</h2>", f"<p>{_e(ABOUT)}</p>"]
    for measure in report.measures:
        parts.append(f"<h3>{_e(measure.title)}</h3>")
        parts.extend(f"<p>{_e(p)}</p>" for p in definition_paragraphs(measure.definition))
    parts += [BREAK, "<h2>Trends by month</h2>"]
    for i, (measure_key, figure_key, title) in enumerate(CHARTS):
        points = trend(report, measure_key, figure_key)
        img = image(1200, 420, lambda p, r, t=title, pts=points: paint_trend(p, r, t, pts))
        doc.addResource(QTextDocument.ResourceType.ImageResource, QUrl(f"chart{i}"), img)
        parts.append(f'<p><img src="chart{i}" width="480" height="168"></p>')
    ooh = report.measure("out_of_hours")
    counts = [(f.label, f.numerator) for f in ooh.figures if f.kind is FigureKind.COUNT]
    img = image(1200, 360, lambda p, r: paint_counts(p, r, "Escalations and welfare checks by when they began", counts))
    doc.addResource(QTextDocument.ResourceType.ImageResource, QUrl("chart-ooh"), img)
    parts.append('<p><img src="chart-ooh" width="480" height="144"></p>')

    parts += [BREAK, "<h2>Figures</h2>"]
    for measure in report.measures:
        parts.append(f"<h3>{_e(measure.title)}</h3>")
        parts.append(
            '<table border="1" cellspacing="0" cellpadding="4" width="100%">'
            '<tr><th align="left" width="46%">Figure</th><th>Numerator</th><th>Denominator</th>'
            "<th>Value</th><th>Pending</th></tr>"
        )
        for f in measure.figures:
            parts.append(
                f"<tr><td>{_e(f.label)}</td><td align='right'>{f.numerator}</td><td align='right'>"
                f"{f.denominator}</td><td>{_e(f.text())}</td><td align='right'>{len(f.pending)}</td></tr>"
            )
        parts.append("</table>")
    if report.by_worker:
        parts += [BREAK, "<h2>By worker (requested by a team lead; audited)</h2>"]
        for worker, measures in report.by_worker:
            name = (worker_names or {}).get(worker, str(worker))
            parts.append(f"<h3>{_e(name)}</h3><table border='1' cellspacing='0' cellpadding='3' width='100%'>")
            for m in measures:
                for f in m.figures:
                    parts.append(f"<tr><td>{_e(m.title)}: {_e(f.label)}</td><td>{_e(f.text())}</td></tr>")
            parts.append("</table>")
    parts += [
        BREAK,
        "<h2>Appendix: record references</h2>",
        "<p>Each record behind each figure, by record id, and its part in the figure: counted, not counted, "
        "pending (its timescale had not run out when the report was made), or counted for N of M required "
        "actions.</p>",
    ]
    parts.extend(_record_tables(report.measures))
    # A worker's figures trace back to their records as the team's do.
    for worker, measures in report.by_worker:
        name = (worker_names or {}).get(worker, str(worker))
        parts.append(f"<h3>Records behind the figures of {_e(name)}</h3>")
        parts.extend(_record_tables(measures))
    doc.setHtml("\n".join(parts))
    return doc


def write_pdf(
    report: Report,
    path: Path,
    worker_names: dict[uuid.UUID, str] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Write the PDF page by page, calling ``progress(pages_done, pages)`` after each; returns the number
    of pages. Safe off the UI thread (images only, no pixmaps or widgets)."""
    _app = QGuiApplication.instance() or QGuiApplication([])
    writer = QPdfWriter(str(path))
    writer.setTitle(f"Governance evidence: {report.team}, {report.period.label()}")
    writer.setCreator("Waymark")
    writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait,
                                     QMarginsF(18, 18, 18, 18), QPageLayout.Unit.Millimeter))  # fmt: skip
    writer.setResolution(150)
    doc = build_document(report, worker_names)
    # Laid out in points, so the document's own font sizes read as they would on paper.
    area = writer.pageLayout().paintRect(QPageLayout.Unit.Point)
    doc.setPageSize(QSizeF(area.width(), area.height()))
    pages = doc.pageCount()
    painter = QPainter(writer)
    try:
        scale = writer.width() / area.width()
        painter.scale(scale, scale)
        for page in range(pages):
            if page:
                writer.newPage()
            painter.save()
            painter.translate(0, -page * area.height())
            doc.drawContents(painter, QRectF(0, page * area.height(), area.width(), area.height()))
            painter.restore()
            if progress is not None:
                progress(page + 1, pages)
    finally:
        painter.end()
    return pages


def _record_tables(measures: Iterable[Measure]) -> list[str]:
    """For each figure with records behind it: its heading and a table of record ids and their parts in it."""
    parts: list[str] = []
    for measure in measures:
        for f in measure.figures:
            roles = record_roles(f)
            if not roles:
                continue
            parts.append(f"<h4>{_e(measure.title)}: {_e(f.label)}</h4><table cellspacing='0' cellpadding='1'>")
            parts.extend(
                f"<tr><td><tt>{record_id}</tt></td><td>&nbsp;{_e(role.replace('_', ' '))}</td></tr>"
                for record_id, role in roles
            )
            parts.append("</table>")
    return parts
