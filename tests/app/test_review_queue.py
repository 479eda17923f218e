"""The lead's review queue: work-due order by process (never by anything about the person), filters, and
refusal (audited) for anyone but a team lead."""

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.clock import FixedClock
from app.contact_notes import AmendmentKind
from app.errors import NotPermitted
from app.escalations import ActionDraft, ActionKind, EscalationDraft
from app.review_queue import (
    FIRST_MORNING_DAYS,
    NOBODY_REACHED_WORDS,
    STAYS_WORDS,
    ItemKind,
    QueueFilter,
    QueueItem,
    default_since,
    in_words,
    older_unreviewed,
    ordered,
    select_items,
)
from app.workspace import Workspace
from storage import models
from tests.app.test_write_path import _note, as_team_lead
from tests.conftest import NOW

A, B = uuid.UUID(int=1), uuid.UUID(int=2)


def _item(n: int, hours_ago: int, kind: ItemKind = ItemKind.CONTACT_NOTE, **flags: bool) -> QueueItem:
    return QueueItem(uuid.UUID(int=n), kind, A if n % 2 else B, "P", B if n % 2 else A, "W",
                     NOW - timedelta(hours=hours_ago), "s", "d", **flags)  # fmt: skip


def test_nobody_reached_first_oldest_first_then_follow_through_then_the_rest_each_newest_first() -> None:
    routine_old, routine_new = _item(1, 50), _item(2, 1)
    missed = _item(3, 2, missed_contact=True)
    ooh = _item(4, 10, ItemKind.ESCALATION, out_of_hours=True)
    welfare = _item(5, 3, ItemKind.WELFARE_CHECK, open_welfare_check=True)
    nobody = _item(6, 1, ItemKind.ESCALATION, nobody_reached=True)
    nobody_longer = _item(8, 5, ItemKind.WELFARE_CHECK, nobody_reached=True)
    assert ordered([routine_new, missed, routine_old, welfare, nobody, ooh, nobody_longer]) == [
        nobody_longer, nobody, missed, welfare, ooh, routine_new, routine_old
    ]  # fmt: skip
    assert ooh.state == "For the team's next working day"
    picked_up = QueueItem(**{**{f: getattr(ooh, f) for f in ooh.__slots__}, "reviews": (object(),)})  # type: ignore[arg-type]
    assert not picked_up.waiting_for_working_day and picked_up.group == 2 and "Reviewed" in picked_up.state


def test_filters_by_worker_person_kind_and_date_and_hide_reviewed_by_default() -> None:
    items = [_item(n, n * 24) for n in range(1, 7)] + [_item(7, 1, ItemKind.SAFETY_REVIEW)]
    assert [i.record_id.int for i in select_items(items, QueueFilter(worker_id=A))] == [2, 4, 6]
    assert [i.record_id.int for i in select_items(items, QueueFilter(person_id=A))] == [7, 1, 3, 5]
    assert [i.record_id.int for i in select_items(items, QueueFilter(kinds=frozenset({ItemKind.SAFETY_REVIEW})))] == [7]
    since = (NOW - timedelta(days=2)).date()
    assert [i.record_id.int for i in select_items(items, QueueFilter(date_from=since))] == [7, 1, 2]
    assert older_unreviewed(items, QueueFilter(date_from=since)) == 4
    assert older_unreviewed(items, QueueFilter(date_from=since, worker_id=A)) == 2, "4 and 6; 2 is shown"


def test_the_queue_starts_since_the_last_review_or_on_a_first_morning_the_review_window() -> None:
    today = NOW.date()
    assert default_since(today - timedelta(days=3), today) == today - timedelta(days=3)
    assert default_since(None, today) == today - timedelta(days=FIRST_MORNING_DAYS) == today - timedelta(days=14)


def test_a_worker_opening_the_queue_is_refused_and_audited(workspace: Workspace) -> None:
    with pytest.raises(NotPermitted, match=r"Only a team lead can open the review queue\. Nothing was saved or shown"):
        workspace.review_queue.items()
    with workspace.store.sessions() as session:
        [event] = session.scalars(select(models.AuditEvent).where(models.AuditEvent.action == "refused"))
        assert event.record_type == "review_queue"


