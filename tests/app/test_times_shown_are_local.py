"""Every time a worker reads is London wall-clock time, never UTC: in British Summer Time a UTC time is an
hour out, and a tired worker phoning "by 14:00" when the standard said 15:00 is the harm (clinical safety
review, finding 1)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.escalations import Timeliness
from app.pathways import Node, NodeType

STEP = Node("call-duty", NodeType.ACTION, "Phone the duty worker", within_minutes=60)


def _open_step(due_by: datetime) -> Timeliness:
    return Timeliness(STEP, due_by, None)


@pytest.mark.parametrize(
    ("due_by", "said"),
    [
        # Summer: 13:00 UTC is 14:00 in London (BST, UTC+1).
        (datetime(2026, 7, 1, 13, 0, tzinfo=UTC), "due by 14:00"),
        # Winter: London is on UTC (GMT).
        (datetime(2026, 12, 1, 13, 0, tzinfo=UTC), "due by 13:00"),
    ],
)
def test_a_step_not_yet_due_says_its_time_in_london(due_by: datetime, said: str) -> None:
    assert _open_step(due_by).describe(due_by - timedelta(minutes=30)) == said


def test_a_step_due_after_the_clocks_go_forward_says_the_new_local_time() -> None:
    # Sunday 29 Mar 2026: at 01:00 UTC London jumps from 01:00 GMT to 02:00 BST. Now is 00:30 (GMT), the
    # step is due 01:30 UTC, which a London clock shows as 02:30.
    now = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)
    assert _open_step(now + timedelta(hours=1)).describe(now) == "due by 02:30"


def test_a_step_due_after_the_clocks_go_back_says_the_new_local_time() -> None:
    # Sunday 25 Oct 2026: at 01:00 UTC London goes back from 02:00 BST to 01:00 GMT. Now is 00:40 UTC (01:40
    # BST); due 01:20 UTC is 01:20 GMT on the wall, although it is 40 minutes away.
    now = datetime(2026, 10, 25, 0, 40, tzinfo=UTC)
    assert _open_step(now + timedelta(minutes=40)).describe(now) == "due by 01:20"


def test_a_step_due_on_another_day_says_which_day() -> None:
    # 23:30 UTC on 30 Jun is already 00:30 on Wednesday 1 Jul in London: "due by 00:30" alone would read as
    # half an hour after the midnight that has just passed.
    now = datetime(2026, 6, 30, 22, 0, tzinfo=UTC)  # 23:00 BST on Tuesday
    assert _open_step(datetime(2026, 6, 30, 23, 30, tzinfo=UTC)).describe(now) == "due by Wed 01 Jul 00:30"
