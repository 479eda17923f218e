"""A hypothesis state machine of the whole sync model: several laptops (two of one worker, one of another)
with their real stores and engines against an in-process server, writing notes and plan revisions while
apart, syncing in any order, cut off mid-sync (before the server answers, or after it committed and before
the answer arrives), restarted, reassigned, merging plan conflicts, and through a server epoch change.

After a final sync of every laptop (the jepsen "final read"):
- every record a laptop saved is on the server exactly once, and no laptop still has anything unsent;
- every laptop holds exactly the persons it may see now, with exactly the server's records for them;
- every laptop's plan in force is the server's head, and the open conflicts agree;
- every plan revision the server holds that is not in the head's history is an open conflict (no
  concurrent edit goes unseen).

CI runs a few examples; ``WAYMARK_EXAMPLES=N`` (or ``WAYMARK_DEEP=1``, 200) runs more.
"""

from __future__ import annotations

import os
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test
from sqlalchemy import func, select

from app.clock import SystemClock
from app.workspace import Workspace
from storage import models
from sync.client import SyncClient, SyncFailure
from sync.engine import SyncEngine, SyncState
from sync.server.admin import Admin
from sync.server.api import create_app
from sync.server.models import Person as ServerPerson
from sync.server.models import PlanConflict, PlanHead, Record
from tests.conftest import PASSPHRASE, TEST_KDF
from tests.sync.conftest import Org, TestClient, build_org, close
from tests.sync.live.helpers import local_records, record_notes
from tests.sync.live.plans import merge_proposed_or_both, revise

EXAMPLES = int(os.environ.get("WAYMARK_EXAMPLES") or (200 if os.environ.get("WAYMARK_DEEP") else 2))
LAPTOPS = (("alice-1", "alice"), ("alice-2", "alice"), ("bob-1", "bob"))


class CutOff(httpx.TransportError):
    pass


@dataclass
class FlakyTransport(httpx.BaseTransport):
    """The server's transport, with the line cut before the n-th request reaches it or after it answered."""

    inner: httpx.BaseTransport
    cut_at: int | None = None
    after_commit: bool = False
    count: int = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.count += 1
        if self.cut_at is not None and self.count == self.cut_at and not self.after_commit:
            raise CutOff("line cut before the server heard")
        response = self.inner.handle_request(request)
        if self.cut_at is not None and self.count == self.cut_at:
            response.read()
            raise CutOff("line cut after the server answered")
        return response


@dataclass
class Laptop:
    name: str
    user: str
    data_dir: Path
    workspace: Workspace
    transport: FlakyTransport
    saved: set[uuid.UUID] = field(default_factory=set)

    def engine(self) -> SyncEngine:
        return SyncEngine(
            self.workspace,
            client_factory=lambda st, ca: SyncClient(st.server, st.token, transport=self.transport),
            batch_items=7,  # several batches per push, so a cut can fall between them
            pull_limit=9,
        )

    def persons(self) -> set[uuid.UUID]:
        with self.workspace.uow.read() as session:
            return set(session.scalars(select(models.Person.id)))


