"""A DAG drawn as layers: each task in the column of its dependency depth.

Depth is the longest path from a task without upstream tasks, so every edge points to the
right. Inside a column tasks are ordered by the mean row of their upstream tasks (one
barycentre pass: few crossings, stable output). The result is coordinates only; the
template draws the SVG, so every label is escaped by Jinja.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

NODE_WIDTH = 170
NODE_HEIGHT = 30
COLUMN_GAP = 60
ROW_GAP = 14
MARGIN = 10
#: Characters of a task id shown in a node (the full id is its tooltip).
LABEL_CHARS = 22


@dataclass(frozen=True)
class Node:
    """A task's box: its id, shortened label and top-left corner."""

    task_id: str
    label: str
    x: int
    y: int


@dataclass(frozen=True)
class Edge:
    """A dependency drawn as a cubic curve (the SVG path ``d``)."""

    upstream: str
    downstream: str
    d: str


@dataclass(frozen=True)
class GraphLayout:
    """Nodes, edges and the size of the drawing."""

    nodes: list[Node]
    edges: list[Edge]
    width: int
    height: int

    @property
    def task_order(self) -> list[str]:
        """Task ids column by column, top to bottom: a topological order."""
        return [n.task_id for n in sorted(self.nodes, key=lambda n: (n.x, n.y))]


def depths(upstream: Mapping[str, Sequence[str]]) -> dict[str, int]:
    """Each task's longest distance from a root; edges to unknown tasks are ignored."""
    found: dict[str, int] = {}
    for start in upstream:
        stack = [(start, False)]
        visiting: set[str] = set()
        while stack:
            task, expanded = stack.pop()
            if task in found:
                continue
            parents = [p for p in upstream.get(task, ()) if p in upstream]
            if expanded:
                visiting.discard(task)
                found[task] = 1 + max((found.get(p, 0) for p in parents), default=-1)
                continue
            visiting.add(task)
            stack.append((task, True))
            # A cycle cannot come from a parsed DAG; skipping its back edge keeps us finite.
            stack.extend((p, False) for p in parents if p not in found and p not in visiting)
    return found


def layout(tasks: Sequence[Mapping[str, Any]]) -> GraphLayout:
    """Place the serialized DAG's ``tasks`` (``task_id`` and ``upstream_task_ids``)."""
    upstream = {str(t["task_id"]): list(t.get("upstream_task_ids") or []) for t in tasks}
    depth = depths(upstream)
    columns: dict[int, list[str]] = {}
    for task_id in sorted(upstream):
        columns.setdefault(depth[task_id], []).append(task_id)
    row: dict[str, float] = {}
    for column in sorted(columns):
        members = columns[column]
        members.sort(key=lambda t: (_barycentre(upstream[t], row), t))
        row.update({task_id: float(index) for index, task_id in enumerate(members)})
    nodes = [
        Node(
            task_id,
            _label(task_id),
            MARGIN + column * (NODE_WIDTH + COLUMN_GAP),
            MARGIN + index * (NODE_HEIGHT + ROW_GAP),
        )
        for column, members in sorted(columns.items())
        for index, task_id in enumerate(members)
    ]
    by_id = {n.task_id: n for n in nodes}
    edges = [
        Edge(parent, child, _curve(by_id[parent], by_id[child]))
        for child, parents in sorted(upstream.items())
        for parent in sorted(parents)
        if parent in by_id
    ]
    tallest = max((len(m) for m in columns.values()), default=0)
    width = MARGIN * 2 + len(columns) * (NODE_WIDTH + COLUMN_GAP) - COLUMN_GAP
    height = MARGIN * 2 + tallest * (NODE_HEIGHT + ROW_GAP) - ROW_GAP
    return GraphLayout(nodes, edges, max(width, 0), max(height, 0))


def _barycentre(parents: Sequence[str], row: Mapping[str, float]) -> float:
    placed = [row[p] for p in parents if p in row]
    return sum(placed) / len(placed) if placed else 0.0


def _label(task_id: str) -> str:
    return task_id if len(task_id) <= LABEL_CHARS else task_id[: LABEL_CHARS - 1] + "…"


def _curve(start: Node, end: Node) -> str:
    x1, y1 = start.x + NODE_WIDTH, start.y + NODE_HEIGHT // 2
    x2, y2 = end.x, end.y + NODE_HEIGHT // 2
    bend = (x2 - x1) // 2
    return f"M{x1},{y1} C{x1 + bend},{y1} {x2 - bend},{y2} {x2},{y2}"
