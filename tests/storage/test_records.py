"""Change records on the wire: each type's canonical payload and hash are pinned by a golden file."""

import json
import os
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from storage import models, records

GOLDEN = Path(__file__).parents[1] / "fixtures" / "records"
PERSON = uuid.UUID("01890a5d-ac96-774b-bcce-b302099a8057")
AUTHOR = uuid.UUID("01890a5d-ac96-774b-bcce-b302099a8058")
DEVICE = uuid.UUID("01890a5d-ac96-774b-bcce-b302099a8059")
T = datetime(2026, 11, 30, 14, 32, tzinfo=UTC)


def _id(n: int) -> uuid.UUID:
    return uuid.UUID(f"01890a5d-ac96-774b-bcce-b302099a{n:04x}")


COMMON = {"person_id": PERSON, "author_id": AUTHOR, "device_id": DEVICE}

# One record of each type with every field filled in, the way its service writes it.
SAMPLES: dict[str, models.Base] = {
    "contact_note": models.ContactNote(
        id=_id(1), **COMMON, planned_contact_id=_id(9), contact_start=T, contact_end=T, recorded_at=T,
        late_entry=False, late_entry_reason=None, method="home_visit", outcome="seen", narrative="Seen at home — café",
        plan_revision_id=_id(3), plan_steps_used=[2, 5], next_action="Phone Friday", next_action_due=T, signed_at=T,
    ),
    "note_amendment": models.NoteAmendment(
        id=_id(2), note_id=_id(1), **COMMON, created_at=T, kind="addendum", reason="More detail", text="Also sleep",
    ),
    "safety_plan_revision": models.SafetyPlanRevision(
        id=_id(3), plan_id=_id(10), **COMMON, parent_ids=[str(_id(11))], created_at=T, co_produced=True,
        shared_with=["GP"], sections=[{"step": 1, "items": [{"text": "Not sleeping"}]}],
        preferences={"contact": "text first"}, change_summary="Added a warning sign",
        present="The person; their sister Amy",
    ),
    "safety_review": models.SafetyReview(
        id=_id(4), **COMMON, created_at=T, trigger="medication_change", what_changed="New medication",
        persons_account="Feels foggy", why_it_matters="Stopped before", current_concerns="Sleep",
        protective_factors="Sister", next_steps=[{"action": "Check in", "owner": "Sam", "due": "2026-12-04"}],
        plan_reviewed=False, plan_review_note="Too tired today", threshold_criteria=[],
    ),
    "escalation_opened": models.Escalation(
        id=_id(5), **COMMON, created_at=T, kind="welfare-check", identified_at=T, criteria=[],
        rationale="Raised by the missed-contact policy", period="in_hours", period_reason="Weekday 09:00-17:00",
        versions={"pathway": "moorland-welfare@1"}, pathway_id="moorland-welfare@1", cause=[str(_id(6)), str(_id(7))],
    ),
    "escalation_event": models.EscalationAction(
        id=_id(8), escalation_id=_id(5), **COMMON, created_at=T, at=T, node_id="duty", kind="phoned",
        answer=None, contact_id="duty-line", contact_reached="Duty worker (Gareth Lowe)", information_shared="Plan",
        sharing_basis="Consent", outcome="Visit agreed", reached=True, due=None,
    ),
    "record_review": models.RecordReview(
        id=_id(30), **COMMON, created_at=T, reviewed_id=_id(1), reviewed_type="contact_note",
        comment="Good use of step 2",
    ),
    "supervision": models.Supervision(
        id=_id(31), **COMMON, created_at=T, session_id=_id(32), worker_id=_id(33), supervised_at=T,
        escalations_discussed=[str(_id(5))], rationale="Escalated on loss of contact: criteria met, reason clear",
        actions=[{"action_id": str(_id(34)), "action": "Add sister to plan step 4", "owner": "Sam Okafor",
                  "owner_id": str(_id(33)), "due": "2026-12-07"}],
    ),
    "learning_review": models.LearningReview(
        id=_id(35), **COMMON, created_at=T, escalation_id=_id(5), occurred_at=T, what_happened="Two missed visits",
        what_helped="Duty worker knew the family", delays_barriers="Crisis line busy for 20 minutes",
        pathway_refinement_needed=True, pathway_id="moorland-welfare", pathway_version="1",
        refinement="Name a second duty number", actions=[{"action_id": str(_id(36)), "action": "Update pathway",
        "owner": "Team lead", "owner_id": None, "due": "2026-12-14"}],
    ),
    "action_update": models.ActionUpdate(
        id=_id(37), **COMMON, created_at=T, source_id=_id(35), action_id=_id(36), status="done", at=T,
        note="Pathway version 2 approved",
    ),
    "case_audit": models.CaseAudit(
        id=_id(38), **COMMON, created_at=T, sample_id=_id(39), seed=20261130, drawn_at=T,
        period_from=date(2026, 9, 1), period_to=date(2026, 11, 30),
        selected_for=[{"reason": "escalation", "record_id": str(_id(5))}], case_workers=[str(_id(33))],
        checklist="operating-model-audit@1",
        answers=[{"question_id": "dynamic_review_updated", "answer": "yes", "note": None},
                 {"question_id": "plan_used_in_notes", "answer": "partly", "note": "Step 2 cited once"}],
        comment="Follow-up done on time",
    ),
    "planned_contact": models.PlannedContact(
        id=_id(9), **COMMON, staff_id=AUTHOR, created_at=T, due_at=T, window_end=T.replace(hour=17),
        method="home_visit", with_whom="Sam, with their sister", purpose="Check in after the review — sleep",
        contact_plan_id=_id(12),
    ),
    "planned_contact_change": models.PlannedContactChange(
        id=_id(13), planned_contact_id=_id(9), **COMMON, created_at=T, change="rescheduled",
        reason="Sam asked for the afternoon", due_at=T.replace(hour=16), replacement_id=_id(14),
    ),
    "contact_plan": models.ContactPlan(
        id=_id(12), **COMMON, created_at=T, staff_id=AUTHOR, every_days=2, starts_on=T.date(),
        until=date(2026, 12, 14), time_of_day="10:00", method="phone", purpose="Increased contact after crisis",
        reason="Two missed contacts; contact re-established",
    ),
    "contact_plan_change": models.ContactPlanChange(
        id=_id(15), contact_plan_id=_id(12), **COMMON, created_at=T, change="ended",
        reason="Stable for a week; back to weekly",
    ),
}  # fmt: skip