class SyncModel(RuleBasedStateMachine):
    template: Path
    users: dict[str, uuid.UUID]
    persons: dict[str, uuid.UUID]
    tmp: Path

    def __init__(self) -> None:
        super().__init__()
        self.root = self.tmp / uuid.uuid4().hex[:8]
        self.root.mkdir()
        db = self.root / "server.db"
        shutil.copyfile(self.template, db)
        url = f"sqlite:///{db}"
        clock = build_clock()
        self.org = Org(Admin(url, clock=clock), clock, TestClient(create_app(url, clock=clock)))
        self.org.users, self.org.persons = dict(self.users), dict(self.persons)
        with self.org.admin.transaction() as session:
            self.organisation_id = self.org.admin.organisation_id(session)
        self.holder = {"pa": "alice", "pb": "bob"}
        self.laptops = [self._enrol(name, user) for name, user in LAPTOPS]
        for laptop in self.laptops:
            laptop.engine().sync()
        # Every person starts with a plan written by its worker and synced everywhere it may be seen.
        for key, user in self.holder.items():
            first = next(lp for lp in self.laptops if lp.user == user)
            laptop_plan(first, self.org.persons[key])
        for laptop in self.laptops + self.laptops:
            laptop.engine().sync()

    def _enrol(self, name: str, user: str) -> Laptop:
        return enrol_laptop(self.org, self.organisation_id, self.root, name, user)

    # -- rules --------------------------------------------------------------------------------------

    laptop_index = st.integers(min_value=0, max_value=len(LAPTOPS) - 1)

    @rule(i=laptop_index, notes=st.integers(min_value=1, max_value=4))
    def write_notes(self, i: int, notes: int) -> None:
        laptop = self.laptops[i]
        for person in sorted(laptop.persons()):
            laptop.saved.update(record_notes(laptop.workspace, person, notes))

    @rule(i=laptop_index, line=st.sampled_from(["Stops eating", "Gives things away", "Up all night", "Quiet"]))
    def revise_plan(self, i: int, line: str) -> None:
        laptop = self.laptops[i]
        for person in sorted(laptop.persons()):
            if laptop.workspace.plans.current(person) is not None:
                laptop.saved.add(revise(laptop.workspace, person, f"{line} ({laptop.name})").id)

    @rule(i=laptop_index)
    def merge_conflicts(self, i: int) -> None:
        laptop = self.laptops[i]
        for person in sorted(laptop.persons()):
            for conflict in laptop.workspace.plan_conflicts.open_conflicts(person)[:1]:
                laptop.saved.add(merge_proposed_or_both(laptop.workspace, conflict).id)

    @rule(i=laptop_index)
    def sync(self, i: int) -> None:
        self.laptops[i].engine().sync()

    @rule(i=laptop_index, cut_at=st.integers(min_value=1, max_value=12), after_commit=st.booleans())
    def interrupted_sync(self, i: int, cut_at: int, after_commit: bool) -> None:
        laptop = self.laptops[i]
        laptop.transport.count, laptop.transport.cut_at, laptop.transport.after_commit = 0, cut_at, after_commit
        try:
            laptop.engine().sync()
        except SyncFailure:
            pass  # cut off: the next sync resumes
        finally:
            laptop.transport.cut_at = None

    @rule(i=laptop_index)
    def restart(self, i: int) -> None:
        laptop = self.laptops[i]
        laptop.workspace.close()
        laptop.workspace = Workspace.open(laptop.data_dir, PASSPHRASE, clock=SystemClock())

    @rule(key=st.sampled_from(["pa", "pb"]))
    def reassign(self, key: str) -> None:
        old = self.holder[key]
        new = "bob" if old == "alice" else "alice"
        self.org.admin.unassign(old, self.org.persons[key])
        self.org.admin.assign(new, self.org.persons[key])
        self.holder[key] = new

    @precondition(lambda self: not getattr(self, "epoch_changed", False))
    @rule()
    def epoch_change(self) -> None:
        self.org.admin.new_epoch()
        self.epoch_changed = True

    @invariant()
    def nothing_saved_is_lost_on_the_way(self) -> None:
        # At every step each saved record is on its laptop (unless purged after being sent) or on the server.
        on_server = server_ids(self.org)
        for laptop in self.laptops:
            here = set(local_records(laptop.workspace))
            assert laptop.saved <= here | on_server, laptop.name

    # -- the final read -----------------------------------------------------------------------------

    def teardown(self) -> None:
        try:
            for _ in range(2):  # the second round brings each laptop what the others sent in the first
                for laptop in self.laptops:
                    laptop.engine().sync()
            self._final_read()
        finally:
            for laptop in self.laptops:
                laptop.workspace.close()
            self.org.admin.close()
            close(self.org)

    def _final_read(self) -> None:
        org = self.org
        with org.admin.transaction() as session:
            counts = dict(session.execute(select(Record.record_id, func.count()).group_by(Record.record_id)).all())
            server = {r.record_id: r for r in session.scalars(select(Record))}
            heads = {h.person_id: h.head_revision_id for h in session.scalars(select(PlanHead))}
            conflicts = list(session.scalars(select(PlanConflict).where(PlanConflict.status == "open")))
        assert all(n == 1 for n in counts.values())
        for laptop in self.laptops:
            assert laptop.workspace.outbox_pending() == 0, laptop.name
            assert laptop.saved <= set(server), f"{laptop.name} lost {len(laptop.saved - set(server))}"
            user = laptop.user
            visible = {org.persons[k] for k, holder in self.holder.items() if holder == user}
            assert laptop.persons() == visible, laptop.name
            mine = local_records(laptop.workspace)
            theirs = {
                rid: r.sha256
                for rid, r in server.items()
                if r.person_id in visible and r.record_type not in ("planned_contact", "planned_contact_change")
            }
            assert mine == theirs, laptop.name
            for person in visible:
                current = laptop.workspace.plans.current(person)
                assert current is not None and current.id == heads[person], laptop.name
                local_open = {c.other.id for c in laptop.workspace.plan_conflicts.open_conflicts(person)}
                server_open = {c.ours_revision_id for c in conflicts if c.person_id == person}
                assert local_open == server_open, laptop.name
        # Every revision outside the head's history is an open conflict's version: none goes unseen.
        revisions = {rid: r for rid, r in server.items() if r.record_type == "safety_plan_revision"}
        for person, head in heads.items():
            parents = {rid: [uuid.UUID(p) for p in r.payload["parent_ids"]] for rid, r in revisions.items()}
            mine = {rid for rid, r in revisions.items() if r.person_id == person}
            history = ancestry(parents, head)
            tips = {rid for rid in mine if not any(rid in ps for ps in parents.values())}
            unseen = tips - history - {c.ours_revision_id for c in conflicts if c.person_id == person}
            assert not unseen


