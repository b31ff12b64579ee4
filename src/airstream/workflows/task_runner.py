"""Running one attempt of one task instance: render, execute, push XComs, retry or fail.

Shared by ``dags test`` and the executors. The outcome is written to the
:class:`~airstream.workflows.execution_store.ExecutionStore`; exceptions from user code
never escape, they become the task instance's state plus a logged traceback.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from airstream.workflows.asset_events import add_asset_context, record_outlet_events
from airstream.workflows.context import (
    RuntimeTaskInstance,
    build_context,
    reset_current_context,
    set_current_context,
)
from airstream.workflows.exceptions import (
    AirflowException,
    AirflowFailException,
    AirflowRescheduleException,
    AirflowSensorTimeout,
    AirflowSkipException,
    AirflowTaskTerminated,
    AirflowTaskTimeout,
)
from airstream.workflows.execution_store import (
    DagRunRecord,
    ExecutionStore,
    TaskInstanceRecord,
    use_store,
)
from airstream.workflows.readiness import next_retry_datetime
from airstream.workflows.secrets_masker import SecretsMaskingFilter
from airstream.workflows.state import FINISHED_STATES, TaskInstanceState
from airstream.workflows.xcom_arg import XCOM_RETURN_KEY, XComArg

if TYPE_CHECKING:
    from airstream.workflows.baseoperator import AbstractOperator, BaseOperator
    from airstream.workflows.context import Context
    from airstream.workflows.dag import DAG

TIS = TaskInstanceState
TASK_LOGGER = "airstream.task"


class Clock(Protocol):
    """Time as the runner sees it; tests inject their own."""

    def now(self) -> datetime: ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """The real clock, in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def sleep(self, seconds: float) -> None:
        time.sleep(max(0.0, seconds))


@dataclass
class RunEnvironment:
    """Everything a task attempt needs besides the task itself."""

    dag: DAG
    dag_run: DagRunRecord
    store: ExecutionStore
    clock: Clock = field(default_factory=SystemClock)
    test_mode: bool = False
    #: Task logs go to ``<log_folder>/<dag_id>/<run_id>/<task_id>/attempt=<n>.log`` if set.
    log_folder: Path | None = None
    #: Triggers another DAG (TriggerDagRunOperator); set by whoever can run or queue DAGs.
    trigger_dag: Callable[..., Any] | None = None


class StreamToLogger(io.TextIOBase):
    """A text stream whose lines become log records: ``print`` in task code goes to the task
    log (and through secret masking), as under Airflow."""

    def __init__(self, log: logging.Logger, level: int) -> None:
        self.log = log
        self.level = level
        self._buffer = ""

    def write(self, text: str) -> int:
        self._buffer += text
        while "\n" in self._buffer:
            line, self._buffer = self._buffer.split("\n", 1)
            self.log.log(self.level, "%s", line)
        return len(text)

    def flush(self) -> None:
        if self._buffer:
            self.log.log(self.level, "%s", self._buffer)
            self._buffer = ""


@contextlib.contextmanager
def output_to_log(log: logging.Logger) -> Iterator[None]:
    out, err = StreamToLogger(log, logging.INFO), StreamToLogger(log, logging.WARNING)
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            yield
        finally:
            out.flush()
            err.flush()


class TaskLogFormatter(logging.Formatter):
    """``[2024-01-01T00:00:00.000+0000] {task_id} INFO - message``."""

    def __init__(self) -> None:
        super().__init__("[%(asctime)s] {%(task)s} %(levelname)s - %(message)s")

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        stamp = datetime.fromtimestamp(record.created, UTC)
        return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}+0000"

    def format(self, record: logging.LogRecord) -> str:
        name = record.name
        record.task = name[len(TASK_LOGGER) + 1 :] if name.startswith(TASK_LOGGER + ".") else name
        return super().format(record)


