"""``waymark-server import``: an organisation's safety plans, pathways and contacts directory, loaded from the
client's own file formats, checked whole first, then stored in one transaction and audited.

- ``plans``: JSON lines, each a ``safety_plan_revision`` change record exactly as PROTOCOL.md §1.1 writes it
  (``seq`` may be left out). Each is checked as a device's push would be, minus the device: its hash, its
  person, an author who may hold clinical records, and its place in the plan's history (a first revision, or
  one whose parent is the plan's head). They become records in the change feed, so they reach devices.
- ``pathways``: pathway and threshold-criteria TOML files (resources/pathways/README.md), checked by the
  client's own reader against the directory already imported (import the directory first).
- ``directory``: contacts directory TOML files (resources/contacts/README.md), checked by the client's reader.

Pathway and directory files are kept as versions in ``org_document`` (the newest in force), which devices
receive (``GET /api/v1/documents``, sync.server.documents). Any problem anywhere means nothing at all is
imported; every problem is reported, each with its file and line.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.config_files import Problem, errors, read_toml
from app.directory import Directory, load_directory
from app.documents import ReceivedFile, national_lines, received_directory
from app.pathway_files import read_document
from sync.protocol import ChangeRecord
from sync.server import audit
from sync.server.admin import Admin
from sync.server.models import OrgDocument, Person, PlanHead, Record, User
from sync.server.push import _Batch, _plan_revision, finish, take_counter

KINDS = ("plans", "pathways", "directory")
# The file name a document is served under (sync.protocol.DocumentName).
DOCUMENT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}")
# Records loaded by import were received from no device: this fixed id names the import as their source.
IMPORT_SOURCE = uuid.UUID("00000000-0000-5000-8000-00000000696d")  # "im"


class ImportProblems(Exception):
    """Everything wrong with an import, one line each (``FILE:LINE: what``); nothing was imported."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__(f"{len(lines)} problem(s); nothing was imported")
        self.lines = lines


@dataclass(frozen=True)
class Imported:
    kind: str
    files: int
    items: int


def run(admin: Admin, kind: str, paths: list[Path]) -> Imported:
    if kind not in KINDS:
        raise ImportProblems([f"unknown kind {kind!r}: choose one of {', '.join(KINDS)}"])
    if not paths:
        raise ImportProblems(["name at least one file to import"])
    missing = [f"{p}: no such file" for p in paths if not p.is_file()]
    if missing:
        raise ImportProblems(missing)
    now = admin.clock.now()
    with admin.transaction() as session:
        admin.organisation_id(session)
        count = _plans(session, admin, paths, now) if kind == "plans" else _documents(session, kind, paths, now)
        audit.append(
            session,
            now,
            [
                audit.Entry(
                    "admin.import",
                    kind,
                    None,
                    None,
                    detail={
                        "files": [{"name": p.name, "sha256": _sha256(p.read_bytes())} for p in paths],
                        "items": count,
                    },
                )
            ],
        )
    return Imported(kind, len(paths), count)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- pathways and directory ------------------------------------------------------------------------


def _documents(session: Session, kind: str, paths: list[Path], now: datetime) -> int:
    problems: list[str] = []
    texts: dict[Path, str] = {}
    for path in paths:
        try:
            texts[path] = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            problems.append(f"{path}: is not UTF-8 text")
        except OSError as exc:
            problems.append(f"{path}: cannot be read ({exc.strerror})")
    for path in paths:
        if not DOCUMENT_NAME.fullmatch(path.name):
            problems.append(f"{path}: devices receive the file by its name: use letters, digits, '.', '_' and '-'")
    if problems:
        raise ImportProblems(problems)
    if kind == "directory":
        _, found = load_directory(list(paths))
        problems = _located(found, texts)
        for path, text in texts.items():
            if not _version_of(text):
                problems.append(f"{path}:1: has no version (every directory file names its version)")
    else:
        directory = _stored_directory(session)
        today = now.date()
        for path in paths:
            found: list[Problem] = []
            doc = read_toml(path, found)
            if doc is not None:
                read_document(doc, path.name, directory, today, found)
            problems += _located(found, texts)
    if problems:
        raise ImportProblems(problems)
    for path, text in texts.items():
        session.add(OrgDocument(kind=kind, name=path.name, text=text, sha256=_sha256(text.encode()), imported_at=now))
    return len(texts)


def _version_of(text: str) -> bool:
    return re.search(r'^\s*version\s*=\s*"[^"]+"', text, re.MULTILINE) is not None


def _stored_directory(session: Session) -> Directory:
    """The directory in force as a laptop will hold it: the newest version of each imported directory file,
    with the built-in national lines they do not define (app.documents.received_directory)."""
    newest = (
        select(func.max(OrgDocument.id)).where(OrgDocument.kind == "directory").group_by(OrgDocument.name).subquery()
    )
    rows = session.execute(select(OrgDocument.name, OrgDocument.text).where(OrgDocument.id.in_(select(newest)))).all()
    if not rows:
        return national_lines()
    files = [ReceivedFile("directory", name, 0, "", text) for name, text in rows]
    return received_directory(files, national_lines())[0]


