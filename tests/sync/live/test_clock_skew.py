"""sync-reference.md scenario 16 end to end: one laptop's clock 3 days ahead, another's 2 hours behind.
Which plan version is in force, the conflict between them and the order of each laptop's records follow the
server's sequence and the revisions' parents, never the clocks; each record keeps the time its laptop
gave it, and each laptop is told plainly how far its clock is off."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from app.workspace import Workspace
from storage import models
from sync.engine import SyncEngine, enrol
from sync.server.models import Record
from sync.status import read_status, status_line
from tests.conftest import PASSPHRASE, TEST_KDF
from tests.sync.live.conftest import LiveServer
from tests.sync.live.helpers import persons, record_notes
from tests.sync.live.plans import revise


class SkewedClock:
    def __init__(self, offset: timedelta) -> None:
        self.offset = offset

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset


def _laptop(server: LiveServer, data_dir: Path, offset: timedelta) -> tuple[Workspace, SyncEngine]:
    clock = SkewedClock(offset)
    workspace = Workspace.create(data_dir, PASSPHRASE, kdf=TEST_KDF, clock=clock)
    enrol(workspace, server.url, server.code(), data_dir.name, None)
    engine = SyncEngine(workspace, now=clock.now)
    engine.sync()
    return workspace, engine


def test_scenario_16_clock_skew_changes_no_order_and_each_laptop_is_told(
    live_server: LiveServer, tmp_path: Path
) -> None:
    ahead, ahead_sync = _laptop(live_server, tmp_path / "ahead", timedelta(days=3))
    behind, behind_sync = _laptop(live_server, tmp_path / "behind", -timedelta(hours=2))
    try:
        person = next(p for p in persons(ahead) if ahead.plans.current(p) is not None)
        # The laptop 3 days fast writes the later-looking version and reaches the server first: it is the one
        # in force on both laptops, though the other's version carries the earlier time.
        from_ahead = revise(ahead, person, "Gives belongings away")
        from_behind = revise(behind, person, "Stops eating")
        assert from_behind.created_at < from_ahead.created_at
        ahead_notes = record_notes(ahead, person, 3)
        behind_notes = record_notes(behind, person, 3)
        ahead_sync.sync()
        behind_sync.sync()
        ahead_sync.sync()
        for laptop in (ahead, behind):
            assert laptop.plans.current(person).id == from_ahead.id  # type: ignore[union-attr]
            [conflict] = laptop.plan_conflicts.open_conflicts(person)
            assert (conflict.in_force.id, conflict.other.id) == (from_ahead.id, from_behind.id)

        engine = create_engine(live_server.db)
        try:
            with Session(engine) as session:
                stored = {r.record_id: r for r in session.scalars(select(Record))}
        finally:
            engine.dispose()
        for laptop, notes in ((ahead, ahead_notes), (behind, behind_notes)):
            with laptop.uow.read() as session:
                outbox = list(session.scalars(select(models.OutboxItem).order_by(models.OutboxItem.seq)))
                recorded = {n: session.get(models.ContactNote, n).recorded_at for n in notes}  # type: ignore[union-attr]
            # Each laptop's records sit in the server's feed in the laptop's own order, whatever its clock.
            seqs = [stored[i.record_id].server_seq for i in outbox]
            assert seqs == sorted(seqs)
            # And each keeps the time its laptop gave it, to be shown with the warning below.
            for note, at in recorded.items():
                assert datetime.fromisoformat(stored[note].authored_at.replace("Z", "+00:00")) == at

        now = datetime.now(UTC)
        assert "clock is 3 days ahead of the server's" in status_line(read_status(ahead), now)
        assert "clock is 2 h behind the server's" in status_line(read_status(behind), now)
    finally:
        ahead.close()
        behind.close()
