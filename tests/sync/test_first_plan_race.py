"""Two laptops of one worker each write a person's *first* safety plan while apart. Before plan ids were
one per person, the second laptop received a second plan for the same person, its store refused it, and
every later sync failed. Now the two are revisions of one plan: a conflict with no base, shown on both
laptops and ended by a merge."""

from __future__ import annotations

from pathlib import Path

from app.safety_plans import PlanDraft, PlanItem, Preferences, Step
from sync.server.admin import Admin
from sync.server.api import create_app
from tests.sync.conftest import Org, TestClient, close
from tests.sync.live.plans import merge_proposed_or_both
from tests.sync.test_sync_state_machine import build_clock, enrol_laptop, org_template


def _first_plan(workspace, person, line: str):  # type: ignore[no-untyped-def]
    draft = PlanDraft(
        person_id=person,
        base_revision_id=None,
        sections={Step.WARNING_SIGNS: [PlanItem(line)]},
        preferences=Preferences(),
        co_produced=True,
        change_summary="First plan",
    )
    return workspace.plans.revise(draft)[0]


def test_first_plans_written_apart_on_two_laptops_become_one_conflict_and_merge(tmp_path: Path) -> None:
    template, users, persons = org_template(tmp_path)
    clock = build_clock()
    url = f"sqlite:///{template}"
    org = Org(Admin(url, clock=clock), clock, TestClient(create_app(url, clock=clock)), dict(users), dict(persons))
    with org.admin.transaction() as session:
        organisation_id = org.admin.organisation_id(session)
    one = enrol_laptop(org, organisation_id, tmp_path, "alice-1", "alice")
    two = enrol_laptop(org, organisation_id, tmp_path, "alice-2", "alice")
    try:
        pa = persons["pa"]
        for laptop in (one, two):
            laptop.engine().sync()
        first = _first_plan(one.workspace, pa, "Stays in bed")
        second = _first_plan(two.workspace, pa, "Stops eating")
        for laptop in (one, two, one):
            laptop.engine().sync()
        for laptop in (one, two):
            assert laptop.workspace.plans.current(pa).id == first.id  # type: ignore[union-attr]
            [conflict] = laptop.workspace.plan_conflicts.open_conflicts(pa)
            assert conflict.base is None and conflict.other.id == second.id
        merged = merge_proposed_or_both(two.workspace, two.workspace.plan_conflicts.open_conflicts(pa)[0])
        for laptop in (two, one):
            laptop.engine().sync()
        for laptop in (one, two):
            assert laptop.workspace.plan_conflicts.open_conflicts(pa) == []
            current = laptop.workspace.plans.current(pa)
            assert current is not None and current.id == merged.id
            assert [i.text for i in current.section(Step.WARNING_SIGNS).items] == ["Stays in bed", "Stops eating"]
    finally:
        one.workspace.close()
        two.workspace.close()
        org.admin.close()
        close(org)