def _located(found: list[Problem], texts: dict[Path, str]) -> list[str]:
    """The client's readers name a file and a node or entry id; an admin needs the line."""
    by_name = {p.name: (p, t) for p, t in texts.items()}
    lines = []
    for problem in errors(found):
        path, text = by_name.get(problem.file, (Path(problem.file), ""))
        line = _line_of(text, problem)
        where = f"{path}:{line}" if line else str(path)
        lines.append(f"{where}: {problem.node + ': ' if problem.node else ''}{problem.message}")
    return lines


def _line_of(text: str, problem: Problem) -> int | None:
    at = re.search(r"at line (\d+)", problem.message)
    if at:
        return int(at.group(1))
    if problem.node:
        pattern = re.compile(rf'^\s*id\s*=\s*"{re.escape(problem.node)}"', re.MULTILINE)
        match = pattern.search(text)
        if match:
            return text.count("\n", 0, match.start()) + 1
    return None


# --- safety plans -------------------------------------------------------------------------------------


def _plans(session: Session, admin: Admin, paths: list[Path], now: datetime) -> int:
    problems: list[str] = []
    items: list[tuple[str, ChangeRecord]] = []
    for path in paths:
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            problems.append(f"{path}: cannot be read as UTF-8 text")
            continue
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            where = f"{path}:{number}"
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                problems.append(f"{where}: not JSON ({exc.msg})")
                continue
            if not isinstance(row, dict):
                problems.append(f"{where}: each line must be one change record (a JSON object)")
                continue
            try:
                record = ChangeRecord.model_validate({"seq": 1, **row})
            except ValidationError as exc:
                for error in exc.errors():
                    field = ".".join(str(part) for part in error["loc"])
                    problems.append(f"{where}: {field}: {error['msg']}")
                continue
            items.append((where, record))
    organisation = admin.organisation_id(session)
    start = take_counter(session, organisation)
    batch = _Batch(organisation, now, start)
    seen: set[str] = set()
    for where, record in items:
        problem = _plan_problem(session, batch, record, seen)
        if problem:
            problems.append(f"{where}: {problem}")
            continue
        seen.add(record.record_id)
        outcome = _plan_revision(session, batch, record)
        if isinstance(outcome, str) or outcome[1] is not None:
            problems.append(
                f"{where}: parent_ids must be empty for a new plan, or name the plan's current revision (an import "
                "never opens a conflict)"
            )
            continue
        record_id, person_id = batch.uuid(record.record_id), batch.uuid(record.person_id)
        row = {
            "record_id": record_id,
            "organisation_id": organisation,
            "record_type": record.record_type,
            "schema_version": record.schema_version,
            "person_id": person_id,
            "author_id": uuid.UUID(record.author_id),
            "device_id": uuid.UUID(record.device_id),
            "authored_at": record.authored_at,
            "refers_to": uuid.UUID(record.refers_to) if record.refers_to is not None else None,
            "payload": record.payload,
            "sha256": record.sha256,
            "received_at": now,
            "received_from": IMPORT_SOURCE,
            "flags": ["imported"],
        }
        row["server_seq"] = batch.publish("record", record_id, {}, person_id)
        batch.records.append(row)
        batch.batch_records[record.record_id] = row
        batch.publish("plan_state", uuid.UUID(outcome[0]["plan_id"]), outcome[0], person_id)
    if problems:
        # Raising rolls back the transaction, plan heads moved above included: nothing is half-imported.
        raise ImportProblems(problems)
    finish(session, batch, start)
    return len(items)


def _plan_problem(session: Session, batch: _Batch, record: ChangeRecord, seen: set[str]) -> str | None:
    if record.record_type != "safety_plan_revision":
        return f"record_type is {record.record_type!r}; a plans file holds only safety_plan_revision records"
    if record.computed_sha256() != record.sha256:
        return "sha256 is not the hash of this record (PROTOCOL.md §1.3): it was changed after it was sealed"
    if record.record_id in seen or session.get(Record, batch.uuid(record.record_id)) is not None:
        return f"record {record.record_id} is already imported or held by the server"
    person = session.get(Person, batch.uuid(record.person_id))
    if person is None or person.organisation_id != batch.organisation_id:
        return f"no person {record.person_id} in this organisation (import persons first)"
    author = session.get(User, uuid.UUID(record.author_id))
    if author is None or author.organisation_id != batch.organisation_id:
        return f"no staff member {record.author_id} in this organisation"
    if author.role == "admin":
        return f"author {author.username} is an admin, who writes no clinical records"
    plan_id = record.payload.get("plan_id")
    try:
        plan = uuid.UUID(str(plan_id))
    except ValueError:
        return "payload.plan_id is not a UUID"
    head = session.get(PlanHead, plan)
    if head is not None and head.person_id != batch.uuid(record.person_id):
        return f"plan {plan} belongs to another person"
    return None


def describe(result: Imported) -> str:
    noun = {"plans": "plan revision", "pathways": "pathway file", "directory": "directory file"}[result.kind]
    return f"imported {result.items} {noun}{'s' if result.items != 1 else ''} from {result.files} file(s)"
