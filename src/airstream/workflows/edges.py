"""Labels on dependency edges (``a >> Label("when ok") >> b``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from airstream.workflows.dependencies import DependencyMixin, link_all

if TYPE_CHECKING:
    from airstream.workflows.baseoperator import AbstractOperator
    from airstream.workflows.dag import DAG


class EdgeModifier(DependencyMixin):
    """Sits between two sides of ``>>`` and records a label on each edge it creates."""

    def __init__(self, label: str | None = None) -> None:
        self.label = label
        self._upstream: list[AbstractOperator] = []
        self._downstream: list[AbstractOperator] = []

    @property
    def roots(self) -> list[AbstractOperator]:
        return list(self._downstream)

    @property
    def leaves(self) -> list[AbstractOperator]:
        return list(self._upstream)

    def is_edge_modifier(self) -> bool:
        return True

    def attach_upstream(self, other: DependencyMixin) -> None:
        new = other.leaves
        self._upstream.extend(new)
        link_all(new, self._downstream, self)

    def attach_downstream(self, other: DependencyMixin) -> None:
        new = other.roots
        self._downstream.extend(new)
        link_all(self._upstream, new, self)

    def set_upstream(self, other: object, edge_modifier: EdgeModifier | None = None) -> None:
        from airstream.workflows.dependencies import flatten_relatives

        for item in flatten_relatives(other):
            self.attach_upstream(item)

    def set_downstream(self, other: object, edge_modifier: EdgeModifier | None = None) -> None:
        from airstream.workflows.dependencies import flatten_relatives

        for item in flatten_relatives(other):
            self.attach_downstream(item)

    def record_edge(self, dag: DAG, upstream_id: str, downstream_id: str) -> None:
        if self.label is not None:
            dag.edge_info.setdefault(upstream_id, {})[downstream_id] = {"label": self.label}


def Label(label: str) -> EdgeModifier:
    """An edge label, as in ``a >> Label("yes") >> b``."""
    return EdgeModifier(label)
