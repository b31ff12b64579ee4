"""What task execution needs from the metadata store, as a small interface.

:class:`ExecutionStore` is the contract the runner (``dags test`` now, the scheduler later)
uses: DAG runs, task instances, XComs, variables and connections.
:class:`MemoryExecutionStore` keeps everything in this process, for ``dags test``; the SQL
metadata store (``airstream.store``) is adapted to the same interface.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from airstream.workflows.state import DagRunState, TaskInstanceState
from airstream.workflows.xcom_serialization import deserialize, serialize

if TYPE_CHECKING:
    from airstream.workflows.connections import Connection

#: Returned by :meth:`ExecutionStore.get_xcom` when no such XCom exists.
MISSING: Any = type("Missing", (), {"__repr__": lambda self: "MISSING"})()


@dataclass
class DagRunRecord:
    """One DAG run."""

    dag_id: str
    run_id: str
    logical_date: datetime | None
    data_interval_start: datetime | None
    data_interval_end: datetime | None
    run_after: datetime
    run_type: str = "manual"
    state: DagRunState = DagRunState.QUEUED
    conf: dict[str, Any] = field(default_factory=dict)
    start_date: datetime | None = None
    end_date: datetime | None = None
    triggered_by: str = "test"


@dataclass
class TaskInstanceRecord:
    """One task instance: a task in a DAG run, one per map index for a mapped task."""

    dag_id: str
    run_id: str
    task_id: str
    map_index: int = -1
    state: TaskInstanceState | None = None
    try_number: int = 0
    max_tries: int = 0
    start_date: datetime | None = None
    end_date: datetime | None = None
    #: When an ``up_for_retry`` / ``up_for_reschedule`` instance may run again.
    next_try_at: datetime | None = None
    #: When a reschedule-mode sensor first poked (its ``timeout`` counts from here).
    first_try_start: datetime | None = None
    operator: str = ""
    rendered_fields: dict[str, Any] = field(default_factory=dict)
    rendered_map_index: str | None = None

    @property
    def key(self) -> tuple[str, int]:
        return (self.task_id, self.map_index)

    @property
    def duration(self) -> float | None:
        if self.start_date is None or self.end_date is None:
            return None
        return (self.end_date - self.start_date).total_seconds()


class ExecutionStore(Protocol):
    """The state a task runner reads and writes."""

    def save_dag_run(self, run: DagRunRecord) -> None: ...

    def get_dag_run(self, dag_id: str, run_id: str) -> DagRunRecord | None: ...

    def list_dag_runs(self, dag_id: str) -> list[DagRunRecord]: ...

    def previous_success(self, run: DagRunRecord) -> DagRunRecord | None:
        """The successful run of the same DAG with the latest logical date before ``run``'s."""
        ...

    def previous_run(self, run: DagRunRecord) -> DagRunRecord | None:
        """The run of the same DAG with the latest logical date before ``run``'s."""
        ...

    def delete_dag_run(self, dag_id: str, run_id: str) -> None: ...

    def save_task_instance(self, ti: TaskInstanceRecord) -> None: ...

    def save_task_instances(self, tis: Sequence[TaskInstanceRecord]) -> None:
        """:meth:`save_task_instance` for each, in one transaction where the store can."""

    def delete_task_instance(self, ti: TaskInstanceRecord) -> None: ...

    def list_task_instances(self, dag_id: str, run_id: str) -> list[TaskInstanceRecord]: ...

    def set_xcom(
        self, dag_id: str, run_id: str, task_id: str, map_index: int, key: str, value: Any
    ) -> None: ...

    def get_xcom(self, dag_id: str, run_id: str, task_id: str, map_index: int, key: str) -> Any: ...

    def xcom_map_indexes(self, dag_id: str, run_id: str, task_id: str, key: str) -> list[int]: ...

    def clear_xcoms(self, dag_id: str, run_id: str, task_id: str, map_index: int) -> None: ...

    def get_variable(self, key: str) -> str | None: ...

    def set_variable(self, key: str, value: str) -> None: ...

    def get_connection(self, conn_id: str) -> Connection | None: ...


def latest_success_before(runs: Iterable[DagRunRecord], run: DagRunRecord) -> DagRunRecord | None:
    """Of ``runs``, the successful one with the latest logical date before ``run``'s."""
    return latest_before((r for r in runs if r.state == DagRunState.SUCCESS), run)


def latest_before(runs: Iterable[DagRunRecord], run: DagRunRecord) -> DagRunRecord | None:
    """Of ``runs``, the one with the latest logical date before ``run``'s."""
    if run.logical_date is None:
        return None
    earlier = [
        r
        for r in runs
        if r.run_id != run.run_id
        and r.logical_date is not None
        and r.logical_date < run.logical_date
    ]
    return max(earlier, key=lambda r: r.logical_date or r.run_after) if earlier else None


