"""The lead's review queue: work-due order by process (never by anything about the person), filters, and
refusal (audited) for anyone but a team lead."""

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.errors import NotPermitted
from app.review_queue import ItemKind, QueueFilter, QueueItem, ordered, select_items
from app.workspace import Workspace
from storage import models
from tests.app.test_write_path import _note, as_team_lead
from tests.conftest import NOW

A, B = uuid.UUID(int=1), uuid.UUID(int=2)


def _item(n: int, hours_ago: int, kind: ItemKind = ItemKind.CONTACT_NOTE, **flags: bool) -> QueueItem:
    return QueueItem(uuid.UUID(int=n), kind, A if n % 2 else B, "P", B if n % 2 else A, "W",
                     NOW - timedelta(hours=hours_ago), "s", "d", **flags)  # fmt: skip


def test_nobody_reached_first_then_follow_through_then_the_rest_each_oldest_first() -> None:
    routine_old, routine_new = _item(1, 50), _item(2, 1)
    missed = _item(3, 2, missed_contact=True)
    ooh = _item(4, 10, ItemKind.ESCALATION, out_of_hours=True)
    welfare = _item(5, 3, ItemKind.WELFARE_CHECK, open_welfare_check=True)
    nobody = _item(6, 1, ItemKind.ESCALATION, nobody_reached=True)
    assert ordered([routine_new, missed, routine_old, welfare, nobody, ooh]) == [
        nobody, ooh, welfare, missed, routine_old, routine_new
    ]  # fmt: skip
    assert ooh.state == "For the team's next working day"
    picked_up = QueueItem(**{**{f: getattr(ooh, f) for f in ooh.__slots__}, "reviews": (object(),)})  # type: ignore[arg-type]
    assert not picked_up.waiting_for_working_day and picked_up.group == 2 and "Reviewed" in picked_up.state


def test_filters_by_worker_person_kind_and_date_and_hide_reviewed_by_default() -> None:
    items = [_item(n, n * 24) for n in range(1, 7)] + [_item(7, 1, ItemKind.SAFETY_REVIEW)]
    assert [i.record_id.int for i in select_items(items, QueueFilter(worker_id=A))] == [6, 4, 2]
    assert [i.record_id.int for i in select_items(items, QueueFilter(person_id=A))] == [5, 3, 1, 7]
    assert [i.record_id.int for i in select_items(items, QueueFilter(kinds=frozenset({ItemKind.SAFETY_REVIEW})))] == [7]
    since = (NOW - timedelta(days=2)).date()
    assert [i.record_id.int for i in select_items(items, QueueFilter(date_from=since))] == [2, 1, 7]


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