def test_the_lead_sees_a_new_note_unreviewed_and_then_reviewed(workspace: Workspace) -> None:
    note = _note(workspace)
    as_team_lead(workspace)
    [item] = [i for i in workspace.review_queue.items() if i.record_id == note]
    assert not item.reviewed and item.kind is ItemKind.CONTACT_NOTE and item.author == "Sam Okafor"
    workspace.lead.review(note, "Seen")
    [item] = [i for i in workspace.review_queue.items() if i.record_id == note]
    assert item.reviewed and item.reviews[0].comment == "Seen"
    with workspace.store.sessions() as session:
        views = session.scalars(select(models.AuditEvent).where(models.AuditEvent.record_type == "review_queue"))
        assert [e.action for e in views] == ["view", "view"]


def _open_escalation_nobody_reached(ws: Workspace) -> uuid.UUID:
    """In hours at NOW: "is anyone's life at risk" answered No, so the next step is the duty worker, due
    within 60 minutes of the concern, and nobody has been phoned yet."""
    with ws.store.sessions() as session:
        busy = set(session.scalars(select(models.Escalation.person_id)))
    person = next(r.person_id for r in ws.caseload.rows() if r.person_id not in busy)
    esc, _ = ws.escalations.start(EscalationDraft(person, ["current-intent-or-plan"], "Told me about a plan", NOW))
    ws.escalations.answer(esc.id, "danger", "No")
    return esc.id


def test_a_review_leaves_an_open_escalation_with_nobody_reached_at_the_top_saying_why(
    workspace: Workspace, clock: FixedClock
) -> None:
    with workspace.store.sessions() as session:
        worker = session.scalars(select(models.Meta.value).where(models.Meta.key == "staff_id")).one()
        device = session.scalars(select(models.Meta.value).where(models.Meta.key == "device_id")).one()
        org = session.scalars(select(models.Meta.value).where(models.Meta.key == "organisation_id")).one()
    escalation = _open_escalation_nobody_reached(workspace)
    note = _note(workspace)
    clock.set(NOW + timedelta(hours=2, minutes=5))
    as_team_lead(workspace)
    workspace.lead.review(escalation, "Seen; asked Sam to phone the duty worker now")
    workspace.lead.review(note)

    items = workspace.review_queue.items()
    shown = select_items(items, QueueFilter(date_from=(NOW + timedelta(days=1)).date()))
    [item] = [i for i in shown if i.record_id == escalation]
    top = [i for i in shown if i.nobody_reached]
    assert item in top and shown[: len(top)] == top, "still in the queue, in its top group (oldest first)"
    assert note not in {i.record_id for i in shown}, "a reviewed note leaves the queue"
    assert item.reviewed and item.reviews[0].comment == "Seen; asked Sam to phone the duty worker now"
    [overdue] = item.overdue_steps
    assert overdue.overdue_by == timedelta(hours=1, minutes=5) and "duty worker" in overdue.step
    assert item.attention() == [
        NOBODY_REACHED_WORDS, f"Overdue by 1 hour 5 minutes: {overdue.step}", STAYS_WORDS
    ]  # fmt: skip
    assert item.state.startswith("Open — nobody who can act has been reached yet; a step overdue by 1 hour 5 minutes")
    for word in ("risk", "high", "low", "medium", "red", "amber", "green"):
        assert word not in " ".join(item.attention()).lower().split()

    # Once someone who can act is reached, the reviewed escalation leaves the queue.
    workspace.set_identity(uuid.UUID(org), uuid.UUID(worker), uuid.UUID(device))
    workspace.escalations.record_action(
        escalation,
        ActionDraft("duty-worker", ActionKind.PHONED, reached=True, contact_id="eastmoor-duty-worker",
                    contact_reached="Duty worker", outcome="Will call the person back within the hour"),
    )  # fmt: skip
    as_team_lead(workspace)
    [after] = [i for i in workspace.review_queue.items() if i.record_id == escalation]
    assert not after.nobody_reached and after.attention() == []
    assert escalation not in {i.record_id for i in select_items([after], QueueFilter())}


