"""The governance PDF: the expected pages, the figures in its text, and no personal data beyond ids."""

from __future__ import annotations

import unicodedata
from datetime import date
from pathlib import Path

from pypdf import PdfReader
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from app.governance.service import GovernanceService
from app.workspace import Workspace
from storage import models
from tests.governance.lead_store import become
from ui.report_pdf import write_pdf


def test_the_pdf_has_title_definitions_charts_tables_and_appendix_with_the_figures(
    qtbot: QtBot, workspace: Workspace, tmp_path: Path
) -> None:
    become(workspace, "team_lead")
    assert workspace.config is not None
    service = GovernanceService(workspace.uow, workspace.clock, workspace.actor, workspace.config)
    report = service.report("eastmoor", date(2026, 6, 1), date(2026, 11, 30))
    path = tmp_path / "report.pdf"

    pages = write_pdf(report, path)

    # Words come out separated by tabs and line ends, "fi" as a ligature: compare plain, single-spaced text.
    texts = [" ".join(unicodedata.normalize("NFKC", page.extract_text()).split()) for page in PdfReader(path).pages]
    assert len(texts) == pages >= 6
    assert "Governance evidence" in texts[0] and "Eastmoor Community Mental Health Team" in texts[0]
    assert "1 Jun 2026 to 30 Nov 2026" in texts[0] and "Data last synced" in texts[0]
    assert "Definitions" in texts[1] and "not judgements about the people" in texts[1]
    trends = next(i for i, t in enumerate(texts) if "Trends by month" in t)
    tables = next(i for i, t in enumerate(texts) if t.lstrip().startswith("Figures"))
    appendix = next(i for i, t in enumerate(texts) if "Appendix: record references" in t)
    assert 1 < trends < tables < appendix
    body = " ".join(texts[tables:appendix])
    for measure in report.measures:
        for figure in measure.figures:
            assert figure.label in body, figure.label
            assert figure.text() in body, (figure.label, figure.text())
    referenced = " ".join(texts[appendix:])
    every_id = {str(i) for m in report.measures for f in m.figures for i in (*f.cases, *f.pending)}
    assert every_id and all(record_id in referenced for record_id in every_id)

    with workspace.store.sessions() as session:
        persons = list(session.scalars(select(models.Person)))
    whole = "\n".join(texts)
    for person in persons:
        assert person.family_name not in whole and (person.nhs_number or "-") not in whole


def test_a_workers_figures_in_the_pdf_trace_back_to_their_records(
    qtbot: QtBot, workspace: Workspace, tmp_path: Path
) -> None:
    become(workspace, "team_lead")
    assert workspace.config is not None
    service = GovernanceService(workspace.uow, workspace.clock, workspace.actor, workspace.config)
    sam = next(sid for sid, name in service.workers() if name == "Sam Okafor")
    report = service.report("eastmoor", date(2026, 6, 1), date(2026, 11, 30), worker=sam)
    path = tmp_path / "report.pdf"
    write_pdf(report, path, workspace.staff_names())

    texts = [" ".join(unicodedata.normalize("NFKC", page.extract_text()).split()) for page in PdfReader(path).pages]
    whole = " ".join(texts)
    assert "By worker (requested by a team lead; audited)" in whole
    start = whole.index("Records behind the figures of Sam Okafor")
    theirs = {str(i) for m in report.by_worker[0][1] for f in m.figures for i in (*f.cases, *f.pending)}
    assert theirs and all(record_id in whole[start:] for record_id in theirs)
