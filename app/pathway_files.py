"""Reading and validating pathway and threshold-criteria files (format: resources/pathways/README.md).

A file with any error is not used. When a folder is reloaded, a file that has become broken keeps its
last valid version in use, and the problem is reported: a typo must never leave a worker with no pathway.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from app.config_files import Approval, Fields, Problem, Severity, errors, parse_toml, read_toml
from app.directory import Directory
from app.hours import Period
from app.pathways import (
    Answer,
    Audience,
    CriteriaSet,
    Node,
    NodeType,
    Pathway,
    PathwayKind,
    PathwayLibrary,
    ThresholdCriterion,
)

_ID = re.compile(r"[a-z0-9][a-z0-9-]*")
_ANY = "any"


@dataclass(frozen=True)
class Loaded:
    library: PathwayLibrary
    problems: list[Problem]


def load_library(
    folder: Path,
    directory: Directory,
    today: date,
    previous: PathwayLibrary | None = None,
) -> Loaded:
    """Load every ``*.toml`` in ``folder``. With ``previous``, a now-broken file keeps its last valid version."""
    problems: list[Problem] = []
    if not folder.is_dir():
        problems.append(Problem(folder.name, None, "is not a folder of pathway files"))
        files: list[Path] = []
    else:
        files = sorted(folder.glob("*.toml"))
        if not files:
            problems.append(Problem(folder.name, None, "has no pathway files (*.toml); only the built-in fallback"))
    parsed: list[tuple[str, Pathway | CriteriaSet | None, list[Problem]]] = []
    for path in files:
        file_problems: list[Problem] = []
        parsed.append((path.name, read_file(path, directory, today, file_problems), file_problems))
    return _library(parsed, today, previous, problems)


def library_from_texts(
    files: Sequence[tuple[str, str]],
    directory: Directory,
    today: date,
    previous: PathwayLibrary | None = None,
) -> Loaded:
    """The same as ``load_library`` for files' texts in hand, each ``(file name, text)`` (received by sync)."""
    parsed: list[tuple[str, Pathway | CriteriaSet | None, list[Problem]]] = []
    for name, text in sorted(files):
        file_problems: list[Problem] = []
        parsed.append((name, read_text(text, name, directory, today, file_problems), file_problems))
    return _library(parsed, today, previous, [])


def read_text(
    text: str, file: str, directory: Directory, today: date, problems: list[Problem]
) -> Pathway | CriteriaSet | None:
    """One file's text, fully validated; None when it has any error."""
    doc = parse_toml(text, file, problems)
    if doc is None:
        return None
    return read_document(doc, file, directory, today, problems)


def _library(
    parsed: Sequence[tuple[str, Pathway | CriteriaSet | None, list[Problem]]],
    today: date,
    previous: PathwayLibrary | None,
    problems: list[Problem],
) -> Loaded:
    by_file: dict[str, Pathway] = {}
    criteria: CriteriaSet | None = None
    for name, read, file_problems in parsed:
        problems.extend(file_problems)
        if isinstance(read, CriteriaSet):
            criteria = read
        elif isinstance(read, Pathway):
            by_file[name] = read
        elif previous is not None and name in previous.by_file:
            by_file[name] = previous.by_file[name]
            problems.append(
                Problem(name, None, "the last valid version stays in use until this is fixed", Severity.WARNING)
            )
        elif previous is not None and previous.criteria is not None and previous.criteria.file == name:
            criteria = previous.criteria
    problems.extend(check_set(by_file, criteria))
    return Loaded(PathwayLibrary(by_file, criteria, today), problems)


def validate_paths(paths: Sequence[Path], directory: Directory, today: date) -> list[Problem]:
    """Every problem in the given files or folders (folders are also checked as a set)."""
    problems: list[Problem] = []
    for path in paths:
        if path.is_dir():
            problems.extend(load_library(path, directory, today).problems)
        elif path.is_file():
            read_file(path, directory, today, problems)
        else:
            problems.append(Problem(str(path), None, "this path does not exist (no such file or folder)"))
    return problems


def read_file(path: Path, directory: Directory, today: date, problems: list[Problem]) -> Pathway | CriteriaSet | None:
    """One file, fully validated; None when it has any error."""
    doc = read_toml(path, problems)
    if doc is None:
        return None
    return read_document(doc, path.name, directory, today, problems)


def read_document(
    doc: Mapping[str, Any], file: str, directory: Directory, today: date, problems: list[Problem]
) -> Pathway | CriteriaSet | None:
    """One parsed document, fully validated; None when it has any error. Never raises on bad content."""
    before = len(errors(problems))
    read = _criteria if "criteria" in doc else _pathway
    parsed = read(doc, file, today, problems)
    if isinstance(parsed, Pathway):
        _check_graph(parsed, problems)
        _check_contacts(parsed, directory, problems)
    return parsed if len(errors(problems)) == before else None


