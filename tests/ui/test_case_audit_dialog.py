"""Case audit on the demo lead's laptop: the sample is drawn by process events from a seed shown to the
reviewer, is the same again from that seed, never holds the reviewer's own cases, and an audit saves the
checklist with the seed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QThreadPool
from sqlalchemy import select

from app.case_audit import CHECKLIST, Answer
from app.clock import FixedClock
from app.contact_notes import MISSED_OUTCOMES
from app.workspace import Workspace
from resources.demo.lead import populate_lead
from storage import models
from storage.repo.lead_records import MISSED
from tests.conftest import NOW, PASSPHRASE, TEST_KDF
from tests.ui.saves import wait_saved
from ui.case_audit_dialog import CaseAuditDialog
from ui.operations import StoreOps


@pytest.fixture
def lead(tmp_path: Path) -> Iterator[Workspace]:
    ws = Workspace.create(tmp_path / "lead", PASSPHRASE, kdf=TEST_KDF, clock=FixedClock(NOW))
    populate_lead(ws, persons=8, seed=3, now=NOW)
    yield ws
    ws.close()


def test_the_missed_outcomes_the_query_uses_are_the_rules() -> None:
    assert set(MISSED) == {o.value for o in MISSED_OUTCOMES}


def test_draw_a_sample_and_save_an_audit(qtbot, lead: Workspace) -> None:
    dialog = CaseAuditDialog(lead, ops=StoreOps(QThreadPool.globalInstance()))
    qtbot.addWidget(dialog)
    dialog.seed.setText("4242")
    dialog.size.setValue(3)
    with qtbot.waitSignal(dialog.drawn, timeout=20_000):
        dialog.draw()
    sample = dialog.sample
    assert sample is not None and 0 < len(sample.cases) <= 3 and sample.seed == 4242
    assert "seed 4242" in dialog.about.text()
    assert all(lead.actor.staff_id not in c.workers for c in sample.cases)
    again = lead.lead.draw_sample(sample.period_from, sample.period_to, 3, 4242)
    assert [c.person_id for c in again.cases] == [c.person_id for c in sample.cases]
    first_question = CHECKLIST[0][0]
    answer, note = dialog.answers[first_question]
    answer.setCurrentIndex(answer.findData(Answer.PARTLY))
    note.setText("Review after the second miss not recorded")
    dialog.save()
    wait_saved(qtbot, dialog)
    with lead.uow.read() as session:
        [audit] = session.scalars(select(models.CaseAudit))
        assert (audit.seed, audit.person_id, audit.sample_id) == (4242, sample.cases[0].person_id, sample.sample_id)
        assert audit.answers[0] == {"question_id": first_question, "answer": "partly",
                                    "note": "Review after the second miss not recorded"}  # fmt: skip
    assert lead.outbox_pending() == 1, "the audit waits to be sent like any record"


def test_drawing_a_sample_reads_the_team_off_the_ui_thread(qtbot, lead: Workspace) -> None:
    import threading

    threads: list[threading.Thread] = []
    release = threading.Event()
    draw, team = lead.lead.draw_sample, lead.lead.team

    def held_draw(*args: object):  # type: ignore[no-untyped-def]
        threads.append(threading.current_thread())
        release.wait(10)
        return draw(*args)  # type: ignore[arg-type]

    def watched_team():  # type: ignore[no-untyped-def]
        threads.append(threading.current_thread())
        return team()

    lead.lead.draw_sample = held_draw  # type: ignore[method-assign]
    lead.lead.team = watched_team  # type: ignore[method-assign]
    dialog = CaseAuditDialog(lead, ops=StoreOps(QThreadPool.globalInstance()))
    qtbot.addWidget(dialog)
    dialog.seed.setText("4242")
    dialog.draw()
    # The window is not waiting on the read: it says what it is doing, and a second press does nothing.
    assert "Drawing the sample" in dialog.about.text() and not dialog.draw_button.isEnabled()
    with qtbot.waitSignal(dialog.drawn, timeout=20_000):
        release.set()
    assert threads and all(t is not threading.main_thread() for t in threads)
    assert dialog.sample is not None and dialog.draw_button.isEnabled() and "seed 4242" in dialog.about.text()
    dialog._finished = True  # teardown must not stop at a "discard?" question
