"""The template/execute context of one task instance, and the ``ti`` object in it."""

from __future__ import annotations

import collections
import contextvars
import dataclasses
import logging
import socket
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

import lazy_object_proxy

from airstream.workflows import macros
from airstream.workflows.asset_events import InletEventsAccessors, OutletEventAccessors
from airstream.workflows.exceptions import AirflowException
from airstream.workflows.execution_store import (
    MISSING,
    DagRunRecord,
    ExecutionStore,
    TaskInstanceRecord,
)
from airstream.workflows.timezone import coerce_datetime
from airstream.workflows.variables import ConnectionAccessor, VariableAccessor
from airstream.workflows.xcom_arg import XCOM_RETURN_KEY

if TYPE_CHECKING:
    from airstream.workflows.baseoperator import AbstractOperator
    from airstream.workflows.dag import DAG

#: What ``execute(context)`` receives; keys as in Airflow 3.
Context = dict[str, Any]

_CURRENT: contextvars.ContextVar[Context | None] = contextvars.ContextVar(
    "current_context", default=None
)


def get_current_context() -> Context:
    """The context of the task now executing (inside a ``@task`` function, say)."""
    context = _CURRENT.get()
    if context is None:
        raise AirflowException(
            "Current context was requested but no context was found! Are you running within "
            "an Airflow task?"
        )
    return context


def set_current_context(context: Context | None) -> contextvars.Token[Context | None]:
    return _CURRENT.set(context)


def reset_current_context(token: contextvars.Token[Context | None]) -> None:
    _CURRENT.reset(token)


class RuntimeTaskInstance:
    """The ``ti`` / ``task_instance`` of the context: XComs and facts about this attempt."""

    def __init__(
        self,
        record: TaskInstanceRecord,
        task: AbstractOperator,
        dag: DAG,
        dag_run: DagRunRecord,
        store: ExecutionStore,
        log: logging.Logger,
    ) -> None:
        self.record = record
        self.task = task
        self.dag = dag
        self.dag_run = dag_run
        self.store = store
        self.log = log
        self.skipped_task_ids: list[str] = []
        #: Starts a run of another DAG (TriggerDagRunOperator); set by the runner.
        self.trigger_dag: Callable[..., Any] | None = None

    # Facts Airflow users read off the ti.
    dag_id = property(lambda self: self.record.dag_id)
    task_id = property(lambda self: self.record.task_id)
    run_id = property(lambda self: self.record.run_id)
    map_index = property(lambda self: self.record.map_index)
    try_number = property(lambda self: self.record.try_number)
    max_tries = property(lambda self: self.record.max_tries)
    state = property(lambda self: self.record.state)
    start_date = property(lambda self: coerce_datetime(self.record.start_date))
    end_date = property(lambda self: coerce_datetime(self.record.end_date))
    logical_date = property(lambda self: coerce_datetime(self.dag_run.logical_date))
    hostname = property(lambda self: socket.gethostname())
    operator = property(lambda self: type(self.task).__name__)

    def xcom_push(self, key: str, value: Any) -> None:
        self.store.set_xcom(self.dag_id, self.run_id, self.task_id, self.map_index, key, value)

    def xcom_pull(
        self,
        task_ids: str | Iterable[str] | None = None,
        dag_id: str | None = None,
        key: str = XCOM_RETURN_KEY,
        include_prior_dates: bool = False,
        map_indexes: int | Iterable[int] | None = None,
        default: Any = None,
        run_id: str | None = None,
    ) -> Any:
        """One task id gives its value (a list over map indexes for a mapped task)."""
        dag_id = dag_id or self.dag_id
        run_id = run_id or self.run_id
        if task_ids is None:
            task_ids = self.task_id
        if isinstance(task_ids, str):
            return self._pull_one(dag_id, run_id, task_ids, key, map_indexes, default)
        return [self._pull_one(dag_id, run_id, t, key, map_indexes, default) for t in task_ids]

    def _pull_one(
        self,
        dag_id: str,
        run_id: str,
        task_id: str,
        key: str,
        map_indexes: int | Iterable[int] | None,
        default: Any,
    ) -> Any:
        if isinstance(map_indexes, int):
            value = self.store.get_xcom(dag_id, run_id, task_id, map_indexes, key)
            return default if value is MISSING else value
        same_dag_task = dag_id == self.dag_id and self.dag.has_task(task_id)
        if map_indexes is None and same_dag_task and self.map_index >= 0:
            from airstream.workflows.mapped_task_group import same_mapped_group

            if same_mapped_group(self.task, self.dag.get_task(task_id)):
                # Inside a mapped task group, a sibling's XCom is its copy for this index.
                value = self.store.get_xcom(dag_id, run_id, task_id, self.map_index, key)
                return default if value is MISSING else value
        mapped = same_dag_task and self.dag.get_task(task_id).is_mapped
        if map_indexes is None and not mapped:
            value = self.store.get_xcom(dag_id, run_id, task_id, -1, key)
            return default if value is MISSING else value
        indexes = (
            list(map_indexes)
            if map_indexes is not None
            else self.store.xcom_map_indexes(dag_id, run_id, task_id, key)
        )
        values = [self.store.get_xcom(dag_id, run_id, task_id, i, key) for i in indexes]
        return [v for v in values if v is not MISSING]

    def skip_tasks(self, task_ids: Iterable[str]) -> None:
        """Mark these (downstream) tasks skipped when this attempt succeeds (branching)."""
        self.skipped_task_ids.extend(task_ids)

    def get_first_reschedule_date(self) -> datetime | None:
        return self.record.first_try_start

    def get_dagrun(self) -> DagRunRecord:
        return self.dag_run

    def get_template_context(self) -> Context:
        context = _CURRENT.get()
        if context is None:
            raise AirflowException("No context: the task is not running")
        return context

    def __repr__(self) -> str:
        return f"<TaskInstance: {self.dag_id}.{self.task_id} {self.run_id} [{self.state}]>"


