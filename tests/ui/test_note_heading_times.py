"""A note's heading says when the contact was, start to end. The caseload's Last contact is when the latest
contact ended; with the heading showing only its start, a worker checking one against the other found two
times for the same visit."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from ui.plan_view import note_html


def test_the_latest_notes_heading_holds_the_caseloads_last_contact(workspace) -> None:
    row = next(r for r in workspace.caseload.rows() if r.last_contact_at is not None)
    latest = next(
        n
        for n in workspace.notes.timeline(row.person_id)
        if n.signed and not n.entered_in_error and n.contact_end == row.last_contact_at
    )
    start, end = latest.contact_start.astimezone(), latest.contact_end.astimezone()
    assert start < end and start.date() == end.date()
    heading = f"<b>{start:%a %d %b %Y %H:%M}–{end:%H:%M}</b>"
    assert heading in note_html(latest)
    assert f"{row.last_contact_at.astimezone():%H:%M}</b>" in note_html(latest)


def test_a_moment_shows_one_time_and_a_contact_past_midnight_shows_both_days(workspace) -> None:
    row = next(r for r in workspace.caseload.rows() if r.last_contact_at is not None)
    note = next(n for n in workspace.notes.timeline(row.person_id) if n.signed)
    start = note.contact_start.astimezone()
    moment = replace(note, contact_end=note.contact_start)
    assert f"<b>{start:%a %d %b %Y %H:%M}</b>" in note_html(moment)
    overnight = replace(note, contact_end=note.contact_start + timedelta(days=1))
    end = overnight.contact_end.astimezone()
    assert f"<b>{start:%a %d %b %Y %H:%M} – {end:%a %d %b %Y %H:%M}</b>" in note_html(overnight)
