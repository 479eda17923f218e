"""The missed-contact policy over misses recorded on different devices (review finding, session 5): the
second miss arriving by sync must raise the welfare check on the laptop that holds the first, exactly as if
both had been typed there, and the server must end up with one welfare check, not two."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from app.contact_notes import ContactMethod, NoteDraft, Outcome
from app.escalations import EscalationKind
from app.missed_contacts import EpisodeState
from app.workspace import Workspace
from storage import models
from sync.client import SyncFailure
from sync.engine import SyncEngine
from sync.server.models import Record
from tests.conftest import NOW
from tests.sync.inprocess import LEAD, WORKER, DemoServer

LATER = NOW + timedelta(days=3)  # after every demo note, so the demo's own contacts play no part
# Misses more than the re-contact time apart (24 h) and within the welfare window (48 h): a second missed
# contact, not a re-contact attempt (app.missed_contacts.episodes).


def _miss(server: DemoServer, workspace: Workspace, person: uuid.UUID, at: timedelta) -> None:
    end = LATER + at
    server.clock.set(end + timedelta(minutes=5))  # written up straight after, on the device's own clock
    workspace.notes.record(
        NoteDraft(person, end - timedelta(minutes=10), end, ContactMethod.HOME_VISIT, Outcome.NOT_AT_HOME,
                  "Visited as planned; no answer at the door, curtains drawn.")
    )  # fmt: skip


def _welfare_checks(workspace: Workspace, person: uuid.UUID) -> list[uuid.UUID]:
    with workspace.uow.read() as session:
        return list(
            session.scalars(
                select(models.Escalation.id).where(
                    models.Escalation.person_id == person, models.Escalation.kind == EscalationKind.WELFARE_CHECK.value
                )
            )
        )


def _first_person(workspace: Workspace) -> uuid.UUID:
    with workspace.uow.read() as session:
        person = session.scalars(select(models.Person.id).order_by(models.Person.id)).first()
    assert person is not None
    return person


def test_a_second_miss_arriving_by_sync_raises_the_welfare_check_once(demo_server: DemoServer, tmp_path: Path) -> None:
    laptop = demo_server.laptop(WORKER, tmp_path / "laptop")
    desktop = demo_server.laptop(WORKER, tmp_path / "desktop")  # the same worker at the office desktop
    try:
        person = _first_person(laptop)
        _miss(demo_server, laptop, person, timedelta(hours=1))  # in the hills: stays on the laptop for now
        _miss(demo_server, desktop, person, timedelta(hours=30))  # logged at the office, sent at once
        assert _welfare_checks(laptop, person) == [] and _welfare_checks(desktop, person) == []
        demo_server.sync(desktop)

        report = demo_server.sync(laptop)  # back in signal: sends the first miss, hears of the second

        assert report.welfare_checks_raised == 1
        assert "1 welfare check(s) raised" in report.summary()
        [check] = _welfare_checks(laptop, person)
        status = laptop.missed_contacts.status(person)
        assert status.state is EpisodeState.WELFARE_CHECK and status.welfare_check_id == check
        assert laptop.outbox_pending() == 0  # pushed in the same sync, not left for the next one
        demo_server.sync(desktop)
        assert _welfare_checks(desktop, person) == [check]
        assert desktop.missed_contacts.status(person).state is EpisodeState.WELFARE_CHECK
        # Syncing again raises nothing more anywhere, and the server holds the one welfare check.
        assert demo_server.sync(laptop).welfare_checks_raised == 0
        assert demo_server.sync(desktop).welfare_checks_raised == 0
        with demo_server.admin.transaction() as session:
            held = session.scalars(select(Record.record_id).where(Record.record_id == check)).all()
        assert held == [check]
    finally:
        laptop.close()
        desktop.close()


def test_both_devices_raising_the_same_check_leaves_one_on_the_server(demo_server: DemoServer, tmp_path: Path) -> None:
    laptop = demo_server.laptop(WORKER, tmp_path / "laptop")
    desktop = demo_server.laptop(WORKER, tmp_path / "desktop")
    try:
        person = _first_person(laptop)
        _miss(demo_server, laptop, person, timedelta(hours=1))
        demo_server.sync(laptop)
        demo_server.sync(desktop)
        _miss(demo_server, laptop, person, timedelta(hours=30))  # each device raises its own
        _miss(demo_server, desktop, person, timedelta(hours=31))
        [on_laptop] = _welfare_checks(laptop, person)
        [on_desktop] = _welfare_checks(desktop, person)
        assert on_laptop != on_desktop  # caused by different second misses: two episodes' worth of id
        demo_server.sync(laptop)
        demo_server.sync(desktop)
        demo_server.sync(laptop)
        assert laptop.outbox_pending() == 0 and desktop.outbox_pending() == 0
        with laptop.uow.read() as session:
            quarantined = session.scalars(select(models.Meta.key).where(models.Meta.key.like("sync.quarantined.%")))
            assert list(quarantined) == []
    finally:
        laptop.close()
        desktop.close()


def test_a_team_leads_laptop_does_not_raise_it_for_a_person_it_only_reads(
    demo_server: DemoServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server would refuse a lead's welfare check for a person the lead does not hold (it would sit in
    quarantine): the worker's own device raises it."""
    worker = demo_server.laptop(WORKER, tmp_path / "worker")
    lead = demo_server.laptop(LEAD, tmp_path / "lead")
    try:
        person = _first_person(worker)
        _miss(demo_server, worker, person, timedelta(hours=1))
        demo_server.sync(worker)
        demo_server.sync(lead)
        # The second miss reaches the server with no welfare check beside it (an older client, say).
        monkeypatch.setattr(worker.missed_contacts, "refresh", lambda _w: False)
        _miss(demo_server, worker, person, timedelta(hours=30))
        assert _welfare_checks(worker, person) == []
        demo_server.sync(worker)
        report = demo_server.sync(lead)
        assert report.welfare_checks_raised == 0 and lead.outbox_pending() == 0
        assert _welfare_checks(lead, person) == []
        monkeypatch.undo()
        assert demo_server.sync(worker).welfare_checks_raised == 0  # nothing new arrived for it to act on
        worker.missed_contacts.apply(person)  # the worker's next save or sync of the person raises it
        [check] = _welfare_checks(worker, person)
        demo_server.sync(worker)
        demo_server.sync(lead)
        assert _welfare_checks(lead, person) == [check]
    finally:
        worker.close()
        lead.close()


