"""One task attempt inside its own process: claim the task instance, run it.

The attempt claims its task instance with a compare-and-set from ``queued`` to ``running``
(recording its pid and host), so an instance never runs twice at once; while it runs, the
zygote that forked it stamps ``last_heartbeat_at`` (see :mod:`airstream.executors.zygote`).
Running the attempt is :func:`airstream.workflows.task_runner.run_task_instance`, exactly
what ``dags test`` uses.
"""

from __future__ import annotations

import functools
import getpass
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from airstream.executors.base import TaskWorkload
from airstream.scheduler.dag_loader import DagLoader
from airstream.scheduler.dag_run_trigger import store_trigger
from airstream.scheduler.shared_execution_store import SharedExecutionStore
from airstream.store import MetadataStore
from airstream.store import records as rec
from airstream.store.engine import create_store_engine
from airstream.store.sql import SqlMetadataStore
from airstream.workflows.state import TaskInstanceState
from airstream.workflows.task_runner import RunEnvironment, SystemClock, run_task_instance

if TYPE_CHECKING:
    from airstream.workflows.dag import DAG

#: Exit code of an attempt that found its task instance already taken (not an error).
EXIT_NOT_CLAIMED = 3

#: What a claim returns: the claimed task instance row and its run.
Claimed = tuple[rec.TaskInstance, rec.DagRun]


@dataclass(frozen=True)
class TaskProcessConfig:
    """What every task process of one executor shares."""

    database_url: str
    log_folder: Path
    heartbeat_interval: float = 5.0


def now() -> datetime:
    return datetime.now(UTC)


@functools.cache
def host_and_user() -> tuple[str, str]:
    return socket.gethostname(), getpass.getuser()


def claim(store: MetadataStore, workload: TaskWorkload, task: Any) -> Claimed | None:
    """``queued`` → ``running`` as the next try (the same one when resuming), with this
    process's pid and host; the claimed row and its run.

    ``None`` if another process took it first. The try counts from here: if this process
    dies before the task's code even starts, the attempt is still one of the task's tries.
    """
    hostname, unixname = host_and_user()
    fields = {
        "pid": os.getpid(),
        "hostname": hostname,
        "unixname": unixname,
        "last_heartbeat_at": now(),
        **start_fields(task, now()),
    }
    return store.start_attempt(workload.key, fields, resuming=workload.resuming)


def start_fields(task: Any, started: datetime) -> dict[str, Any]:
    """The columns the runner writes when an attempt starts (see ``run_task_instance``)."""
    return {
        "start_date": started,
        "end_date": None,
        "duration": None,
        "max_tries": int(getattr(task, "retries", 0) or 0),
        "operator": getattr(task, "task_type", type(task).__name__),
    }


class ClaimClock(SystemClock):
    """The system clock, except that its first reading is the time the claim stored as the
    attempt's start date: the runner's start date and the stored one are the same."""

    def __init__(self, started: datetime) -> None:
        self._started: datetime | None = started

    def now(self) -> datetime:
        started, self._started = self._started, None
        return started or super().now()


def run_workload(
    workload: TaskWorkload,
    dag: DAG,
    config: TaskProcessConfig,
    store: SqlMetadataStore | None = None,
    outcome_stored: Callable[[], None] | None = None,
) -> int:
    """Run one attempt of ``workload`` (a task of ``dag``); returns the exit code.

    ``store`` is a warm store inherited from the zygote, if any. The scheduler checked the
    schema before starting us, so Alembic's check is skipped (milliseconds on the path from
    one task's end to the next one's start). ``outcome_stored`` is called as soon as the
    attempt's outcome is in the store, before this process tears down.
    """
    store = store or SqlMetadataStore(create_store_engine(config.database_url))
    try:
        code = _run_claimed(workload, dag, config, store)
        if code == 0 and outcome_stored is not None:
            outcome_stored()
        return code
    finally:
        store.close()


def _run_claimed(
    workload: TaskWorkload, dag: DAG, config: TaskProcessConfig, store: MetadataStore
) -> int:
    task = dag.get_task(workload.task_id)
    # The claim also stores what the runner's first save would: one write fewer per attempt.
    claimed = claim(store, workload, task)
    if claimed is None:
        return EXIT_NOT_CLAIMED
    row, run_row = claimed
    started = row.start_date or now()
    shared = SharedExecutionStore(store, dag)
    shared.start_stored = True
    # The claim cleared the previous try's XComs already (the runner would do it again).
    shared.xcoms_cleared = not workload.resuming
    run = shared.run_from_row(run_row)
    record = shared.record_from_row(row)
    # The runner increments the try number of a new try itself: hand it the one before.
    record.state = TaskInstanceState.SCHEDULED
    record.try_number = row.try_number - 1
    if workload.resuming:
        record.try_number = row.try_number
        record.state = TaskInstanceState.UP_FOR_RESCHEDULE
        reschedules = store.list_task_reschedules(workload.key, record.try_number)
        record.first_try_start = reschedules[0].start_date if reschedules else None
    env = RunEnvironment(
        dag=dag,
        dag_run=run,
        store=shared,
        clock=ClaimClock(started),
        log_folder=config.log_folder,
        trigger_dag=store_trigger(store, DagLoader().get),
    )
    run_task_instance(task, record, env)
    return 0