def _write_golden() -> bool:
    return os.environ.get("WAYMARK_WRITE_GOLDEN") == "1"


@pytest.mark.parametrize("record_type", sorted(records.TYPES))
def test_canonical_payload_and_hash_match_the_golden_file(record_type: str) -> None:
    body = records.envelope(SAMPLES[record_type])
    wire = {"seq": 1, **body, "sha256": records.sha256(body)}
    path = GOLDEN / f"{record_type}.json"
    if _write_golden():
        path.write_text(json.dumps(wire, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
    golden = json.loads(path.read_text())
    assert wire == golden
    # The hash covers the canonical bytes of the envelope without seq and sha256, exactly as §1.3 says.
    canonical = json.dumps({k: v for k, v in golden.items() if k not in ("seq", "sha256")},
                           sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()  # fmt: skip
    import hashlib

    assert hashlib.sha256(canonical).hexdigest() == golden["sha256"]


def test_every_record_type_has_a_sample_and_a_golden_file() -> None:
    assert set(SAMPLES) == set(records.TYPES)
    assert {p.stem for p in GOLDEN.glob("*.json")} == set(records.TYPES)


def test_absent_values_are_sent_as_null_never_omitted() -> None:
    opened = records.envelope(SAMPLES["escalation_opened"])
    assert opened["refers_to"] is None
    event = records.envelope(SAMPLES["escalation_event"])
    assert event["refers_to"] == str(_id(5))
    assert event["payload"]["answer"] is None and "owner" in event["payload"]


def test_a_follow_up_and_a_closing_carry_owner_and_note_in_their_own_fields() -> None:
    follow_up = models.EscalationAction(
        id=_id(20), escalation_id=_id(5), **COMMON, created_at=T, at=T, node_id="end", kind="follow_up",
        answer=None, contact_id=None, contact_reached="Sam", information_shared=None, sharing_basis=None,
        outcome=None, reached=False, due=T,
    )  # fmt: skip
    payload = records.envelope(follow_up)["payload"]
    assert (payload["event"], payload["owner"], payload["contact_reached"], payload["action"]) == (
        "follow_up_set", "Sam", None, None
    )  # fmt: skip
    closing = models.EscalationAction(
        id=_id(21), escalation_id=_id(5), **COMMON, created_at=T, at=T, node_id="end", kind="closed",
        answer=None, contact_id=None, contact_reached=None, information_shared="Visited, safe", sharing_basis=None,
        outcome="person_safe_plan_agreed", reached=False, due=None,
    )  # fmt: skip
    payload = records.envelope(closing)["payload"]
    assert (payload["event"], payload["note"], payload["information_shared"]) == ("closed", "Visited, safe", None)


def test_a_row_that_is_not_a_change_record_is_refused() -> None:
    with pytest.raises(TypeError, match="not a change record"):
        records.envelope(models.Meta(key="k", value="v"))


def test_older_payloads_are_upcast_step_by_step() -> None:
    body = records.envelope(SAMPLES["safety_review"])
    steps = {
        ("safety_review", 1): lambda p: {**p, "owner_confirmed": None},
        ("safety_review", 2): lambda p: {
            **{k: v for k, v in p.items() if k != "trigger"},
            "trigger_point": p["trigger"],
        },
    }
    upcast = records.upcast(body, steps, target=3)
    assert upcast["schema_version"] == 3
    assert upcast["payload"]["trigger_point"] == "medication_change" and "trigger" not in upcast["payload"]
    assert upcast["payload"]["owner_confirmed"] is None
    assert body["payload"]["trigger"] == "medication_change", "the original is untouched"
    assert records.upcast(body) == body, "a current record needs no step"


def test_a_newer_or_unknown_record_is_reported_not_guessed() -> None:
    body = records.envelope(SAMPLES["contact_note"])
    with pytest.raises(records.UpdateRequired, match="newer"):
        records.upcast({**body, "schema_version": 2})
    with pytest.raises(records.UpdateRequired, match="not known"):
        records.upcast({**body, "record_type": "lead_review"})


def test_a_version_1_plan_revision_is_upcast_with_who_was_present_as_a_field() -> None:
    """Before version 2 the plan editor wrote "Present: …" as a line of the change summary."""
    old = json.loads((GOLDEN / "v1" / "safety_plan_revision.json").read_text())
    assert old["schema_version"] == 1 and "present" not in old["payload"]
    summary = "Added a warning sign\nWritten with the person: Yes\nPresent: the person, their sister Amy"
    v1 = {**old, "payload": {**old["payload"], "change_summary": summary}}
    upcast = records.upcast(v1)
    assert upcast["schema_version"] == 2
    assert upcast["payload"]["present"] == "the person, their sister Amy"
    assert upcast["payload"]["change_summary"] == "Added a warning sign\nWritten with the person: Yes"
    assert set(upcast["payload"]) == set(json.loads((GOLDEN / "safety_plan_revision.json").read_text())["payload"])
    nobody = records.upcast(old)["payload"]
    assert nobody["present"] is None and nobody["change_summary"] == "Added a warning sign", "said only if recorded"


def test_a_version_1_planned_contact_from_the_servers_demo_is_upcast_to_version_2() -> None:
    v1 = {
        "record_id": str(_id(30)), "record_type": "planned_contact", "schema_version": 1,
        "person_id": str(PERSON), "author_id": str(AUTHOR), "device_id": str(DEVICE),
        "authored_at": "2026-11-30T14:32:00.000000Z", "refers_to": None,
        "payload": {"staff_id": str(AUTHOR), "due_at": "2026-12-01T10:00:00.000000Z", "method": "phone"},
    }  # fmt: skip
    up = records.upcast(v1)
    assert up["schema_version"] == 2
    current = records.envelope(SAMPLES["planned_contact"])["payload"]
    assert set(up["payload"]) == set(current), "an upcast payload has exactly the current fields"
    assert up["payload"] == {
        "staff_id": str(AUTHOR), "due_at": "2026-12-01T10:00:00.000000Z", "method": "phone",
        "window_end": None, "with_whom": "", "purpose": "", "contact_plan_id": None,
    }  # fmt: skip


def test_the_wire_protocol_knows_every_record_type_at_the_version_the_client_writes() -> None:
    from sync.protocol import SCHEMA_VERSIONS

    assert {name: spec.schema_version for name, spec in records.TYPES.items()} == SCHEMA_VERSIONS
