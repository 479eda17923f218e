"""The report as one CSV file: a row per figure, then a row per record behind each figure.

One table with a ``row`` column (``report``, ``figure``, ``trend``, ``worker``, ``record``) so a spreadsheet
or ``csv.DictReader`` reads it whole; a worker's figures and the records behind them carry ``worker_id``.
Record rows carry ids only: no names, NHS numbers or clinical text.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterator

from app.governance.figures import Figure, FigureKind, Measure, ReportPeriod
from app.governance.report import ABOUT, Report

COLUMNS = (
    "row", "measure", "figure", "label", "kind", "numerator", "denominator", "value", "median_minutes",
    "period_first", "period_last", "role", "record_id", "worker_id", "note",
)  # fmt: skip


def _figure_row(kind: str, measure: Measure, figure: Figure, period: ReportPeriod, worker: str = "") -> dict[str, str]:
    return {
        "row": kind,
        "measure": measure.key,
        "figure": figure.key,
        "label": figure.label,
        "kind": figure.kind.value,
        "numerator": str(figure.numerator),
        "denominator": str(figure.denominator),
        "value": figure.text(),
        "median_minutes": "" if figure.median_minutes is None else str(figure.median_minutes),
        "period_first": period.first.isoformat(),
        "period_last": period.last.isoformat(),
        "worker_id": worker,
    }


def rows(report: Report) -> Iterator[dict[str, str]]:
    yield {
        "row": "report",
        "label": f"{report.team}: governance measures",
        "period_first": report.period.first.isoformat(),
        "period_last": report.period.last.isoformat(),
        "note": f"made {report.as_of.isoformat()}; data last synced: {report.synced_text()}; "
        f"{report.unreadable} record(s) too new to read. {ABOUT}",
    }
    for measure in report.measures:
        for figure in measure.figures:
            yield _figure_row("figure", measure, figure, report.period)
    for month, month_measures in report.trend:
        for measure in month_measures:
            for figure in measure.figures:
                yield _figure_row("trend", measure, figure, month)
    for worker, worker_measures in report.by_worker:
        for measure in worker_measures:
            for figure in measure.figures:
                yield _figure_row("worker", measure, figure, report.period, str(worker))
    for measure in report.measures:
        for figure in measure.figures:
            for record_id, role in record_roles(figure):
                yield {"row": "record", "measure": measure.key, "figure": figure.key, "role": role,
                       "record_id": str(record_id)}  # fmt: skip
    # A worker's figures drill down too: the same record rows, marked with whose figure they are behind.
    for worker, worker_measures in report.by_worker:
        for measure in worker_measures:
            for figure in measure.figures:
                for record_id, role in record_roles(figure):
                    yield {"row": "record", "measure": measure.key, "figure": figure.key, "role": role,
                           "record_id": str(record_id), "worker_id": str(worker)}  # fmt: skip


def record_roles(figure: Figure) -> list[tuple[uuid.UUID, str]]:
    """Each record behind a figure once, with its part in it: ``counted``, ``not_counted``, ``pending``, or
    ``counted_N_of_M`` for a case with several required actions of which N of M were in time."""
    if figure.kind is not FigureKind.SHARE:
        return [(i, "counted") for i in dict.fromkeys(figure.cases)]
    result = []
    for record_id in dict.fromkeys(figure.cases):
        n, m = figure.counted.count(record_id), figure.cases.count(record_id)
        result.append((record_id, "counted" if n == m else "not_counted" if n == 0 else f"counted_{n}_of_{m}"))
    return result + [(i, "pending") for i in figure.pending]


def to_csv(report: Report) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, restval="", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows(report))
    return out.getvalue()
