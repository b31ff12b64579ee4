"""Callbacks that run outside a task's own attempt: a DAG's, and a dead task's.

``on_success_callback``/``on_failure_callback`` of a DAG run when the run ends (``dags test``
calls them in its own process, the scheduler in a process of its own, as Airflow runs them
in its DAG processor). A task whose process died (killed, out of memory, a zombie) never got
to call its ``on_failure_callback``/``on_retry_callback``; the scheduler fails the attempt and
has them called here, with the context the task would have seen.
"""

from __future__ import annotations

import logging
from typing import Any

from airstream.workflows.context import RuntimeTaskInstance, build_context
from airstream.workflows.execution_store import TaskInstanceRecord, use_store
from airstream.workflows.state import DagRunState
from airstream.workflows.task_runner import RunEnvironment, output_to_log, run_params

#: ``context["reason"]`` of DAG callbacks, as Airflow sets it.
REASON_SUCCESS = "success"
REASON_TASK_FAILURE = "task_failure"
REASON_TIMED_OUT = "timed_out"


def dag_callbacks_for(dag: Any, state: DagRunState | str) -> list[Any]:
    """The DAG's callbacks for a run that ended in ``state`` (none if it has none)."""
    success = DagRunState(str(state)) == DagRunState.SUCCESS
    callbacks = dag.on_success_callback if success else dag.on_failure_callback
    return _as_list(callbacks)


def task_callbacks_for(task: Any, retrying: bool) -> list[Any]:
    """The task's ``on_retry_callback`` (retrying) or ``on_failure_callback``."""
    name = "on_retry_callback" if retrying else "on_failure_callback"
    return _as_list(getattr(task, name, None))


def run_dag_callbacks(
    env: RunEnvironment, last: TaskInstanceRecord | None, reason: str, log: logging.Logger
) -> int:
    """Call the callbacks for ``env.dag_run``'s final state; returns how many failed.

    ``last`` is the task instance the context shows as ``ti`` (Airflow's: the last one
    that finished, or a failed one); without one, the DAG's first task stands in.
    """
    dag, run = env.dag, env.dag_run
    callbacks = dag_callbacks_for(dag, run.state)
    if not callbacks:
        return 0
    record = last or TaskInstanceRecord(dag.dag_id, run.run_id, dag.task_ids[0])
    task = dag.get_task(record.task_id)
    runtime = RuntimeTaskInstance(record, task, dag, run, env.store, log)
    with use_store(env.store):
        context = build_context(runtime, run_params(env, task), test_mode=env.test_mode)
    context["reason"] = reason
    return _call(callbacks, context, env, log, f"DAG {run.state} callback")


def run_task_callbacks(
    env: RunEnvironment,
    ti: TaskInstanceRecord,
    retrying: bool,
    reason: str,
    log: logging.Logger,
) -> int:
    """Call the failure (or retry) callbacks of a task whose process died; returns how many
    failed. The context carries an ``exception`` saying what happened to the process."""
    task = env.dag.get_task(ti.task_id)
    callbacks = task_callbacks_for(task, retrying)
    if not callbacks:
        return 0
    runtime = RuntimeTaskInstance(ti, task, env.dag, env.dag_run, env.store, log)
    with use_store(env.store):
        context = build_context(runtime, run_params(env, task), test_mode=env.test_mode)
    context["exception"] = RuntimeError(reason)
    kind = "retry" if retrying else "failure"
    return _call(callbacks, context, env, log, f"task {kind} callback")


def _call(
    callbacks: list[Any], context: Any, env: RunEnvironment, log: logging.Logger, what: str
) -> int:
    failed = 0
    for callback in callbacks:
        try:
            with use_store(env.store), output_to_log(log):
                callback(context)
        except Exception:
            failed += 1
            log.exception("Error in %s %s", what, getattr(callback, "__name__", callback))
    return failed


def _as_list(callbacks: Any) -> list[Any]:
    if not callbacks:
        return []
    return list(callbacks) if isinstance(callbacks, list | tuple) else [callbacks]


__all__ = [
    "REASON_SUCCESS",
    "REASON_TASK_FAILURE",
    "REASON_TIMED_OUT",
    "dag_callbacks_for",
    "run_dag_callbacks",
    "run_task_callbacks",
    "task_callbacks_for",
]