def test_a_sync_cut_off_after_the_page_still_raises_it_at_the_next_sync(
    demo_server: DemoServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reviewer's finding: the page holding the second miss is applied with its cursor, then the sync stops
    (a lock, a dead zone, a refused documents fetch). Those records never come again, so the policy must
    still run for that person at the next sync."""
    laptop = demo_server.laptop(WORKER, tmp_path / "laptop")
    desktop = demo_server.laptop(WORKER, tmp_path / "desktop")
    try:
        person = _first_person(laptop)
        _miss(demo_server, laptop, person, timedelta(hours=1))
        demo_server.sync(laptop)
        monkeypatch.setattr(desktop.missed_contacts, "refresh", lambda _w: False)  # an older client: raises none
        _miss(demo_server, desktop, person, timedelta(hours=30))
        demo_server.sync(desktop)
        with monkeypatch.context() as cut:
            cut.setattr(SyncEngine, "_documents", _cut_off)
            with pytest.raises(SyncFailure):
                demo_server.sync(laptop)
        assert _welfare_checks(laptop, person) == [], "cut off before the policy ran"
        report = demo_server.sync(laptop)
        assert report.welfare_checks_raised == 1 and len(_welfare_checks(laptop, person)) == 1
        assert demo_server.sync(laptop).welfare_checks_raised == 0, "run once, then forgotten"
    finally:
        laptop.close()
        desktop.close()


def test_misses_already_followed_by_contact_raise_nothing_when_they_arrive_together(
    demo_server: DemoServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A history arriving whole (a cover snapshot, an older client's records) with two misses and then a
    visit that found the person well: an open welfare check now would be a false alarm."""
    laptop = demo_server.laptop(WORKER, tmp_path / "laptop")
    desktop = demo_server.laptop(WORKER, tmp_path / "desktop")
    try:
        person = _first_person(laptop)
        monkeypatch.setattr(desktop.missed_contacts, "refresh", lambda _w: False)  # raised nothing there
        _miss(demo_server, desktop, person, timedelta(hours=1))
        _miss(demo_server, desktop, person, timedelta(hours=30))
        seen_at = LATER + timedelta(hours=32)
        demo_server.clock.set(seen_at + timedelta(minutes=5))
        desktop.notes.record(
            NoteDraft(person, seen_at - timedelta(minutes=30), seen_at, ContactMethod.HOME_VISIT, Outcome.SEEN,
                      "Home now; had been at her sister's. Talked through the plan.")
        )  # fmt: skip
        demo_server.sync(desktop)
        report = demo_server.sync(laptop)
        assert report.welfare_checks_raised == 0 and _welfare_checks(laptop, person) == []
        assert laptop.missed_contacts.status(person).state is None
    finally:
        laptop.close()
        desktop.close()


def _cut_off(*_: object, **__: object) -> None:
    raise SyncFailure("The connection dropped part way.", reason="unreachable", retry=True)
