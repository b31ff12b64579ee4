"""Wiring tasks together: ``>>``, ``<<``, lists, ``chain``, ``cross_downstream``.

Anything that can sit on either side of ``>>`` (an operator, an ``XComArg``, a task group, a
``Label``) is a :class:`DependencyMixin`; it names the operators an edge enters (``roots``) and
leaves from (``leaves``).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from airstream.workflows.baseoperator import AbstractOperator
    from airstream.workflows.edges import EdgeModifier


class DependencyMixin:
    """Something with upstream/downstream edges; supports the bit-shift composition operators."""

    @property
    def roots(self) -> list[AbstractOperator]:
        raise NotImplementedError

    @property
    def leaves(self) -> list[AbstractOperator]:
        raise NotImplementedError

    def set_upstream(self, other: Any, edge_modifier: EdgeModifier | None = None) -> None:
        """Make ``other`` (one item or a list) upstream of this."""
        for item in flatten_relatives(other):
            if item.is_edge_modifier():
                item.attach_downstream(self)
                continue
            link_all(item.leaves, self.roots, edge_modifier)

    def set_downstream(self, other: Any, edge_modifier: EdgeModifier | None = None) -> None:
        """Make ``other`` (one item or a list) downstream of this."""
        for item in flatten_relatives(other):
            if item.is_edge_modifier():
                item.attach_upstream(self)
                continue
            link_all(self.leaves, item.roots, edge_modifier)

    def is_edge_modifier(self) -> bool:
        return False

    def attach_upstream(self, other: DependencyMixin) -> None:
        raise NotImplementedError

    def attach_downstream(self, other: DependencyMixin) -> None:
        raise NotImplementedError

    def __rshift__(self, other: Any) -> Any:
        self.set_downstream(other)
        return other

    def __enter__(self) -> DependencyMixin:
        """``with setup >> teardown:`` (see :mod:`airstream.workflows.setup_teardown`)."""
        from airstream.workflows.setup_teardown import enter_scope

        enter_scope(self)
        return self

    def __exit__(self, *exc: object) -> None:
        from airstream.workflows.setup_teardown import exit_scope

        exit_scope()

    def __lshift__(self, other: Any) -> Any:
        self.set_upstream(other)
        return other

    def __rrshift__(self, other: Any) -> DependencyMixin:
        """``[a, b] >> self``."""
        self.set_upstream(other)
        return self

    def __rlshift__(self, other: Any) -> DependencyMixin:
        """``[a, b] << self``."""
        self.set_downstream(other)
        return self


def flatten_relatives(other: Any) -> list[DependencyMixin]:
    """One item or a (nested) list/tuple/set of items, as a flat list."""
    if isinstance(other, DependencyMixin):
        return [other]
    if isinstance(other, (list, tuple, set, frozenset)):
        flat: list[DependencyMixin] = []
        for item in other:
            flat.extend(flatten_relatives(item))
        return flat
    raise TypeError(f"Relationships can only be set between operators; received {type(other)!r}")


def link_all(
    upstream: Iterable[AbstractOperator],
    downstream: Iterable[AbstractOperator],
    edge_modifier: EdgeModifier | None = None,
) -> None:
    downstream = list(downstream)
    for up in upstream:
        for down in downstream:
            link(up, down, edge_modifier)


def link(
    upstream: AbstractOperator, downstream: AbstractOperator, label: EdgeModifier | None = None
) -> None:
    """Add the edge ``upstream -> downstream``, joining both to one DAG."""
    dag = upstream.dag or downstream.dag
    if dag is None:
        raise ValueError(
            "Tried to create relationships between tasks that don't have DAGs yet. "
            f"Set the DAG for at least one task and try again: {[upstream, downstream]}"
        )
    for task in (upstream, downstream):
        if task.dag is None:
            dag.add_task(task)
        elif task.dag is not dag:
            raise ValueError(
                f"Tried to set relationships between tasks in more than one DAG: "
                f"{upstream.dag.dag_id if upstream.dag else None} and "
                f"{downstream.dag.dag_id if downstream.dag else None}"
            )
    upstream.downstream_task_ids.add(downstream.task_id)
    downstream.upstream_task_ids.add(upstream.task_id)
    if label is not None:
        label.record_edge(dag, upstream.task_id, downstream.task_id)


def chain(*tasks: Any) -> None:
    """Chain tasks in order; adjacent lists of equal length are paired element by element."""
    for up, down in itertools.pairwise(tasks):
        up_is_list = isinstance(up, Sequence) and not isinstance(up, str)
        down_is_list = isinstance(down, Sequence) and not isinstance(down, str)
        if not up_is_list:
            _as_mixin(up).set_downstream(down)
            continue
        if not down_is_list:
            _as_mixin(down).set_upstream(up)
            continue
        if len(up) != len(down):
            raise ValueError(
                f"Chain not supported for different length Iterable. Got {len(up)} and {len(down)}."
            )
        for left, right in zip(up, down, strict=True):
            _as_mixin(left).set_downstream(right)


def chain_linear(*elements: Any) -> None:
    """Every task of each element upstream of every task of the next one."""
    if len(elements) < 2:
        raise ValueError("No dependencies were set. Did you forget to expand with `*`?")
    for up, down in itertools.pairwise(elements):
        for left in flatten_relatives(up):
            left.set_downstream(down)


def cross_downstream(from_tasks: Sequence[Any], to_tasks: Any) -> None:
    """Every task of ``from_tasks`` upstream of every task of ``to_tasks``."""
    for task in from_tasks:
        _as_mixin(task).set_downstream(to_tasks)


def _as_mixin(item: Any) -> DependencyMixin:
    if not isinstance(item, DependencyMixin):
        raise TypeError(f"Chain not supported between instances of {type(item)!r}")
    return item
