"""The missed-contact prompt says what a failed re-contact attempt did and did not do (new user's review)."""

from __future__ import annotations

from datetime import timedelta

from app.missed_contacts import EpisodeState
from app.workspace import Workspace
from tests.app.test_missed_contacts import _a_person_with_no_misses, _missed
from tests.conftest import NOW
from ui.missed_contact_banner import banner_html


def test_a_failed_re_contact_attempt_is_said_as_one_and_when_a_miss_would_count(workspace: Workspace) -> None:
    """A new user phoned twice with no answer and saw the same "try to reach them again" prompt, believing
    Waymark had escalated. The attempt is not a second miss (finding 3c): the worker is told so, and from when
    to when another miss would raise the welfare check."""
    pid = _a_person_with_no_misses(workspace)
    first = NOW - timedelta(hours=3)
    _missed(workspace, pid, first)
    assert workspace.missed_contacts.status(pid).attempts == ()
    _missed(workspace, pid, NOW - timedelta(hours=1))
    status = workspace.missed_contacts.status(pid)
    assert status.state is EpisodeState.RECONTACT and workspace.escalations.for_person(pid) == []
    assert status.attempts == (NOW - timedelta(hours=1) + timedelta(minutes=5),)
    counted = first + timedelta(minutes=5)
    assert (status.counts_from, status.counts_until) == (counted + timedelta(hours=24), counted + timedelta(hours=48))
    text = banner_html(status, NOW)
    assert "re-contact tried" in text and "No welfare check yet" in text and "not a second missed contact" in text
    assert "escalate (Ctrl+E)" in text and "try to reach them again —" not in text
