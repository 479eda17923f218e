"""A layered, top-down layout for a pathway (a validated DAG): no Qt, so it is tested on its own.

Each node's layer is its longest distance from the start, so every edge points down; within a layer,
nodes sit near the average position of their parents, which keeps most edges short and uncrossed.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.pathways import Pathway


@dataclass(frozen=True, slots=True)
class Placed:
    node_id: str
    layer: int
    slot: float  # horizontal position in node widths, centred on 0


def layout(pathway: Pathway) -> dict[str, Placed]:
    order = _topological(pathway)
    layer: dict[str, int] = {pathway.start: 0}
    for node_id in order:
        for target in pathway.node(node_id).successors():
            layer[target] = max(layer.get(target, 0), layer[node_id] + 1)
    parents: dict[str, list[str]] = {}
    for node_id in order:
        for target in pathway.node(node_id).successors():
            parents.setdefault(target, []).append(node_id)
    rows: dict[int, list[str]] = {}
    for node_id in order:
        rows.setdefault(layer[node_id], []).append(node_id)
    placed: dict[str, Placed] = {}
    for depth in sorted(rows):
        ids = rows[depth]

        def wanted(node_id: str) -> float:
            ps = [placed[p].slot for p in parents.get(node_id, []) if p in placed]
            return sum(ps) / len(ps) if ps else 0.0

        ids.sort(key=wanted)
        width = len(ids)
        for i, node_id in enumerate(ids):
            placed[node_id] = Placed(node_id, depth, i - (width - 1) / 2)
    return placed


def _topological(pathway: Pathway) -> list[str]:
    """Nodes reachable from the start, parents before children, in the file's order where free."""
    indegree: dict[str, int] = {}
    reachable, frontier = set(), [pathway.start]
    while frontier:
        node_id = frontier.pop()
        if node_id in reachable:
            continue
        reachable.add(node_id)
        frontier.extend(pathway.node(node_id).successors())
    for node_id in reachable:
        for target in pathway.node(node_id).successors():
            indegree[target] = indegree.get(target, 0) + 1
    ready = [pathway.start]
    order: list[str] = []
    file_order = {n: i for i, n in enumerate(pathway.nodes)}
    while ready:
        ready.sort(key=file_order.__getitem__)
        node_id = ready.pop(0)
        order.append(node_id)
        for target in pathway.node(node_id).successors():
            indegree[target] -= 1
            if indegree[target] == 0:
                ready.append(target)
    return order