def _criteria(doc: Mapping[str, Any], file: str, today: date, problems: list[Problem]) -> CriteriaSet | None:
    top = Fields(doc, file, None, problems)
    version = top.text("version")
    approval = Approval.read(top, today)
    found: list[ThresholdCriterion] = []
    for table in top.tables("criteria"):
        code = table.get("code")
        if not isinstance(code, str) or not _ID.fullmatch(code):
            top.problem(f"a criterion has a missing or malformed code ({code!r})")
            continue
        f = Fields(table, file, code, problems)
        if any(c.code == code for c in found):
            f.problem("is defined more than once")
        wording = f.text("wording")
        if wording:
            found.append(ThresholdCriterion(code, wording, f.text("examples", required=False)))
    if version is None:
        return None
    return CriteriaSet(version, tuple(found), approval, file)


def _pathway(doc: Mapping[str, Any], file: str, today: date, problems: list[Problem]) -> Pathway | None:
    top = Fields(doc, file, None, problems)
    pid = top.text("id")
    if pid and not _ID.fullmatch(pid):
        top.problem(f"'id' '{pid}' must be lower-case letters, digits and hyphens")
    title, version, start = top.text("title"), top.text("version"), top.text("start")
    kind = top.choice("kind", [k.value for k in PathwayKind])
    period = top.choice("period", [p.value for p in Period] + [_ANY])
    audience = top.choice("audience", [a.value for a in Audience])
    areas = top.texts("areas")
    if "areas" in doc and not areas and isinstance(doc.get("areas"), list):
        top.problem("'areas' must name at least one area, or \"*\" for every area")
    approval = Approval.read(top, today)
    nodes: dict[str, Node] = {}
    for table in top.tables("nodes"):
        node = _node(table, file, problems)
        if node is None:
            continue
        if node.id in nodes:
            problems.append(Problem(file, node.id, "is defined more than once (node ids must be unique)"))
            continue
        nodes[node.id] = node
    if not (pid and title and version and start and kind and period and audience and areas):
        return None
    if nodes and start not in nodes:
        top.problem(f"'start' names node '{start}', which does not exist")
    return Pathway(
        id=pid,
        title=title,
        kind=PathwayKind(kind),
        areas=frozenset(areas),
        period=None if period == _ANY else Period(period),
        audience=Audience(audience),
        version=version,
        start=start,
        nodes=nodes,
        approval=approval,
        file=file,
    )


def _node(doc: Mapping[str, Any], file: str, problems: list[Problem]) -> Node | None:
    node_id = doc.get("id")
    if not isinstance(node_id, str) or not _ID.fullmatch(node_id):
        problems.append(Problem(file, None, f"a node has a missing or malformed id ({node_id!r})"))
        return None
    f = Fields(doc, file, node_id, problems)
    node_type = f.choice("type", [t.value for t in NodeType])
    text = f.text("text")
    if node_type is None or text is None:
        return None
    match NodeType(node_type):
        case NodeType.QUESTION:
            answers = []
            for table in f.tables("answers"):
                sub = Fields(table, file, node_id, problems)
                label, nxt = sub.text("label"), sub.text("next")
                if label and nxt:
                    answers.append(Answer(label, nxt))
            if len({a.label for a in answers}) != len(answers):
                f.problem("has two answers with the same label")
            if not answers:
                f.problem("is a question with no answers")
            return Node(node_id, NodeType.QUESTION, text, answers=tuple(answers))
        case NodeType.ACTION:
            contacts = f.texts("contacts", required=False)
            nxt = f.text("next")
            return Node(
                node_id,
                NodeType.ACTION,
                text,
                contacts=contacts,
                share=f.text("share", required=False),
                within_minutes=f.whole_number("within_minutes"),
                next=nxt,
                if_not_reached=f.text("if_not_reached", required=False),
                reach_person=_flag(f, "reach_person"),
            )
        case NodeType.END:
            return Node(node_id, NodeType.END, text)


def _flag(f: Fields, key: str) -> bool:
    value = f.doc.get(key, False)
    if not isinstance(value, bool):
        f.problem(f"'{key}' must be true or false (no quotes)")
        return False
    return value


