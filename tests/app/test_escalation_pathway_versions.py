"""An escalation keeps the pathway version it started on (DESIGN: a record cites the exact version it used).
When a newer version arrives while it is open, the worker is told it continues on its own version; when its
version is no longer held at all, the current one with the same id is walked and the worker is told so, and
with no version of it held nothing is shown as if it were the pathway."""

import dataclasses
import hashlib
from datetime import date, timedelta

import pytest

from app.documents import ReceivedFile
from app.errors import NotFound
from app.escalations import (
    NEWER_PATHWAY,
    ActionDraft,
    ActionKind,
    EscalationDraft,
    EscalationOutcome,
    EscalationService,
)
from app.org_config import BUNDLED, OrgConfig
from app.workspace import Workspace
from tests.app.test_escalation_closing import _fresh_person

TODAY = date(2026, 11, 26)


def _version_4() -> OrgConfig:
    text = (BUNDLED / "pathways" / "moorland-in-hours.toml").read_text(encoding="utf-8")
    text = text.replace('version = "3"', 'version = "4"', 1)
    arrived = ReceivedFile("pathways", "moorland-in-hours.toml", 1, hashlib.sha256(text.encode()).hexdigest(), text)
    return OrgConfig.load(TODAY, received=[arrived])


def _service(ws: Workspace, clock, config: OrgConfig) -> EscalationService:
    return EscalationService(ws.uow, clock, ws.actor, config)


def test_a_newer_version_arriving_is_said_while_the_escalation_is_open_and_it_walks_its_own(workspace, clock):
    ws = workspace
    esc, _ = ws.escalations.start(EscalationDraft(_fresh_person(ws), ["sudden-deterioration"], "Not themselves"))
    assert esc.pathway.ref == "moorland-in-hours@3" and esc.pathway_notice is None
    later = _service(ws, clock, _version_4())
    seen = later.get(esc.id)
    assert seen.pathway.ref == "moorland-in-hours@3" and seen.pathway_warning is None
    assert seen.pathway_notice == NEWER_PATHWAY
    assert NEWER_PATHWAY == "A newer pathway has arrived; this escalation continues on the version it started with."
    later.answer(esc.id, "danger", "No")
    later.record_action(esc.id, ActionDraft("duty-worker", ActionKind.PHONED, True, contact_id="eastmoor-duty-worker"))
    later.set_follow_up(esc.id, clock.now() + timedelta(hours=4), "Sam Okafor")
    closed, _ = later.close(esc.id, EscalationOutcome.PERSON_SAFE_PLAN_AGREED)
    assert closed.pathway_notice is None, "closed: nothing left to walk on either version"


def test_a_version_no_longer_held_walks_the_current_one_and_says_so(workspace, clock):
    ws = workspace
    esc, _ = ws.escalations.start(EscalationDraft(_fresh_person(ws), ["sudden-deterioration"], "Not themselves"))
    esc, _ = ws.escalations.answer(esc.id, "danger", "No")
    config = _version_4()
    forgotten = dataclasses.replace(config, pathways=dataclasses.replace(config.pathways, archive={}))
    seen = _service(ws, clock, forgotten).get(esc.id)
    assert seen.pathway.ref == "moorland-in-hours@4"
    assert seen.pathway_warning == (
        "This escalation used moorland-in-hours@3, which has since been replaced; showing the current one."
    )
    assert seen.pathway_notice is None, "the warning already says it: one notice, not two"
    assert seen.walk.current.id == "duty-worker", "its answers walk the current version"
    assert seen.versions["pathway"] == "moorland-in-hours@3", "the record still cites the version it used"


def test_with_no_version_of_its_pathway_held_the_escalation_is_not_shown_on_another(workspace, clock):
    ws = workspace
    esc, _ = ws.escalations.start(EscalationDraft(_fresh_person(ws), ["sudden-deterioration"], "Not themselves"))
    library = ws.escalations.config.pathways
    without = dataclasses.replace(
        library, by_file={k: p for k, p in library.by_file.items() if p.id != "moorland-in-hours"}, archive={}
    )
    config = dataclasses.replace(ws.escalations.config, pathways=without)
    with pytest.raises(NotFound, match=r"^The pathway this escalation used is not loaded on this device\.$"):
        _service(ws, clock, config).get(esc.id)


def test_the_current_pathway_is_found_by_its_id_whatever_the_version_cited_says(workspace, clock):
    """A pathway id is lower-case letters, digits and hyphens; its version is the organisation's own text and may
    hold an '@'. The pathway a record cites is the id before the first '@'."""
    ws = workspace

    def config_with(version: str) -> OrgConfig:
        text = (BUNDLED / "pathways" / "moorland-in-hours.toml").read_text(encoding="utf-8")
        text = text.replace('version = "3"', f'version = "{version}"', 1)
        sent = ReceivedFile("pathways", "moorland-in-hours.toml", 1, hashlib.sha256(text.encode()).hexdigest(), text)
        return OrgConfig.load(TODAY, received=[sent])

    started = _service(ws, clock, config_with("2026-10@rev2"))
    esc, _ = started.start(EscalationDraft(_fresh_person(ws), ["sudden-deterioration"], "Not themselves"))
    assert esc.pathway.ref == "moorland-in-hours@2026-10@rev2"
    latest = config_with("2026-11")
    forgotten = dataclasses.replace(latest, pathways=dataclasses.replace(latest.pathways, archive={}))
    seen = _service(ws, clock, forgotten).get(esc.id)
    assert seen.pathway.ref == "moorland-in-hours@2026-11"
    assert seen.pathway_warning == (
        "This escalation used moorland-in-hours@2026-10@rev2, which has since been replaced; showing the current one."
    )
