"""One DAG run, in this process, start to finish: what ``airstream dags test`` does.

The loop asks :mod:`~airstream.workflows.readiness` what may run and runs it with
:mod:`~airstream.workflows.task_runner`; the scheduler uses the same two modules, so the
semantics are the same.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from airstream.workflows.callbacks import (
    REASON_SUCCESS,
    REASON_TASK_FAILURE,
    REASON_TIMED_OUT,
    run_dag_callbacks,
)
from airstream.workflows.dag import DAG
from airstream.workflows.execution_store import (
    DagRunRecord,
    ExecutionStore,
    MemoryExecutionStore,
    TaskInstanceRecord,
)
from airstream.workflows.readiness import dag_run_state, is_due, run_timed_out, try_due_at
from airstream.workflows.scheduling import create_dag_run, schedule_step
from airstream.workflows.state import FINISHED_STATES, DagRunState, TaskInstanceState
from airstream.workflows.task_runner import (
    Clock,
    RunEnvironment,
    SystemClock,
    run_task_instance,
)
from airstream.workflows.timetables import as_utc

TIS = TaskInstanceState
log = logging.getLogger("airstream.task.dag_run")


@dataclass
class DagRunResult:
    """The finished run and its task instances."""

    run: DagRunRecord
    task_instances: list[TaskInstanceRecord] = field(default_factory=list)

    @property
    def state(self) -> DagRunState:
        return self.run.state

    @property
    def succeeded(self) -> bool:
        return self.run.state == DagRunState.SUCCESS

    def state_of(self, task_id: str, map_index: int = -1) -> TaskInstanceState | None:
        for ti in self.task_instances:
            if ti.task_id == task_id and ti.map_index == map_index:
                return ti.state
        raise KeyError((task_id, map_index))


def run_dag_until_done(
    env: RunEnvironment, on_task_done: Callable[[TaskInstanceRecord], None] | None = None
) -> DagRunRecord:
    """Schedule and run task instances until none can make progress; set the run's state."""
    store, run, dag = env.store, env.dag_run, env.dag
    order = {t.task_id: i for i, t in enumerate(dag.topological_sort())}
    last: TaskInstanceRecord | None = None
    reason = REASON_TASK_FAILURE
    while True:
        if run_timed_out(dag, run.start_date, env.clock.now()):
            reason = REASON_TIMED_OUT
            log.error("Run %s timed out after %s", run.run_id, dag.dagrun_timeout)
            _skip_unfinished(env, env.clock.now())
            run.state = DagRunState.FAILED
            break
        changed = schedule_step(env)
        tis = store.list_task_instances(run.dag_id, run.run_id)
        now = env.clock.now()
        due = sorted(
            (ti for ti in tis if is_due(ti, now, dag.get_task(ti.task_id), run.logical_date)),
            key=lambda t: (order[t.task_id], t.map_index),
        )
        if due:
            last = run_task_instance(dag.get_task(due[0].task_id), due[0], env)
            if on_task_done is not None:
                on_task_done(last)
            if dag.fail_fast and last.state == TIS.FAILED:
                _skip_unfinished(env, now)
            continue
        if changed:
            continue
        waiting = [
            try_due_at(ti, dag.get_task(ti.task_id), run.logical_date) or now
            for ti in tis
            if ti.state in (TIS.UP_FOR_RETRY, TIS.UP_FOR_RESCHEDULE)
        ]
        if waiting:
            env.clock.sleep((min(waiting) - now).total_seconds())
            continue
        break
    tis = store.list_task_instances(run.dag_id, run.run_id)
    state = DagRunState.FAILED if run.state == DagRunState.FAILED else dag_run_state(dag, tis)
    if state is None:
        log.error(
            "Deadlock: task instances %s can never run; marking run failed",
            sorted(ti.task_id for ti in tis if ti.state not in FINISHED_STATES),
        )
        state = DagRunState.FAILED
    run.state = state
    run.end_date = env.clock.now()
    store.save_dag_run(run)
    run_dag_callbacks(env, last, REASON_SUCCESS if state == DagRunState.SUCCESS else reason, log)
    return run


def _skip_unfinished(env: RunEnvironment, now: datetime) -> None:
    for ti in env.store.list_task_instances(env.dag_run.dag_id, env.dag_run.run_id):
        if ti.state not in FINISHED_STATES:
            ti.state, ti.end_date = TIS.SKIPPED, now
            env.store.save_task_instance(ti)


def run_dag_test(
    dag: DAG,
    *,
    logical_date: datetime | None = None,
    conf: dict[str, Any] | None = None,
    store: ExecutionStore | None = None,
    clock: Clock | None = None,
    log_folder: Path | None = None,
    trigger_dag: Callable[..., Any] | None = None,
    run_id: str | None = None,
) -> DagRunResult:
    """Create a manual run of ``dag`` and run it to the end in this process."""
    clock = clock or SystemClock()
    store = store if store is not None else MemoryExecutionStore()
    now = clock.now()
    logical_date = as_utc(logical_date or now)
    run_id = run_id or f"manual__{logical_date.isoformat()}"
    if store.get_dag_run(dag.dag_id, run_id) is not None:
        # As Airflow's ``dags test``: a run with the same id is replaced.
        store.delete_dag_run(dag.dag_id, run_id)
    run = create_dag_run(dag, store, logical_date=logical_date, conf=conf, run_id=run_id, now=now)
    env = RunEnvironment(
        dag=dag,
        dag_run=run,
        store=store,
        clock=clock,
        test_mode=True,
        log_folder=log_folder,
        trigger_dag=trigger_dag,
    )
    run_dag_until_done(env)
    tis = store.list_task_instances(dag.dag_id, run.run_id)
    order = {t.task_id: i for i, t in enumerate(dag.topological_sort())}
    tis.sort(key=lambda t: (order.get(t.task_id, 0), t.map_index))
    return DagRunResult(run, tis)


def in_process_trigger(
    find_dag: Callable[[str], DAG],
    store: ExecutionStore,
    clock: Clock,
    log_folder: Path | None = None,
) -> Callable[..., Any]:
    """What TriggerDagRunOperator calls under ``dags test``: store the new run, and run it
    here to the end when the operator waits for completion."""
    from airstream.workflows.exceptions import DagRunAlreadyExists

    def trigger(
        *,
        dag_id: str,
        run_id: str,
        conf: dict[str, Any],
        logical_date: datetime,
        wait: bool,
        reset: bool = False,
    ) -> str:
        dag = find_dag(dag_id)
        existing = store.get_dag_run(dag_id, run_id)
        if existing is not None and not reset:
            raise DagRunAlreadyExists(
                f"A Dag Run already exists for dag id {dag_id} and run id {run_id}"
            )
        if existing is not None:
            store.delete_dag_run(dag_id, run_id)
        run = create_dag_run(
            dag,
            store,
            logical_date=logical_date,
            conf=conf,
            run_id=run_id,
            triggered_by="operator",
            now=clock.now(),
        )
        if not wait:
            run.state = DagRunState.QUEUED
            store.save_dag_run(run)
            return str(run.state)
        env = RunEnvironment(
            dag=dag,
            dag_run=run,
            store=store,
            clock=clock,
            test_mode=True,
            log_folder=log_folder,
            trigger_dag=trigger,
        )
        return str(run_dag_until_done(env).state)

    return trigger
