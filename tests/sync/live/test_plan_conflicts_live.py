"""sync-reference.md scenario 4 from the laptops' side, against a real server process: two laptops revise
the same plan apart; the version that reached the server first stays in force on both, both see the
conflict, a merge naming both versions ends it everywhere, and no line of either version is lost."""

from __future__ import annotations

from pathlib import Path

from app.plan_diff import describe
from app.safety_plans import Step
from sync.engine import SyncEngine
from tests.sync.live.conftest import LiveServer, enrolled_workspace
from tests.sync.live.helpers import local_records, persons
from tests.sync.live.plans import merge_proposed_or_both, revise


def test_two_laptops_edit_one_plan_apart_then_one_merge_ends_the_conflict_on_both(
    live_server: LiveServer, tmp_path: Path
) -> None:
    office = enrolled_workspace(live_server, tmp_path / "office")
    van = enrolled_workspace(live_server, tmp_path / "van")
    try:
        person = next(p for p in persons(van) if van.plans.current(p) is not None)
        base = van.plans.current(person)
        assert base is not None and office.plans.current(person) == base

        in_the_van = revise(van, person, "Stops answering texts")  # offline, in the van
        at_the_office = revise(office, person, "Sleeping in the day")
        SyncEngine(office).sync()  # the office's version reaches the server first
        SyncEngine(van).sync()
        SyncEngine(office).sync()

        for laptop in (van, office):
            # The same plan in force on both laptops: the first to reach the server, not the newest.
            assert laptop.plans.current(person).id == at_the_office.id  # type: ignore[union-attr]
            [conflict] = laptop.plan_conflicts.open_conflicts(person)
            assert conflict.in_force.id == at_the_office.id and conflict.other.id == in_the_van.id
            assert conflict.base is not None and conflict.base.id == base.id

        [conflict] = van.plan_conflicts.open_conflicts(person)
        merged = merge_proposed_or_both(van, conflict)
        assert merged.parent_ids == (at_the_office.id, in_the_van.id)
        assert van.plan_conflicts.open_conflicts(person) == []  # merged here: the banner goes at once
        SyncEngine(van).sync()
        SyncEngine(office).sync()

        for laptop in (van, office):
            assert laptop.plan_conflicts.open_conflicts(person) == []
            current = laptop.plans.current(person)
            assert current is not None and current.id == merged.id
            signs = [describe(i) for i in current.section(Step.WARNING_SIGNS).items]
            assert "Stops answering texts" in signs and "Sleeping in the day" in signs
        assert local_records(van) == local_records(office)
        assert set(local_records(van)) == set(live_server.records())
    finally:
        office.close()
        van.close()