def enrol_laptop(org: Org, organisation_id: uuid.UUID, root: Path, name: str, user: str) -> Laptop:
    device = org.device(user)
    data_dir = root / name
    workspace = Workspace.create(data_dir, PASSPHRASE, kdf=TEST_KDF, clock=SystemClock())
    state = SyncState(
        server="http://testserver",
        token=device.token,
        device_id=str(device.device_id),
        user_id=str(device.user_id),
        organisation_id=str(organisation_id),
        role="worker",
        epoch=device.epoch,
        command_key=device.public_key,
    )
    with workspace.uow.write() as session:
        state.save(session)
    workspace.set_identity(organisation_id, device.user_id, device.device_id)
    return Laptop(name, user, data_dir, workspace, FlakyTransport(org.client._transport))


def ancestry(parents: dict[uuid.UUID, list[uuid.UUID]], head: uuid.UUID) -> set[uuid.UUID]:
    seen: set[uuid.UUID] = set()
    todo = [head]
    while todo:
        rid = todo.pop()
        if rid not in seen:
            seen.add(rid)
            todo.extend(parents.get(rid, []))
    return seen


def server_ids(org: Org) -> set[uuid.UUID]:
    with org.admin.transaction() as session:
        return set(session.scalars(select(Record.record_id)))


def laptop_plan(laptop: Laptop, person: uuid.UUID) -> None:
    from app.safety_plans import PlanDraft, PlanItem, Preferences, Step

    draft = PlanDraft(
        person_id=person,
        base_revision_id=None,
        sections={Step.WARNING_SIGNS: [PlanItem("Stays in bed")], Step.PROFESSIONALS: [PlanItem("Duty", "0100")]},
        preferences=Preferences(),
        co_produced=True,
        change_summary="First plan",
    )
    revision, _ = laptop.workspace.plans.revise(draft)
    laptop.saved.add(revision.id)


def build_clock() -> Any:
    from app.clock import FixedClock
    from tests.conftest import NOW

    return FixedClock(NOW)


def org_template(root: Path) -> tuple[Path, dict[str, uuid.UUID], dict[str, uuid.UUID]]:
    """The shared test organisation, with the person details a device's row needs, built once."""
    template = root / "template.db"
    built = build_org(f"sqlite:///{template}")
    users, persons = dict(built.users), dict(built.persons)
    with built.admin.transaction() as session:
        # What a device's person row needs (the shared test organisation carries only a name and a nation).
        for key, person_id in persons.items():
            row = session.get(ServerPerson, person_id)
            assert row is not None
            row.details = {
                "given_name": key.upper(),
                "family_name": "Testperson",
                "preferred_name": key.upper(),
                "pronouns": None,
                "date_of_birth": None,
                "nhs_number": None,
                "address": None,
                "nation": "england",
                "area": "east",
                "contact_methods": [],
                "support_network": [],
                "communication_needs": [],
                "contact_frequency_days": 7,
                "created_at": "2026-01-01T00:00:00+00:00",
            }
    built.admin.close()
    close(built)
    return template, users, persons


def test_sync_model_every_record_once_everywhere_plan_heads_agree_nothing_lost(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    root = tmp_path_factory.mktemp("sync-model")
    template, users, persons = org_template(root)

    class Model(SyncModel):
        pass

    Model.template, Model.users, Model.persons, Model.tmp = template, users, persons, root
    run_state_machine_as_test(
        Model,
        settings=settings(
            max_examples=EXAMPLES,
            stateful_step_count=12,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )


def test_a_person_reassigned_away_leaves_the_laptop_once_sent_though_their_notes_are_append_only(
    tmp_path: Path,
) -> None:
    """Found by the model: purging a person whose signed notes the store guards made every later sync fail."""
    template, users, persons = org_template(tmp_path)
    clock = build_clock()
    url = f"sqlite:///{template}"
    org = Org(Admin(url, clock=clock), clock, TestClient(create_app(url, clock=clock)), dict(users), dict(persons))
    with org.admin.transaction() as session:
        organisation_id = org.admin.organisation_id(session)
    laptop = enrol_laptop(org, organisation_id, tmp_path, "alice-1", "alice")
    try:
        laptop.engine().sync()
        pa = persons["pa"]
        notes = record_notes(laptop.workspace, pa, 2)
        org.admin.unassign("alice", pa)
        report = laptop.engine().sync()  # sends the notes first, then removes the person
        assert report.persons_removed == 1 and laptop.persons() == set()
        assert set(notes) <= server_ids(org)
        assert laptop.engine().sync().persons_removed == 0  # and the next sync is clean
    finally:
        laptop.workspace.close()
        org.admin.close()
        close(org)
