"""Moving a DAG run forward: creating it, and applying readiness decisions to it.

:func:`create_dag_run` stores a new run with its task instances. :func:`schedule_step` is what
both ``dags test`` and the scheduler call between task attempts: it marks skipped /
upstream_failed instances, expands mapped tasks now that their upstream XComs exist, and marks
the ready ones ``scheduled``. The decisions themselves are the pure functions of
:mod:`airstream.workflows.readiness`.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from airstream.workflows.dag import DAG
from airstream.workflows.execution_store import (
    DagRunRecord,
    ExecutionStore,
    TaskInstanceRecord,
    use_store,
)
from airstream.workflows.mapped_task_group import mapped_group_of
from airstream.workflows.readiness import Decision, decide
from airstream.workflows.state import DagRunState, TaskInstanceState
from airstream.workflows.task_runner import RunEnvironment, task_logger, xcom_resolver
from airstream.workflows.timetables import as_utc

TIS = TaskInstanceState


def validated_conf(dag: DAG, conf: dict[str, Any]) -> dict[str, Any]:
    """Apply ``conf`` over the DAG's params and validate them all (ParamValidationError)."""
    params = dag.params.copy()
    for key, value in conf.items():
        if key in params:
            params[key] = value
    params.validate()
    return conf


def create_dag_run(
    dag: DAG,
    store: ExecutionStore,
    *,
    logical_date: datetime,
    conf: dict[str, Any] | None = None,
    run_id: str | None = None,
    run_type: str = "manual",
    triggered_by: str = "test",
    now: datetime,
) -> DagRunRecord:
    """Store a new run with one task instance (no state yet) per task."""
    logical_date = as_utc(logical_date)
    conf = validated_conf(dag, dict(conf or {}))
    interval = dag.timetable.infer_manual_data_interval(run_after=logical_date)
    run = DagRunRecord(
        dag_id=dag.dag_id,
        run_id=run_id or f"{run_type}__{logical_date.isoformat()}",
        logical_date=logical_date,
        data_interval_start=interval.start,
        data_interval_end=interval.end,
        run_after=logical_date,
        run_type=run_type,
        state=DagRunState.RUNNING,
        conf=conf,
        start_date=now,
        triggered_by=triggered_by,
    )
    store.save_dag_run(run)
    for task in dag.topological_sort():
        store.save_task_instance(
            TaskInstanceRecord(dag.dag_id, run.run_id, task.task_id, max_tries=task.retries)
        )
    return run


def previous_run_states(
    store: ExecutionStore, run: DagRunRecord
) -> dict[tuple[str, int], TaskInstanceState | None] | None:
    """The task states of the run before ``run`` (by logical date), for ``depends_on_past``."""
    previous = store.previous_run(run)
    if previous is None:
        return None
    return {ti.key: ti.state for ti in store.list_task_instances(run.dag_id, previous.run_id)}


def _needs_past(dag: DAG) -> bool:
    return any(getattr(task, "depends_on_past", False) for task in dag.tasks)


def schedule_step(env: RunEnvironment) -> bool:
    """Apply readiness decisions (skip, upstream_failed, expand, schedule); True if any."""
    store, run, dag = env.store, env.dag_run, env.dag
    tis = {ti.key: ti for ti in store.list_task_instances(run.dag_id, run.run_id)}
    # Only ``depends_on_past`` looks at the previous run: do not read it for DAGs without.
    previous = previous_run_states(store, run) if _needs_past(dag) else None
    decisions = decide(dag, tis.values(), previous)
    now = env.clock.now()
    changed = False
    decided: list[TaskInstanceRecord] = []
    for key, decision in decisions.items():
        ti = tis[key]
        if decision == Decision.WAIT:
            continue
        changed = True
        if decision in (Decision.SKIP, Decision.UPSTREAM_FAILED):
            ti.state = TIS.SKIPPED if decision == Decision.SKIP else TIS.UPSTREAM_FAILED
            ti.start_date = ti.end_date = now
            decided.append(ti)
        elif dag.get_task(ti.task_id).is_mapped and ti.map_index < 0:
            expand_mapped_task(env, ti, now)
        else:
            ti.state = TIS.SCHEDULED
            decided.append(ti)
    store.save_task_instances(decided)  # one transaction, not one per instance
    return changed


def expand_mapped_task(env: RunEnvironment, ti: TaskInstanceRecord, now: datetime) -> None:
    """Replace the placeholder of a mapped task by one task instance per mapped value."""
    task: Any = env.dag.get_task(ti.task_id)
    logger = task_logger(ti)
    try:
        with use_store(env.store):
            count = len(task.expand_kwargs_list(xcom_resolver(env, logger)))
    except Exception:
        logger.exception("Failed to expand mapped task")
        ti.state, ti.start_date, ti.end_date = TIS.UPSTREAM_FAILED, now, now
        env.store.save_task_instance(ti)
        return
    if count == 0:
        ti.state, ti.start_date, ti.end_date = TIS.SKIPPED, now, now
        env.store.save_task_instance(ti)
        return
    env.store.delete_task_instance(ti)
    # A copy in a mapped task group waits for its own upstream copies (readiness decides).
    state = None if mapped_group_of(task) is not None else TIS.SCHEDULED
    for index in range(count):
        env.store.save_task_instance(replace(ti, map_index=index, state=state))
