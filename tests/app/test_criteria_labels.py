"""Escalation criteria are shown in the organisation's approved wording, never as their codes; a code the
organisation no longer has is shown as the code and said to be one."""

from dataclasses import replace

import pytest

from app.escalations import NO_LONGER_A_CRITERION, EscalationDraft, criteria_labels
from app.pathways import CriteriaSet
from app.review_queue import ItemKind
from app.workspace import Workspace
from tests.app.test_escalation_closing import _fresh_person
from tests.app.test_write_path import as_team_lead

SUDDEN = "Sudden deterioration in mental state or behaviour"


def without(workspace: Workspace, code: str) -> CriteriaSet:
    """The organisation's criteria with one withdrawn."""
    known = workspace.escalations.config.pathways.criteria
    assert known is not None and known.get(code) is not None
    return replace(known, criteria=tuple(c for c in known.criteria if c.code != code))


def withdraw(monkeypatch: pytest.MonkeyPatch, workspace: Workspace, code: str) -> None:
    config = workspace.escalations.config
    pathways = replace(config.pathways, criteria=without(workspace, code))
    monkeypatch.setattr(workspace.escalations, "config", replace(config, pathways=pathways))


def test_labels_are_the_approved_wording_and_an_unknown_code_is_marked(workspace: Workspace) -> None:
    known = workspace.escalations.config.pathways.criteria
    assert criteria_labels(["sudden-deterioration"], known) == [SUDDEN]
    assert criteria_labels(["sudden-deterioration", "withdrawn-one"], known) == [
        SUDDEN, f"withdrawn-one ({NO_LONGER_A_CRITERION})"
    ]  # fmt: skip
    assert criteria_labels(["sudden-deterioration"], None) == [f"sudden-deterioration ({NO_LONGER_A_CRITERION})"]
    assert criteria_labels([], known) == []


def test_the_leads_review_queue_shows_the_wording_not_the_code(workspace: Workspace, monkeypatch) -> None:
    pid = _fresh_person(workspace)
    esc, _ = workspace.escalations.start(
        EscalationDraft(pid, ["sudden-deterioration", "loss-of-contact"], "Not themselves")
    )
    as_team_lead(workspace)
    [item] = [i for i in workspace.review_queue.items() if i.record_id == esc.id]
    assert item.kind is ItemKind.ESCALATION
    assert f"Criteria met: {SUDDEN}; Loss of contact with a person who has current safety concerns" in item.detail
    assert "sudden-deterioration" not in item.detail and "loss-of-contact" not in item.detail
    withdraw(monkeypatch, workspace, "loss-of-contact")
    [item] = [i for i in workspace.review_queue.items() if i.record_id == esc.id]
    assert f"{SUDDEN}; loss-of-contact ({NO_LONGER_A_CRITERION})" in item.detail