def build_context(
    ti: RuntimeTaskInstance, params: dict[str, Any], *, test_mode: bool = False
) -> Context:
    """The context dict for one attempt of one task instance."""
    run = ti.dag_run = with_pendulum_dates(ti.dag_run)
    logical = run.logical_date
    previous = _PreviousSuccess(ti.store, run)
    context: Context = {
        "conn": ConnectionAccessor(),
        "dag": ti.dag,
        "dag_run": run,
        "data_interval_start": run.data_interval_start,
        "data_interval_end": run.data_interval_end,
        "expanded_ti_count": None,
        "inlets": list(getattr(ti.task, "inlets", [])),
        "inlet_events": InletEventsAccessors(),
        "logical_date": logical,
        "macros": macros,
        "map_index_template": getattr(ti.task, "map_index_template", None),
        "outlets": list(getattr(ti.task, "outlets", [])),
        "outlet_events": OutletEventAccessors(),
        "params": params,
        "prev_data_interval_start_success": previous.field("data_interval_start"),
        "prev_data_interval_end_success": previous.field("data_interval_end"),
        "prev_start_date_success": previous.field("start_date"),
        "prev_end_date_success": previous.field("end_date"),
        "reason": None,
        "run_id": run.run_id,
        "start_date": run.start_date,
        "task": ti.task,
        "task_instance": ti,
        "ti": ti,
        "test_mode": test_mode,
        "triggering_asset_events": collections.defaultdict(list),
        "var": {"value": VariableAccessor(False), "json": VariableAccessor(True)},
    }
    if logical is not None:
        ds_nodash = logical.strftime("%Y%m%d")
        ts = logical.isoformat()
        context.update(
            ds=logical.strftime("%Y-%m-%d"),
            ds_nodash=ds_nodash,
            ts=ts,
            ts_nodash=logical.strftime("%Y%m%dT%H%M%S"),
            ts_nodash_with_tz=ts.replace("-", "").replace(":", ""),
            task_instance_key_str=f"{ti.dag_id}__{ti.task_id}__{ds_nodash}",
        )
    return context


def with_pendulum_dates(run: DagRunRecord) -> DagRunRecord:
    """A copy of ``run`` whose dates are pendulum ``DateTime`` objects, as Airflow gives them."""
    return dataclasses.replace(
        run,
        logical_date=coerce_datetime(run.logical_date),
        data_interval_start=coerce_datetime(run.data_interval_start),
        data_interval_end=coerce_datetime(run.data_interval_end),
        run_after=coerce_datetime(run.run_after),
        start_date=coerce_datetime(run.start_date),
        end_date=coerce_datetime(run.end_date),
    )


class _PreviousSuccess:
    """The run's latest earlier successful run, looked up once, on first use.

    As in Airflow 3, the ``prev_*_success`` values are lazy proxies: most tasks never read
    them, and the lookup is a query per attempt otherwise.
    """

    def __init__(self, store: ExecutionStore, run: DagRunRecord) -> None:
        self._store, self._run = store, run
        self._found: Any = MISSING

    def get(self) -> DagRunRecord | None:
        if self._found is MISSING:
            found = self._store.previous_success(self._run)
            self._found = with_pendulum_dates(found) if found is not None else None
        return self._found  # type: ignore[no-any-return]

    def field(self, name: str) -> Any:
        return lazy_object_proxy.Proxy(lambda: getattr(self.get(), name, None))
