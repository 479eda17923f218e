"""`waymark-server import`: safety plans, pathways and the contacts directory from the client's own formats,
checked whole (every problem, with its file and line), stored in one transaction or not at all, audited."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from sync.protocol import seal
from sync.server import importing
from sync.server.admin import Admin
from sync.server.models import AuditEvent, OrgDocument, PlanHead, Record
from tests.sync.conftest import Org
from tests.sync.test_scenarios import revision

RESOURCES = Path(__file__).resolve().parents[2] / "resources"
BIN = Path(sys.executable).parent


def _jsonl(path: Path, rows: list[Any]) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows), encoding="utf-8")
    return path


def _unsent(envelope: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in envelope.items() if k != "seq"}


def _counts(org: Org) -> tuple[int, int]:
    with org.admin.transaction() as session:
        return (
            session.scalar(select(func.count()).select_from(Record)) or 0,
            session.scalar(select(func.count()).select_from(PlanHead)) or 0,
        )


def test_plans_are_imported_as_records_that_reach_the_worker(org: Org, tmp_path: Path) -> None:
    alice = org.device("alice")
    plan = uuid.uuid4()
    first = revision(alice, org.persons["pa"], plan, [], [{"step": 1, "items": [{"text": "Not sleeping"}]}])
    second = revision(alice, org.persons["pa"], plan, [first["record_id"]], [])
    file = _jsonl(tmp_path / "plans.jsonl", [_unsent(first), _unsent(second)])
    result = importing.run(org.admin, "plans", [file])
    assert (result.items, importing.describe(result)) == (2, "imported 2 plan revisions from 1 file(s)")
    with org.admin.transaction() as session:
        head = session.get(PlanHead, plan)
        assert head is not None and str(head.head_revision_id) == second["record_id"]
        [event] = session.scalars(select(AuditEvent).where(AuditEvent.action == "admin.import")).all()
        assert event.detail["items"] == 2 and "Not sleeping" not in json.dumps(event.detail)
    pulled = {c["entity_id"] for c in alice.pull_all() if c["entity"] == "record"}
    assert {first["record_id"], second["record_id"]} <= pulled


def test_every_problem_is_reported_by_line_and_nothing_is_imported(org: Org, tmp_path: Path) -> None:
    alice = org.device("alice")
    plan = uuid.uuid4()
    good = revision(alice, org.persons["pa"], plan, [], [])
    tampered = {**_unsent(revision(alice, org.persons["pb"], uuid.uuid4(), [], [])), "sha256": "0" * 64}
    fields = {k: v for k, v in _unsent(revision(alice, uuid.uuid4(), uuid.uuid4(), [], [])).items() if k != "sha256"}
    nobody = _unsent(seal(fields, 1))
    stray = revision(alice, org.persons["pa"], plan, [str(uuid.uuid4())], [])
    note = _unsent(alice.record(org.persons["pa"]))
    rows = [_unsent(good), tampered, "{not json", nobody, _unsent(stray), note]
    file = _jsonl(tmp_path / "plans.jsonl", rows)
    with pytest.raises(importing.ImportProblems) as raised:
        importing.run(org.admin, "plans", [file])
    lines = raised.value.lines
    assert [line.split(": ")[0] for line in lines] == [f"{file}:{n}" for n in (3, 2, 4, 5, 6)]
    assert "sha256" in lines[1] and "no person" in lines[2] and "safety_plan_revision" in lines[4]
    assert _counts(org) == (0, 0)


def test_the_directory_and_pathways_the_client_ships_import(org: Org) -> None:
    contacts = sorted((RESOURCES / "contacts").glob("*.toml"))
    assert importing.run(org.admin, "directory", contacts).items == len(contacts)
    pathways = sorted((RESOURCES / "pathways").glob("*.toml"))
    assert importing.run(org.admin, "pathways", pathways).items == len(pathways)
    with org.admin.transaction() as session:
        kinds = session.execute(select(OrgDocument.kind, func.count()).group_by(OrgDocument.kind)).all()
        assert dict(kinds) == {"directory": len(contacts), "pathways": len(pathways)}


def test_a_pathway_naming_a_contact_not_in_the_directory_is_refused_with_its_line(org: Org, tmp_path: Path) -> None:
    # No directory imported: every contact the pathway names is unknown.
    source = RESOURCES / "pathways" / "moorland-in-hours.toml"
    copy = tmp_path / source.name
    copy.write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(importing.ImportProblems) as raised:
        importing.run(org.admin, "pathways", [copy])
    assert raised.value.lines and all(line.startswith(f"{copy}:") for line in raised.value.lines)
    assert any(line.split(":")[1].isdigit() for line in raised.value.lines)
    with org.admin.transaction() as session:
        assert session.scalar(select(func.count()).select_from(OrgDocument)) == 0


def test_a_broken_directory_file_imports_nothing(org: Org, tmp_path: Path) -> None:
    good = RESOURCES / "contacts" / "national.toml"
    broken = tmp_path / "local.toml"
    broken.write_text('version = "1"\n\n[[entries]]\nid = "nowhere-line"\nservice = "Nowhere"\n', encoding="utf-8")
    with pytest.raises(importing.ImportProblems) as raised:
        importing.run(org.admin, "directory", [good, broken])
    assert all(line.startswith(f"{broken}:4: nowhere-line: ") for line in raised.value.lines)
    with org.admin.transaction() as session:
        assert session.scalar(select(func.count()).select_from(OrgDocument)) == 0


def test_the_command_line_prints_each_problem_and_exits_1(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'server.db'}"
    with Admin(url) as admin:
        admin.create_organisation("Org")
    file = _jsonl(tmp_path / "plans.jsonl", ["{not json", "[]"])
    done = subprocess.run(
        [str(BIN / "waymark-server"), "import", "--db", url, "plans", str(file)], capture_output=True, text=True
    )
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.splitlines() == [
        f"{file}:1: not JSON (Expecting property name enclosed in double quotes)",
        f"{file}:2: each line must be one change record (a JSON object)",
        "waymark-server: 2 problem(s); nothing was imported",
    ]
