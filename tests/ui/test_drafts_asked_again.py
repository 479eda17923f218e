"""A note draft kept by a release whose form chose "Home visit" and "Seen" by itself reopens, after the upgrade
(schema 10), with them not chosen and says why: the worker is asked again, and told so, with everything they
typed kept (HAZ-34)."""

from __future__ import annotations

import shutil
from pathlib import Path

from app.workspace import Workspace
from tests.conftest import PASSPHRASE
from ui.note_dialog import NoteDialog
from ui.operations import StoreOps

V9_STORE = Path(__file__).parents[1] / "fixtures" / "store-v9"


def test_a_draft_whose_choices_were_cleared_says_so_and_the_others_do_not(qtbot, tmp_path, pool) -> None:
    shutil.copytree(V9_STORE, tmp_path / "store")
    ws = Workspace.open(tmp_path / "store", PASSPHRASE)  # upgrades to schema 10
    try:
        person = ws.caseload.rows()[0].person_id
        drafts = sorted(ws.drafts.for_person(person), key=lambda d: d.contact_start)
        shown = []
        for draft in drafts:
            dialog = NoteDialog(ws, person, "x", existing=draft, ops=StoreOps(pool))
            qtbot.addWidget(dialog)
            shown.append(dialog.asked_again.isVisibleTo(dialog))
            dialog._saved = True  # closed by the test, not by a worker: nothing to ask about
            if shown[-1]:
                assert dialog.method.currentIndex() == -1 and "Choose the method and the outcome again" in (
                    dialog.asked_again.text()
                )
                assert dialog.narrative.toPlainText() == draft.narrative
        # A: home visit / seen; B: phone / no answer; C: home visit / no answer; D: nothing chosen.
        assert shown == [True, False, True, False]
    finally:
        ws.close()
