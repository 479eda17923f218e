"""Crisis pathways: approved, versioned decision trees, and walking one from recorded steps.

A pathway is deterministic: the same recorded answers and actions always give the same path, so an
audit can replay any escalation against the exact version it used. There is no scoring anywhere.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from app.config_files import Approval
from app.hours import Period


class PathwayKind(enum.StrEnum):
    ESCALATION = "escalation"
    WELFARE_CHECK = "welfare-check"
    FALLBACK = "fallback"  # the national pathway shown, with a warning, when no local one applies


class Audience(enum.StrEnum):
    STAFF = "staff"  # routes professional handovers: never to a line marked not for them
    ANYONE = "anyone"  # e.g. the national fallback: helping the person reach a line themselves


class NodeType(enum.StrEnum):
    QUESTION = "question"
    ACTION = "action"
    END = "end"


@dataclass(frozen=True, slots=True)
class Answer:
    label: str
    next: str


@dataclass(frozen=True, slots=True)
class Node:
    id: str
    type: NodeType
    text: str
    answers: tuple[Answer, ...] = ()
    # Action nodes: directory entries to try, in order; the first that serves the person and is open now
    # is the one to call.
    contacts: tuple[str, ...] = ()
    share: str | None = None  # the minimum information to share
    within_minutes: int | None = None  # the local standard, from when the concern was identified
    next: str | None = None
    if_not_reached: str | None = None  # where to go when nobody was reached; absent: try this step again
    # The step is trying the person themselves: their own numbers and the people they agreed may be contacted
    # are offered, not only services.
    reach_person: bool = False

    def successors(self) -> list[str]:
        if self.type is NodeType.QUESTION:
            return [a.next for a in self.answers]
        return [n for n in (self.next, self.if_not_reached) if n]


@dataclass(frozen=True, slots=True)
class Pathway:
    id: str
    title: str
    kind: PathwayKind
    areas: frozenset[str]  # "*" serves every area
    period: Period | None  # None: any time
    audience: Audience
    version: str
    start: str
    nodes: Mapping[str, Node]
    approval: Approval
    file: str = field(default="", compare=False)

    @property
    def ref(self) -> str:
        """What a record cites: the pathway and its exact version."""
        return f"{self.id}@{self.version}"

    def serves(self, area: str) -> bool:
        return "*" in self.areas or area in self.areas

    def node(self, node_id: str) -> Node:
        return self.nodes[node_id]

    def action_nodes(self) -> list[Node]:
        return [n for n in self.nodes.values() if n.type is NodeType.ACTION]


@dataclass(frozen=True, slots=True)
class ThresholdCriterion:
    code: str
    wording: str
    examples: str | None = None


@dataclass(frozen=True, slots=True)
class CriteriaSet:
    """The organisation's threshold criteria: approved data, cited by version on every escalation."""

    version: str
    criteria: tuple[ThresholdCriterion, ...]
    approval: Approval
    file: str = ""

    @property
    def ref(self) -> str:
        return f"criteria@{self.version}"

    def get(self, code: str) -> ThresholdCriterion | None:
        return next((c for c in self.criteria if c.code == code), None)


# Recorded as the answer of an action step that reached nobody when the worker chose to move on.
MOVE_ON = "not reached: move on"


@dataclass(frozen=True, slots=True)
class Step:
    """One recorded step of a walk: an answer to a question, or an action taken at an action node."""

    node_id: str
    answer: str | None = None
    reached: bool = False


@dataclass(frozen=True, slots=True)
class Walk:
    current: Node
    path: tuple[str, ...]  # node ids visited, in order, the current one last
    off_path: tuple[Step, ...]  # recorded steps that were not at the node the pathway was at

    @property
    def finished(self) -> bool:
        return self.current.type is NodeType.END


def walk(pathway: Pathway, steps: Iterable[Step]) -> Walk:
    """Replay recorded steps over a pathway; the same steps always give the same walk."""
    current = pathway.node(pathway.start)
    path = [current.id]
    off: list[Step] = []
    for step in steps:
        if step.node_id != current.id:
            off.append(step)  # recorded anyway (a deviation), never lost; the walk does not move
            continue
        nxt = _next(current, step)
        if nxt is not None:
            current = pathway.node(nxt)
            path.append(current.id)
    return Walk(current, tuple(path), tuple(off))


