"""Projections (episodes, plan heads) equal what the records alone rebuild; derived records dedupe by id."""

import contextlib
import os
import shutil
import tempfile
import uuid
from datetime import datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Uuid, delete, select, update

from app import projections
from app.clock import FixedClock
from app.contact_notes import AmendmentKind, ContactMethod, NoteDraft, Outcome
from app.errors import InvalidInput
from app.escalations import ActionDraft, ActionKind, EscalationDraft, EscalationKind, EscalationOutcome
from app.pathways import NodeType
from app.workspace import Workspace
from storage import models, outbox
from storage.serialise import row_to_dict
from storage.types import UtcDateTime
from tests.app.test_outbox import _revision_of
from tests.conftest import NOW, PASSPHRASE

OUTCOMES = [Outcome.SEEN, Outcome.SPOKEN_TO, Outcome.NO_ANSWER, Outcome.NOT_AT_HOME, Outcome.DECLINED,
            Outcome.THIRD_PARTY_ONLY]  # fmt: skip

operation = st.one_of(
    st.tuples(st.just("note"), st.integers(0, 1), st.sampled_from(OUTCOMES), st.integers(1, 60 * 70)),
    st.tuples(st.just("entered_in_error"), st.integers(0, 1), st.integers(0, 5)),
    st.tuples(st.just("plan"), st.integers(0, 1)),
    st.tuples(st.just("escalate"), st.integers(0, 1)),
    st.tuples(st.just("step"), st.integers(0, 1)),
    st.tuples(st.just("follow_up"), st.integers(0, 1)),
    st.tuples(st.just("close"), st.integers(0, 1)),
)


def _quiet_persons(ws: Workspace) -> list[uuid.UUID]:
    with ws.store.sessions() as session:
        busy = set(session.scalars(select(models.MissedContactEpisode.person_id)))
        busy |= set(session.scalars(select(models.Escalation.person_id)))
    return [r.person_id for r in ws.caseload.rows() if r.person_id not in busy][:2]


def _apply(ws: Workspace, persons: list[uuid.UUID], op: tuple) -> None:
    kind, pid = op[0], persons[op[1]]
    open_ = [e for e in ws.escalations.for_person(pid) if e.is_open]
    if kind == "note":
        outcome, minutes_ago = op[2], op[3]
        end = NOW - timedelta(minutes=minutes_ago)
        draft = NoteDraft(pid, end - timedelta(minutes=5), end, ContactMethod.PHONE, outcome, "Phoned",
                          late_entry_reason="Recorded after the shift")  # fmt: skip
        ws.notes.record(draft)
    elif kind == "entered_in_error":
        notes = [n for n in ws.notes.timeline(pid) if n.signed and not n.entered_in_error]
        if notes:
            ws.notes.amend(notes[op[2] % len(notes)].id, AmendmentKind.ENTERED_IN_ERROR, "Wrong person", "")
    elif kind == "plan":
        plan = ws.plans.current(pid)
        if plan is not None:
            ws.plans.revise(_revision_of(plan))
    elif kind == "escalate":
        ws.escalations.start(EscalationDraft(pid, ["sudden-deterioration"], "Sounded very different"))
    elif open_ and kind == "step":
        esc = open_[0]
        node = esc.walk.current
        if node.type is NodeType.QUESTION:
            ws.escalations.answer(esc.id, node.id, node.answers[0].label)
        elif node.type is NodeType.ACTION:
            ws.escalations.record_action(esc.id, ActionDraft(node.id, ActionKind.PHONED, True, contact_reached="Duty"))
    elif open_ and kind == "follow_up":
        ws.escalations.set_follow_up(open_[0].id, NOW + timedelta(hours=20), "Sam")
    elif open_ and kind == "close":
        ws.escalations.close(open_[0].id, EscalationOutcome.PERSON_SAFE_PLAN_AGREED)


def _state(ws: Workspace, persons: list[uuid.UUID]) -> dict[str, object]:
    with ws.store.sessions() as session:
        episodes = sorted(
            [tuple(sorted(row_to_dict(r).items()))
             for r in session.scalars(select(models.MissedContactEpisode).where(
                models.MissedContactEpisode.person_id.in_(persons)))],
            key=repr,  # two episodes may differ where one holds None: tuples of them do not compare
        )  # fmt: skip
        heads = {p: session.scalar(select(models.SafetyPlan.head_revision_id).where(models.SafetyPlan.person_id == p))
                 for p in persons}  # fmt: skip
    escalations = [
        (e.id, e.is_open, e.outcome, e.follow_up_due, e.follow_up_owner, e.walk.current.id, e.reached_anyone)
        for p in persons
        for e in ws.escalations.for_person(p)
    ]
    return {"episodes": episodes, "heads": heads, "escalations": escalations}


