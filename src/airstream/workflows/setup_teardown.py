"""``with setup_task >> teardown_task:`` — tasks made inside run between the two.

Entering remembers which tasks the DAG has; leaving links each new task that has no
upstream among the new ones after the setups, and each with no downstream among them before
the teardowns. Nested blocks therefore chain outer setup → inner setup → ... → outer teardown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from airstream.workflows.exceptions import AirflowException

if TYPE_CHECKING:
    from airstream.workflows.baseoperator import AbstractOperator
    from airstream.workflows.dag import DAG
    from airstream.workflows.dependencies import DependencyMixin


@dataclass
class SetupTeardownScope:
    """One open ``with`` block: its DAG, the tasks it had on entry, its setups and teardowns."""

    dag: DAG
    before: set[str]
    setups: list[AbstractOperator]
    teardowns: list[AbstractOperator]


_OPEN: list[SetupTeardownScope] = []


def _unique(ops: list[AbstractOperator]) -> list[AbstractOperator]:
    seen: dict[str, AbstractOperator] = {}
    for op in ops:
        seen.setdefault(op.task_id, op)
    return list(seen.values())


def enter_scope(item: DependencyMixin) -> None:
    """Start a block on ``item`` (a setup, a teardown, or ``setup >> teardown``)."""
    ops = _unique([*item.roots, *item.leaves])
    teardowns = [op for op in ops if op.is_teardown]
    setups = [op for op in ops if op.is_setup]
    for teardown in teardowns:
        if teardown.dag is not None:
            setups.extend(up for up in teardown.upstream_list if up.is_setup)
    if not setups and not teardowns:
        raise AirflowException(
            "Only setup/teardown tasks can be used as context managers: mark them with "
            "@setup/@teardown or .as_setup()/.as_teardown()"
        )
    dag = ops[0].dag
    if dag is None:
        raise AirflowException(f"Task {ops[0].task_id} has not been assigned to a DAG yet")
    _OPEN.append(SetupTeardownScope(dag, set(dag.task_ids), _unique(setups), teardowns))


def exit_scope() -> None:
    """Close the innermost block, wiring the tasks made inside it."""
    scope = _OPEN.pop()
    ends = {op.task_id for op in [*scope.setups, *scope.teardowns]}
    new = [t for tid, t in scope.dag.task_dict.items() if tid not in scope.before | ends]
    new_ids = {t.task_id for t in new}
    for task in new:
        if not task.upstream_task_ids & new_ids:
            for setup in scope.setups:
                setup.set_downstream(task)
        if not task.downstream_task_ids & new_ids:
            for teardown in scope.teardowns:
                task.set_downstream(teardown)