def task_log_handler(stream: Any = None) -> logging.Handler:
    """A handler printing task log lines (secrets masked) to ``stream`` (stdout by default)."""
    import sys

    handler = logging.StreamHandler(stream or sys.stdout)
    handler.setFormatter(TaskLogFormatter())
    handler.addFilter(SecretsMaskingFilter())
    return handler


@contextlib.contextmanager
def _attempt_log_file(
    env: RunEnvironment, ti: TaskInstanceRecord, log: logging.Logger
) -> Iterator[None]:
    if env.log_folder is None:
        yield
        return
    with log_to_file(log, attempt_log_path(env.log_folder, ti)):
        yield


def attempt_log_path(log_folder: Path, ti: TaskInstanceRecord) -> Path:
    """``<dag_id>/<run_id>/<task_id>[/map_index=<n>]/attempt=<try>.log`` under the folder."""
    task_dir = log_folder / ti.dag_id / ti.run_id / ti.task_id
    if ti.map_index >= 0:
        task_dir = task_dir / f"map_index={ti.map_index}"
    return task_dir / f"attempt={ti.try_number}.log"


@contextlib.contextmanager
def log_to_file(log: logging.Logger, path: Path) -> Iterator[None]:
    """Append ``log``'s records to ``path`` (task log format, secrets masked) meanwhile."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(TaskLogFormatter())
    handler.addFilter(SecretsMaskingFilter())
    log.addHandler(handler)
    try:
        yield
    finally:
        log.removeHandler(handler)
        handler.close()


@contextlib.contextmanager
def execution_timeout(seconds: float | None, on_timeout: Callable[[], None]) -> Iterator[None]:
    """Raise :class:`AirflowTaskTimeout` in this (main) thread after ``seconds``."""
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: Any) -> None:
        raise AirflowTaskTimeout(f"Timeout, PID: {os.getpid()}")

    previous = signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    except AirflowTaskTimeout:
        # Clean-up runs here, not in the signal handler: the handler may interrupt I/O.
        on_timeout()
        raise
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def xcom_resolver(env: RunEnvironment, log: logging.Logger) -> Callable[[XComArg], Any]:
    """Resolves XComArgs of this run (for expanding mapped tasks)."""

    def resolve(arg: XComArg) -> Any:
        record = TaskInstanceRecord(env.dag_run.dag_id, env.dag_run.run_id, "__resolver__")
        ti = RuntimeTaskInstance(record, arg.operator, env.dag, env.dag_run, env.store, log)
        return arg.resolve({"ti": ti})

    return resolve


def concrete_operator(
    task: AbstractOperator, ti: TaskInstanceRecord, env: RunEnvironment, log: logging.Logger
) -> BaseOperator:
    """The operator to run for ``ti``: a mapped task is unmapped for its map index."""
    from airstream.workflows.mapped_operator import MappedOperator

    if isinstance(task, MappedOperator):
        kwargs_list = task.expand_kwargs_list(xcom_resolver(env, log))
        if not 0 <= ti.map_index < len(kwargs_list):
            raise AirflowException(
                f"Task {task.task_id!r} is mapped into {len(kwargs_list)} task instances: "
                f"map index {ti.map_index} does not exist (pass one of "
                f"0..{len(kwargs_list) - 1}, e.g. `tasks test --map-index 0`)"
                if kwargs_list
                else f"Task {task.task_id!r} is mapped over an empty list: nothing to run"
            )
        return task.unmap(kwargs_list[ti.map_index])
    return task  # type: ignore[return-value]


def run_params(env: RunEnvironment, task: AbstractOperator) -> dict[str, Any]:
    params = env.dag.params.copy()
    params.update(getattr(task, "params", {}) or {})
    for key, value in (env.dag_run.conf or {}).items():
        params[key] = value
    return dict(params.items())


def _call_callbacks(callbacks: Any, context: Context, log: logging.Logger) -> None:
    if not callbacks:
        return
    for callback in callbacks if isinstance(callbacks, list | tuple) else [callbacks]:
        try:
            callback(context)
        except Exception:
            log.exception(
                "Error when executing %s callback", getattr(callback, "__name__", callback)
            )


def _push_result(op: BaseOperator, ti: RuntimeTaskInstance, result: Any) -> None:
    if not op.do_xcom_push or result is None:
        return
    if op.multiple_outputs:
        if not isinstance(result, dict):
            raise TypeError(
                f"Returned output was type {type(result)} expected dictionary for multiple_outputs"
            )
        for key, value in result.items():
            if not isinstance(key, str):
                raise TypeError(
                    "Returned dictionary keys must be strings when using multiple_outputs, "
                    f"found {key!r}"
                )
            ti.xcom_push(key, value)
    ti.xcom_push(XCOM_RETURN_KEY, result)


def _apply_skips(env: RunEnvironment, task_ids: list[str], now: datetime) -> None:
    wanted = set(task_ids)
    if not wanted:
        return  # the common case: no need to read every task instance of the run
    for other in env.store.list_task_instances(env.dag_run.dag_id, env.dag_run.run_id):
        if (
            other.task_id in wanted
            and other.state not in FINISHED_STATES
            and other.state != TIS.RUNNING
        ):
            other.state = TIS.SKIPPED
            other.start_date = other.start_date or now
            other.end_date = now
            env.store.save_task_instance(other)


def task_logger(ti: TaskInstanceRecord) -> logging.Logger:
    suffix = ti.task_id if ti.map_index < 0 else f"{ti.task_id}[{ti.map_index}]"
    return logging.getLogger(f"{TASK_LOGGER}.{suffix}")


def run_task_instance(
    task: AbstractOperator, ti: TaskInstanceRecord, env: RunEnvironment
) -> TaskInstanceRecord:
    """Run one attempt of ``ti`` and store its outcome; returns the updated record."""
    now = env.clock.now()
    resuming = ti.state == TIS.UP_FOR_RESCHEDULE
    if not resuming:
        ti.try_number += 1
        ti.first_try_start = None
        env.store.clear_xcoms(ti.dag_id, ti.run_id, ti.task_id, ti.map_index)
    ti.max_tries = int(getattr(task, "retries", 0) or 0)
    ti.state = TIS.RUNNING
    ti.start_date, ti.end_date, ti.next_try_at = now, None, None
    ti.first_try_start = ti.first_try_start or now
    ti.operator = getattr(task, "task_type", type(task).__name__)
    env.store.save_task_instance(ti)
    log = task_logger(ti)
    with _attempt_log_file(env, ti, log), output_to_log(log):
        _run_attempt(task, ti, env, log)
    env.store.save_task_instance(ti)
    return ti


def _run_attempt(
    task: AbstractOperator, ti: TaskInstanceRecord, env: RunEnvironment, log: logging.Logger
) -> None:
    op: Any = task
    runtime = RuntimeTaskInstance(ti, task, env.dag, env.dag_run, env.store, log)
    runtime.trigger_dag = env.trigger_dag
    context: Context = {"ti": runtime, "task_instance": runtime, "task": task}
    token = set_current_context(context)
    log.info(
        "Executing <Task(%s): %s> on %s (try %s of %s)",
        ti.operator,
        ti.task_id,
        env.dag_run.logical_date,
        ti.try_number,
        ti.max_tries + 1,
    )
    try:
        with use_store(env.store):
            op = concrete_operator(task, ti, env, log).prepare_for_execution()
            runtime.task = op
            context.clear()
            context.update(build_context(runtime, run_params(env, task), test_mode=env.test_mode))
            add_asset_context(context, env.store)  # asset events: asset_events.py
            if task.is_mapped:
                context["expanded_ti_count"] = _expanded_count(env, ti, task, log)
            _call_callbacks(op.on_execute_callback, context, log)
            ti.rendered_fields = op.render_template_fields(context) or _rendered(op)
            timeout = op.execution_timeout.total_seconds() if op.execution_timeout else None
            with execution_timeout(timeout, op.on_kill):
                op.pre_execute(context)
                result = op.execute(context)
                op.post_execute(context, result)
            _push_result(op, runtime, result)
            record_outlet_events(env.store, op, ti, context)  # asset events: asset_events.py
            ti.rendered_map_index = _render_map_index(op, ti, context)
        _apply_skips(env, runtime.skipped_task_ids, env.clock.now())
        _finish(ti, TIS.SUCCESS, env, log, "Marking task as SUCCESS.")
        _call_callbacks(op.on_success_callback, context, log)
    except AirflowSkipException as exc:
        _finish(
            ti,
            TIS.SKIPPED,
            env,
            log,
            f"Skipping task: {exc}" if str(exc) else "Marking task as SKIPPED.",
        )
        _call_callbacks(getattr(op, "on_skipped_callback", None), context, log)
    except AirflowRescheduleException as exc:
        ti.next_try_at = exc.reschedule_date
        _finish(
            ti,
            TIS.UP_FOR_RESCHEDULE,
            env,
            log,
            f"Rescheduling task, next poke at {exc.reschedule_date.isoformat()}",
        )
    except Exception as exc:
        _handle_failure(task, op, ti, env, log, exc, context)
    finally:
        reset_current_context(token)


def _expanded_count(
    env: RunEnvironment, ti: TaskInstanceRecord, task: Any, log: logging.Logger
) -> int:
    # From the expansion itself, not the stored instances: `tasks test` stores only one.
    return len(task.expand_kwargs_list(xcom_resolver(env, log)))


def _render_map_index(op: Any, ti: TaskInstanceRecord, context: Context) -> str | None:
    """The label of a mapped instance (``map_index_template``), rendered after execution so
    the task can set values it uses in the context."""
    template = getattr(op, "map_index_template", None)
    if ti.map_index < 0 or not template:
        return None
    from airstream.workflows.templating import template_env

    return str(template_env(op.dag, native=False).from_string(template).render(**context))


def _rendered(op: Any) -> dict[str, Any]:
    return {name: getattr(op, name, None) for name in op.template_fields}


def _finish(
    ti: TaskInstanceRecord,
    state: TaskInstanceState,
    env: RunEnvironment,
    log: logging.Logger,
    message: str,
) -> None:
    ti.state = state
    ti.end_date = env.clock.now()
    log.info(message)


def _handle_failure(
    task: AbstractOperator,
    op: Any,
    ti: TaskInstanceRecord,
    env: RunEnvironment,
    log: logging.Logger,
    exc: Exception,
    context: Context,
) -> None:
    log.error("Task failed with exception", exc_info=exc)
    context["exception"] = exc
    no_retry = isinstance(exc, (AirflowFailException, AirflowSensorTimeout, AirflowTaskTerminated))
    if not no_retry and ti.try_number <= ti.max_tries:
        ti.next_try_at = next_retry_datetime(task, ti, env.clock.now(), env.dag_run.logical_date)
        _finish(
            ti,
            TIS.UP_FOR_RETRY,
            env,
            log,
            f"Marking task as UP_FOR_RETRY; next try at {ti.next_try_at.isoformat()}",
        )
        _call_callbacks(getattr(op, "on_retry_callback", None), context, log)
        return
    _finish(ti, TIS.FAILED, env, log, "Marking task as FAILED.")
    _call_callbacks(getattr(op, "on_failure_callback", None), context, log)


def render_task_instance(
    task: AbstractOperator, ti: TaskInstanceRecord, env: RunEnvironment
) -> dict[str, Any]:
    """The rendered template fields of ``ti``, without running it (``tasks render``)."""
    log = task_logger(ti)
    runtime = RuntimeTaskInstance(ti, task, env.dag, env.dag_run, env.store, log)
    context: Context = {"ti": runtime, "task_instance": runtime, "task": task}
    token = set_current_context(context)
    try:
        with use_store(env.store):
            op = concrete_operator(task, ti, env, log).prepare_for_execution()
            runtime.task = op
            context.clear()
            context.update(build_context(runtime, run_params(env, task), test_mode=True))
            op.render_template_fields(context)
            return _rendered(op)
    finally:
        reset_current_context(token)