class MemoryExecutionStore:
    """An :class:`ExecutionStore` in this process's memory (``dags test``, unit tests)."""

    def __init__(
        self,
        variables: dict[str, str] | None = None,
        connections: Iterable[Connection] = (),
        settings_from: ExecutionStore | None = None,
    ) -> None:
        """``settings_from``: where variables and connections not given here are looked up
        (the metadata database, for ``tasks test``)."""
        self.settings_from = settings_from
        self.dag_runs: dict[tuple[str, str], DagRunRecord] = {}
        self.task_instances: dict[tuple[str, str, str, int], TaskInstanceRecord] = {}
        self.xcoms: dict[tuple[str, str, str, int, str], str] = {}
        self.variables: dict[str, str] = dict(variables or {})
        self.connections: dict[str, Connection] = {c.conn_id: c for c in connections}

    def save_dag_run(self, run: DagRunRecord) -> None:
        self.dag_runs[(run.dag_id, run.run_id)] = run

    def get_dag_run(self, dag_id: str, run_id: str) -> DagRunRecord | None:
        return self.dag_runs.get((dag_id, run_id))

    def list_dag_runs(self, dag_id: str) -> list[DagRunRecord]:
        runs = [r for (d, _), r in self.dag_runs.items() if d == dag_id]
        return sorted(runs, key=lambda r: r.run_after)

    def previous_success(self, run: DagRunRecord) -> DagRunRecord | None:
        return latest_success_before(self.list_dag_runs(run.dag_id), run)

    def previous_run(self, run: DagRunRecord) -> DagRunRecord | None:
        return latest_before(self.list_dag_runs(run.dag_id), run)

    def delete_dag_run(self, dag_id: str, run_id: str) -> None:
        """Forget the run with its task instances and XComs."""
        self.dag_runs.pop((dag_id, run_id), None)
        for key in [k for k in self.task_instances if k[:2] == (dag_id, run_id)]:
            del self.task_instances[key]
        for xkey in [k for k in self.xcoms if k[:2] == (dag_id, run_id)]:
            del self.xcoms[xkey]

    def save_task_instance(self, ti: TaskInstanceRecord) -> None:
        self.task_instances[(ti.dag_id, ti.run_id, ti.task_id, ti.map_index)] = ti

    def save_task_instances(self, tis: Sequence[TaskInstanceRecord]) -> None:
        for ti in tis:
            self.save_task_instance(ti)

    def delete_task_instance(self, ti: TaskInstanceRecord) -> None:
        self.task_instances.pop((ti.dag_id, ti.run_id, ti.task_id, ti.map_index), None)

    def list_task_instances(self, dag_id: str, run_id: str) -> list[TaskInstanceRecord]:
        return [
            ti for (d, r, _, _), ti in self.task_instances.items() if d == dag_id and r == run_id
        ]

    def set_xcom(
        self, dag_id: str, run_id: str, task_id: str, map_index: int, key: str, value: Any
    ) -> None:
        # Stored as JSON, as the SQL store does, so non-serializable values fail here too.
        self.xcoms[(dag_id, run_id, task_id, map_index, key)] = json.dumps(serialize(value))

    def get_xcom(self, dag_id: str, run_id: str, task_id: str, map_index: int, key: str) -> Any:
        raw = self.xcoms.get((dag_id, run_id, task_id, map_index, key))
        return MISSING if raw is None else deserialize(json.loads(raw))

    def xcom_map_indexes(self, dag_id: str, run_id: str, task_id: str, key: str) -> list[int]:
        return sorted(
            m
            for (d, r, t, m, k) in self.xcoms
            if d == dag_id and r == run_id and t == task_id and k == key
        )

    def clear_xcoms(self, dag_id: str, run_id: str, task_id: str, map_index: int) -> None:
        for xkey in [k for k in self.xcoms if k[:4] == (dag_id, run_id, task_id, map_index)]:
            del self.xcoms[xkey]

    def get_variable(self, key: str) -> str | None:
        if key in self.variables or self.settings_from is None:
            return self.variables.get(key)
        return self.settings_from.get_variable(key)

    def set_variable(self, key: str, value: str) -> None:
        self.variables[key] = value

    def get_connection(self, conn_id: str) -> Connection | None:
        if conn_id in self.connections or self.settings_from is None:
            return self.connections.get(conn_id)
        return self.settings_from.get_connection(conn_id)


_ACTIVE: list[ExecutionStore] = []


def active_store() -> ExecutionStore | None:
    """The store of the task run in progress (for ``Variable.get`` inside task code)."""
    return _ACTIVE[-1] if _ACTIVE else None


class use_store:
    """Make ``store`` the active store for the duration of a ``with`` block."""

    def __init__(self, store: ExecutionStore) -> None:
        self.store = store

    def __enter__(self) -> ExecutionStore:
        _ACTIVE.append(self.store)
        return self.store

    def __exit__(self, *exc: object) -> None:
        _ACTIVE.pop()