def test_an_open_welfare_check_with_nobody_reached_is_first_whatever_its_age() -> None:
    welfare = _item(5, 30, ItemKind.WELFARE_CHECK, open_welfare_check=True, nobody_reached=True)
    missed = _item(3, 40, missed_contact=True)
    picked = QueueItem(**{**{f: getattr(welfare, f) for f in welfare.__slots__}, "reviews": (object(),)})  # type: ignore[arg-type]
    assert ordered([missed, picked]) == [picked, missed] and picked.stays_after_review
    assert select_items([missed, picked], QueueFilter(date_from=NOW.date())) == [picked]


def test_durations_in_words() -> None:
    assert [in_words(timedelta(seconds=s)) for s in (20, 60, 3600, 3660, 7500, 86400 + 3 * 3600, 2 * 86400)] == [
        "under a minute", "1 minute", "1 hour", "1 hour 1 minute", "2 hours 5 minutes", "1 day 3 hours", "2 days"
    ]  # fmt: skip


def test_an_escalation_shows_the_criteria_in_the_organisations_words_not_their_codes(workspace: Workspace) -> None:
    criteria = workspace.escalations.config.pathways.criteria
    assert criteria is not None
    as_team_lead(workspace)
    [item] = [i for i in workspace.review_queue.items() if i.kind is ItemKind.ESCALATION]
    codes = workspace.escalations.get(item.record_id).criteria
    assert codes, "the demo's escalation met a criterion"
    line = item.detail.split("\n\n")[0]
    for code in codes:
        wording = next(c.wording for c in criteria.criteria if c.code == code)
        assert wording != code and wording in line and code not in line


def test_a_note_entered_in_error_says_so_in_the_row_with_every_amendment_who_when_and_why(
    workspace: Workspace, clock: FixedClock
) -> None:
    note = _note(workspace)
    clock.set(NOW + timedelta(minutes=10))
    workspace.notes.amend(note, AmendmentKind.ADDENDUM, "Forgot a detail", "Also talked about sleep.")
    clock.set(NOW + timedelta(minutes=20))
    workspace.notes.amend(note, AmendmentKind.ENTERED_IN_ERROR, "Recorded on the wrong person", "")
    as_team_lead(workspace)
    [item] = [i for i in workspace.review_queue.items() if i.record_id == note]
    assert item.entered_in_error and item.state.startswith("Entered in error")
    assert item.summary.startswith("Entered in error (was: Phone: spoken to")
    assert [(a.kind, a.author, a.at, a.reason) for a in item.amendments] == [
        (AmendmentKind.ADDENDUM, "Sam Okafor", NOW + timedelta(minutes=10), "Forgot a detail"),
        (AmendmentKind.ENTERED_IN_ERROR, "Sam Okafor", NOW + timedelta(minutes=20), "Recorded on the wrong person"),
    ]
    assert "Also talked about sleep." in item.amendments[0].describe()


def test_a_note_amended_after_the_leads_review_comes_back_to_the_queue(workspace: Workspace, clock: FixedClock) -> None:
    note = _note(workspace)
    worker = _identity(workspace)
    as_team_lead(workspace)
    workspace.lead.review(note, "Fine")
    assert note not in {i.record_id for i in select_items(workspace.review_queue.items(), QueueFilter())}
    clock.set(NOW + timedelta(hours=1))
    workspace.set_identity(*worker)
    workspace.notes.amend(note, AmendmentKind.CORRECTION, "Wrong time of visit", "The call was at 10:30.")
    as_team_lead(workspace)
    [item] = [i for i in select_items(workspace.review_queue.items(), QueueFilter()) if i.record_id == note]
    assert not item.reviewed and item.amended_since_review
    assert item.state == "Correction added; Amended since it was reviewed"


def _identity(ws: Workspace) -> tuple[uuid.UUID, uuid.UUID, uuid.UUID]:
    with ws.store.sessions() as session:
        meta = {m.key: m.value for m in session.scalars(select(models.Meta))}
    return uuid.UUID(meta["organisation_id"]), uuid.UUID(meta["staff_id"]), uuid.UUID(meta["device_id"])
