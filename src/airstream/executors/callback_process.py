"""A callback workload inside its own process: a DAG run's callbacks, or a dead task's.

User code never runs in the scheduler: like a task attempt, callbacks run in a process forked
by the zygote. DAG callbacks log to ``<dag_id>/<run_id>/dag_callbacks.log`` under the log
folder; a dead task's callbacks append to the log of the attempt that died, where its user
looks for what happened.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from airstream.executors.base import TaskWorkload
from airstream.scheduler.shared_execution_store import SharedExecutionStore
from airstream.store.sql import SqlMetadataStore
from airstream.workflows.callbacks import run_dag_callbacks, run_task_callbacks
from airstream.workflows.execution_store import TaskInstanceRecord
from airstream.workflows.state import TaskInstanceState
from airstream.workflows.task_runner import (
    RunEnvironment,
    attempt_log_path,
    log_to_file,
    task_logger,
)

if TYPE_CHECKING:
    from airstream.executors.task_process import TaskProcessConfig
    from airstream.workflows.dag import DAG

DAG_CALLBACK_LOG = "dag_callbacks.log"
_MIN = datetime.min.replace(tzinfo=UTC)


def run_callback_workload(
    workload: TaskWorkload, dag: DAG, config: TaskProcessConfig, store: SqlMetadataStore
) -> int:
    """Call the callbacks ``workload`` names; exit code 0 even if a callback raised (that is
    logged: a callback's error changes no state)."""
    shared = SharedExecutionStore(store, dag)
    run = shared.get_dag_run(workload.dag_id, workload.run_id)
    if run is None:
        return 0  # the run was deleted meanwhile
    env = RunEnvironment(dag=dag, dag_run=run, store=shared, log_folder=config.log_folder)
    if workload.callback in ("dag_success", "dag_failure"):
        last = _last_task_instance(shared, workload)
        log = logging.getLogger("airstream.task.dag_callbacks")
        path = config.log_folder / workload.dag_id / workload.run_id / DAG_CALLBACK_LOG
        with _log_to(log, path):
            run_dag_callbacks(env, last, workload.reason, log)
        return 0
    row = store.get_ti(workload.ti_key)
    if row is None:
        return 0
    retrying = workload.callback == "task_retry"
    # The attempt that died, as the scheduler recorded it: the row may be on its next try.
    ti = dataclasses.replace(
        shared.record_from_row(row),
        try_number=workload.try_number or max(row.try_number, 1),
        state=TaskInstanceState.UP_FOR_RETRY if retrying else TaskInstanceState.FAILED,
    )
    log = task_logger(ti)
    with _log_to(log, attempt_log_path(config.log_folder, ti)):
        log.error("Task process ended without an outcome: %s", workload.reason)
        run_task_callbacks(env, ti, retrying, workload.reason, log)
    return 0


def _last_task_instance(
    shared: SharedExecutionStore, workload: TaskWorkload
) -> TaskInstanceRecord | None:
    """The ``ti`` of a DAG callback's context: a failed instance for a failure (Airflow
    shows the one that failed the run), else the one that finished last."""
    tis = shared.list_task_instances(workload.dag_id, workload.run_id)
    if workload.callback == "dag_failure":
        failed = [ti for ti in tis if ti.state == TaskInstanceState.FAILED]
        if failed:
            return max(failed, key=lambda ti: ti.end_date or ti.start_date or _MIN)
    ended = [ti for ti in tis if ti.end_date is not None]
    return max(ended, key=lambda ti: ti.end_date or _MIN) if ended else None


@contextlib.contextmanager
def _log_to(log: logging.Logger, path: Path) -> Iterator[None]:
    log.setLevel(logging.INFO)
    with log_to_file(log, path):
        yield
