"""The stacks of DAGs and task groups opened with ``with``: operators join the innermost."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from airstream.workflows.dag import DAG
    from airstream.workflows.task_group import TaskGroup


class DagContext:
    """The DAGs currently open as context managers, innermost last."""

    _stack: list[DAG] = []
    #: DAGs whose ``with`` block ended since the last :meth:`drain_registered` (DAG-file loading).
    _registered: list[DAG] = []

    @classmethod
    def push(cls, dag: DAG) -> None:
        cls._stack.append(dag)

    @classmethod
    def pop(cls) -> DAG | None:
        dag = cls._stack.pop() if cls._stack else None
        if dag is not None and dag.auto_register:
            cls._registered.append(dag)
        return dag

    @classmethod
    def current(cls) -> DAG | None:
        return cls._stack[-1] if cls._stack else None

    @classmethod
    def drain_registered(cls) -> list[DAG]:
        registered, cls._registered = cls._registered, []
        return registered


class TaskGroupContext:
    """The task groups currently open as context managers, innermost last."""

    _stack: list[TaskGroup] = []

    @classmethod
    def push(cls, group: TaskGroup) -> None:
        cls._stack.append(group)

    @classmethod
    def pop(cls) -> TaskGroup | None:
        return cls._stack.pop() if cls._stack else None

    @classmethod
    def current(cls, dag: DAG | None = None) -> TaskGroup | None:
        """The innermost open group of ``dag`` (or of any DAG), else the DAG's root group."""
        for group in reversed(cls._stack):
            if dag is None or group.dag is dag:
                return group
        return dag.task_group if dag is not None else None
