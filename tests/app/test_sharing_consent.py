"""Issue 9, finding 7: consent at the moment of sharing. The person's recorded preferences for the
recipient are shown (or "none recorded"); "best interests" asks for the capacity decision; "consent"
against a preference that says "not details" asks to confirm; every share is in the audit log."""

import pytest
from sqlalchemy import select

from app.errors import InvalidInput
from app.escalations import ActionDraft, ActionKind, EscalationDraft
from app.workspace import Workspace
from storage import models
from tests.app.test_escalation_closing import _fresh_person


def _with_helper(ws: Workspace):
    pid = _fresh_person(ws)
    with ws.store.sessions() as session:
        pref = session.scalars(select(models.SharingPreference).where(models.SharingPreference.person_id == pid)).one()
    esc, _ = ws.escalations.start(EscalationDraft(pid, ["sudden-deterioration"], "Not themselves"))
    esc, _ = ws.escalations.answer(esc.id, "danger", "No")
    return pid, pref.recipient, esc


def test_the_recipients_recorded_preference_is_shown_or_none_recorded(workspace) -> None:
    pid, helper, _ = _with_helper(workspace)
    (pref,) = workspace.escalations.sharing_preferences(pid, helper)
    assert pref.what == "Whether I am safe, not details" and pref.decision == "agreed"
    assert "not details" in pref.describe() and helper in pref.describe()
    assert workspace.escalations.sharing_preferences(pid, "Eastmoor team duty worker") == []
    assert workspace.escalations.describe_preferences(pid, "Eastmoor team duty worker") == (
        "No sharing preference is recorded for this recipient."
    )


def test_best_interests_needs_the_capacity_decision(workspace) -> None:
    _pid, _helper, esc = _with_helper(workspace)
    draft = ActionDraft("duty-worker", ActionKind.PHONED, True, contact_id="eastmoor-duty-worker",
                        information_shared="Current concerns", sharing_basis="Best interests")  # fmt: skip
    with pytest.raises(InvalidInput, match="capacity"):
        workspace.escalations.record_action(esc.id, draft)
    esc, _ = workspace.escalations.record_action(
        esc.id, ActionDraft(**{**_fields(draft), "capacity_decision": "Intoxicated; lacks capacity to decide now"})
    )
    (action,) = [a for a in esc.actions if a.information_shared]
    assert action.sharing_basis == "Best interests — capacity decision: Intoxicated; lacks capacity to decide now"


def test_consent_against_a_not_details_preference_asks_to_confirm(workspace) -> None:
    _pid, helper, esc = _with_helper(workspace)
    draft = ActionDraft("duty-worker", ActionKind.OTHER, True, contact_reached=helper,
                        information_shared="Details of the plan", sharing_basis="Consent given")  # fmt: skip
    with pytest.raises(InvalidInput, match="not details"):
        workspace.escalations.record_action(esc.id, draft)
    esc, _ = workspace.escalations.record_action(esc.id, ActionDraft(**{**_fields(draft), "consent_confirmed": True}))
    (action,) = [a for a in esc.actions if a.information_shared]
    assert "confirmed with the person" in (action.sharing_basis or "")


def test_every_share_is_in_the_audit_log(workspace) -> None:
    _pid, _helper, esc = _with_helper(workspace)
    esc, _ = workspace.escalations.record_action(esc.id, ActionDraft(
        "duty-worker", ActionKind.PHONED, True, contact_id="eastmoor-duty-worker",
        information_shared="Current concerns", sharing_basis="Within the care team"))  # fmt: skip
    (action,) = [a for a in esc.actions if a.information_shared]
    with workspace.store.sessions() as session:
        mine = select(models.AuditEvent.action).where(models.AuditEvent.record_id == str(action.id))
        verbs = list(session.scalars(mine))
    assert "share" in verbs and "create" in verbs


def _fields(draft: ActionDraft) -> dict:
    return {name: getattr(draft, name) for name in draft.__dataclass_fields__}