def _state_from_outbox(ws: Workspace, escalation_ids: list[uuid.UUID]) -> dict[uuid.UUID, tuple]:
    """Follow-up and closing as a receiver would fold them from the change log alone."""
    with ws.store.sessions() as session:
        items = outbox.pending(session)
    folded = {}
    for esc_id in escalation_ids:
        events = [i.payload for i in items if i.refers_to == esc_id]
        closing = next((e for e in events if e["event"] == "closed"), None)
        follow = [e for e in events if e["event"] == "follow_up_set"]
        folded[esc_id] = (
            closing is None,
            closing["outcome"] if closing else None,
            follow[-1]["due"] if follow else None,
            follow[-1]["owner"] if follow else None,
        )
    return folded


@settings(
    max_examples=int(os.environ.get("WAYMARK_DEEP", "8")),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    deadline=None,
)
@given(ops=st.lists(operation, min_size=1, max_size=14))
def test_rebuilding_every_projection_from_the_records_equals_the_incremental_state(demo_template, ops) -> None:
    folder = Path(tempfile.mkdtemp(prefix="waymark-prop-"))
    shutil.copytree(demo_template[0], folder / "store")
    ws = Workspace.open(folder / "store", PASSPHRASE, clock=FixedClock(NOW))
    try:
        persons = _quiet_persons(ws)
        for op in ops:
            # A refusal the rules allow (closing before any action, say) writes nothing.
            with contextlib.suppress(InvalidInput):
                _apply(ws, persons, op)
        incremental = _state(ws, persons)
        with ws.store.sessions.begin() as session:
            session.execute(delete(models.MissedContactEpisode))
            session.execute(update(models.SafetyPlan).values(head_revision_id=None))
        with ws.store.sessions.begin() as session:
            projections.rebuild(session, ws.missed_contacts)
        assert _state(ws, persons) == incremental
        folded = _state_from_outbox(ws, [e[0] for e in incremental["escalations"]])
        from storage.serialise import json_value

        for esc_id, is_open, outcome, due, owner, _node, _reached in incremental["escalations"]:
            assert folded[esc_id] == (is_open, outcome.value if outcome else None, json_value(due), owner)
    finally:
        ws.close()
        shutil.rmtree(folder, ignore_errors=True)


def _copy(demo_template, target: Path) -> Workspace:
    shutil.copytree(demo_template[0], target)
    return Workspace.open(target, PASSPHRASE, clock=FixedClock(NOW))


def test_two_writers_applying_the_policy_to_the_same_notes_make_one_welfare_check(demo_template, tmp_path) -> None:
    """Device A records two missed contacts; device B receives the notes and runs the policy itself before
    A's welfare check reaches it. Both derive the same record, so B ends with one welfare check, not two."""
    a, b = _copy(demo_template, tmp_path / "a"), _copy(demo_template, tmp_path / "b")
    try:
        (pid, _) = _quiet_persons(a)
        # More than the re-contact time apart, so the second is a second missed contact, not the re-contact.
        for hours in (40, 3):
            at = NOW - timedelta(hours=hours)
            a.notes.record(NoteDraft(pid, at, at + timedelta(minutes=5), ContactMethod.PHONE, Outcome.NO_ANSWER, "No",
                                     late_entry_reason="Recorded after the shift"))  # fmt: skip
        with a.store.sessions() as session:
            mine = select(models.ContactNote).where(
                models.ContactNote.person_id == pid, models.ContactNote.recorded_at == NOW
            )
            notes = [row_to_dict(n) for n in session.scalars(mine)]
            (check_a,) = session.scalars(
                select(models.Escalation).where(
                    models.Escalation.person_id == pid, models.Escalation.kind == "welfare-check"
                )
            )
            check_a_values = row_to_dict(check_a)
        assert len(notes) == 2
        with b.uow.receive() as session:  # the notes arrive at B
            for values in notes:
                session.add(models.ContactNote(**_typed(models.ContactNote, values)))
        raised, _ = b.missed_contacts.apply(pid)  # B applies the policy on its own
        assert raised
        with b.uow.receive() as session:  # then A's welfare check arrives: same id, so a no-op
            if session.get(models.Escalation, uuid.UUID(check_a_values["id"])) is None:
                session.add(models.Escalation(**_typed(models.Escalation, check_a_values)))
        checks = [e for e in b.escalations.for_person(pid) if e.kind is EscalationKind.WELFARE_CHECK]
        assert [c.id for c in checks] == [uuid.UUID(check_a_values["id"])]
        assert b.missed_contacts.apply(pid)[0] is False, "running the policy again changes nothing"
        assert len(b.escalations.for_person(pid)) == 1
    finally:
        a.close()
        b.close()


def _typed(model: type[models.Base], values: dict) -> dict:
    """Row values back from their JSON form, as a receiving device would read them."""
    columns = model.__table__.columns
    typed = {}
    for key, value in values.items():
        column_type = columns[key].type
        if value is not None and isinstance(column_type, UtcDateTime):
            value = datetime.fromisoformat(value)
        elif value is not None and isinstance(column_type, Uuid):
            value = uuid.UUID(value)
        typed[key] = value
    return typed