def _next(node: Node, step: Step) -> str | None:
    if node.type is NodeType.QUESTION:
        return next((a.next for a in node.answers if a.label == step.answer), None)
    if node.type is NodeType.ACTION:
        if step.reached:
            return node.next
        # A busy line is normal: an attempt that reached nobody stays at the step (tried again) until the
        # worker says to take the pathway's route for nobody reached.
        return node.if_not_reached if step.answer == MOVE_ON else None
    return None


@dataclass(frozen=True, slots=True)
class Choice:
    pathway: Pathway
    warning: str | None = None  # set when the national fallback stands in for a missing local pathway


@dataclass(frozen=True)
class PathwayLibrary:
    """The approved pathways in effect, by the file each came from, and the threshold criteria."""

    by_file: Mapping[str, Pathway]
    criteria: CriteriaSet | None
    as_of: date
    # Versions no longer in force, by ``id@version``: an escalation keeps walking the one it started on.
    archive: Mapping[str, Pathway] = field(default_factory=dict)

    def effective(self) -> list[Pathway]:
        return [p for p in self.by_file.values() if p.approval.effective_on(self.as_of)]

    def choose(self, kind: PathwayKind, area: str, period: Period) -> Choice:
        """The pathway for this area now; the national fallback, with a warning, when there is none."""
        candidates = [p for p in self.effective() if p.kind is kind and p.serves(area)]
        exact = [p for p in candidates if p.period is period] or [p for p in candidates if p.period is None]
        if exact:
            # A pathway naming the area beats an organisation-wide one.
            return Choice(sorted(exact, key=lambda p: ("*" in p.areas, p.id))[0])
        fallback = next((p for p in self.effective() if p.kind is PathwayKind.FALLBACK), BUILT_IN_FALLBACK)
        what = "welfare-check" if kind is PathwayKind.WELFARE_CHECK else f"{period.value} escalation"
        warning = (
            f"There is no approved {what} pathway for the {area} area, so the national pathway is shown. "
            "Tell your team lead so the local pathway can be put right."
        )
        return Choice(fallback, warning)

    def get(self, ref: str) -> Pathway | None:
        """The pathway a record cites by ``id@version`` (or by id alone), if this library holds it."""
        pid, _, version = ref.partition("@")
        if pid == BUILT_IN_FALLBACK.id:
            return BUILT_IN_FALLBACK
        return next(
            (p for p in self.by_file.values() if p.id == pid and (not version or p.version == version)),
            self.archive.get(ref) if version else None,
        )

    def newer_than(self, ref: str) -> Pathway | None:
        """The version in force of the pathway ``ref`` cites, when it is not that one (a newer one arrived)."""
        pid, _, version = ref.partition("@")
        current = next((p for p in self.by_file.values() if p.id == pid), None)
        return current if current is not None and version and current.version != version else None


# The last resort when even the organisation's national fallback file is missing or broken: a worker is
# never shown no pathway at all. Deliberately minimal; the organisation's own fallback replaces it.
BUILT_IN_FALLBACK = Pathway(
    id="built-in-fallback",
    title="Emergency fallback (no pathway files could be loaded)",
    kind=PathwayKind.FALLBACK,
    areas=frozenset({"*"}),
    period=None,
    audience=Audience.ANYONE,
    version="1",
    start="phone",
    nodes={
        "phone": Node(
            "phone",
            NodeType.ACTION,
            "If life is at risk now, phone 999. Otherwise phone your team's duty line or the crisis team, "
            "and support the person to call their urgent mental health line (NHS 111 option 2 in England and "
            "Wales, 111 in Scotland, Lifeline 0808 808 8000 in Northern Ireland).",
            contacts=("emergency-999", "nhs-111-mental-health", "nhs-111-wales", "nhs-24-mental-health", "lifeline-ni"),
            within_minutes=0,
            next="tell",
        ),
        "tell": Node("tell", NodeType.END, "Tell your manager as soon as you can, and record what was done."),
    },
    approval=Approval("Built into Waymark", date(2026, 11, 26), None),
)