def _check_graph(p: Pathway, problems: list[Problem]) -> None:
    def problem(node: str | None, message: str) -> None:
        problems.append(Problem(p.file, node, message))

    for node in p.nodes.values():
        for target in node.successors():
            if target not in p.nodes:
                problem(node.id, f"leads to node '{target}', which does not exist")
    if p.start not in p.nodes:
        return
    # Cycles: a pathway is a one-page decision tree; a loop could trap a worker under pressure.
    state: dict[str, int] = {}  # 1 on the current path, 2 finished

    def visit(node_id: str, trail: list[str]) -> None:
        state[node_id] = 1
        for target in p.nodes[node_id].successors():
            if target not in p.nodes:
                continue
            if state.get(target) == 1:
                loop = " → ".join([*trail[trail.index(target) :], target])
                problem(node_id, f"leads back to '{target}', making a loop ({loop})")
            elif target not in state:
                visit(target, [*trail, target])
        state[node_id] = 2

    visit(p.start, [p.start])
    for node_id in p.nodes:
        if node_id not in state:
            problem(node_id, f"cannot be reached from the start node '{p.start}'")
    # Every way through must do something: an end reachable without passing an action node is a path
    # on which a worker would be told nothing to do.
    actionless: set[str] = set()
    frontier = [p.start]
    while frontier:
        node_id = frontier.pop()
        if node_id in actionless or node_id not in p.nodes:
            continue
        actionless.add(node_id)
        node = p.nodes[node_id]
        if node.type is NodeType.END:
            problem(node_id, "can be reached without any action being taken on the way")
        elif node.type is NodeType.QUESTION:
            frontier.extend(node.successors())


def _check_contacts(p: Pathway, directory: Directory, problems: list[Problem]) -> None:
    _check_staff_routes(p, directory, problems)
    for node in p.action_nodes():
        for contact in node.contacts:
            entry = directory.get(contact)
            if entry is None:
                problems.append(Problem(p.file, node.id, f"names contact '{contact}', which is not in the directory"))
                continue
            if p.audience is Audience.STAFF and "professional-handover" in entry.not_for:
                problems.append(
                    Problem(
                        p.file,
                        node.id,
                        f"routes a staff handover to '{contact}' ({entry.service}), which is not for professional "
                        "handovers; use the duty worker, duty manager or crisis team",
                    )
                )
            elif p.audience is Audience.STAFF and not entry.usable_by_staff():
                problems.append(
                    Problem(p.file, node.id, f"names '{contact}', a line for the person to use, not for staff")
                )


def _check_staff_routes(p: Pathway, directory: Directory, problems: list[Problem]) -> None:
    """DESIGN §3: staff escalate to the duty worker or manager in hours, to the crisis team out of hours."""
    if p.audience is not Audience.STAFF or p.kind is not PathwayKind.ESCALATION:
        return
    entries = [directory.get(c) for n in p.action_nodes() for c in n.contacts]
    purposes = {e.purpose for e in entries if e is not None and e.usable_by_staff()}
    if p.period is Period.IN_HOURS and "professional_line" not in purposes:
        problems.append(
            Problem(
                p.file, None, "routes to no duty worker or duty manager (purpose professional_line)", Severity.WARNING
            )
        )
    if p.period is Period.OUT_OF_HOURS and "urgent_mental_health" not in purposes:
        problems.append(Problem(p.file, None, "routes to no crisis team out of hours", Severity.WARNING))


def check_set(by_file: Mapping[str, Pathway], criteria: CriteriaSet | None) -> list[Problem]:
    """Problems only visible across files: duplicate ids, areas missing a period, no fallback, no criteria."""
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    for file, p in sorted(by_file.items()):
        if p.id in seen:
            problems.append(Problem(file, None, f"uses pathway id '{p.id}', already used by {seen[p.id]}"))
        seen.setdefault(p.id, file)
    escalation = [p for p in by_file.values() if p.kind is PathwayKind.ESCALATION]
    areas = sorted({a for p in escalation for a in p.areas})
    for area in areas:
        periods = {p.period for p in escalation if p.serves(area)}
        if None in periods:
            continue
        for have, missing in ((Period.IN_HOURS, Period.OUT_OF_HOURS), (Period.OUT_OF_HOURS, Period.IN_HOURS)):
            if have in periods and missing not in periods:
                file = next(
                    f for f, p in sorted(by_file.items()) if p in escalation and p.period is have and p.serves(area)
                )
                problems.append(
                    Problem(
                        file,
                        None,
                        f"area '{area}' has an {have.value} escalation pathway but no {missing.value} counterpart",
                    )
                )
    if by_file and not any(p.kind is PathwayKind.FALLBACK for p in by_file.values()):
        problems.append(Problem("(folder)", None, 'has no national fallback pathway (kind = "fallback")'))
    if by_file and criteria is None:
        problems.append(Problem("(folder)", None, "has no threshold criteria file ([[criteria]])"))
    return problems
