"""A scheduler with a LocalExecutor serving in a thread of the test, over a real store."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from airstream.executors.base import BaseExecutor, TaskEvent, TaskWorkload
from airstream.executors.local import LocalExecutor, LocalExecutorConfig
from airstream.scheduler.loop import Scheduler, SchedulerConfig
from airstream.scheduler.run_creation import store_run
from airstream.store import MetadataStore, open_store
from airstream.store import records as rec
from airstream.store.records import TaskInstanceKey
from airstream.workflows.dag import DAG
from airstream.workflows.dagbag import DagBag
from airstream.workflows.task_runner import Clock
from airstream.workflows.timetables import DataInterval

FINAL_RUN_STATES = (rec.DagRunState.SUCCESS, rec.DagRunState.FAILED)


def register_dags(store: MetadataStore, folder: Path, paused: bool = False) -> DagBag:
    """Store a row per DAG of ``folder`` (what the DAG processor does), unpaused."""
    bag = DagBag(folder)
    assert not bag.import_errors, bag.import_errors
    for dag in bag.dags.values():
        # With the schedule's summary, as the processor stores it: the scheduler loads a
        # DAG without one ("None") only while it has runs.
        row = rec.DagModel(
            dag_id=dag.dag_id,
            fileloc=dag.fileloc,
            is_paused=paused,
            schedule=dag.timetable.summary,
        )
        store.upsert_dag(row)
    return bag


def trigger(
    store: MetadataStore, dag: DAG, conf: dict[str, Any] | None = None, run_id: str | None = None
) -> str:
    """Queue a manual run, as ``airstream dags trigger`` does."""
    now = datetime.now(UTC)
    run = store_run(
        store,
        dag,
        run_type=rec.DagRunType.MANUAL,
        logical_date=now,
        data_interval=DataInterval(now, now),
        run_after=now,
        triggered_by=rec.DagRunTriggeredBy.CLI,
        conf=conf,
        run_id=run_id,
    )
    return run.run_id


class RecordingExecutor(BaseExecutor):
    """Runs nothing: records what the scheduler queued (for decisions without processes)."""

    def __init__(self, parallelism: int = 32) -> None:
        self.parallelism = parallelism
        self.queued: list[TaskWorkload] = []
        self._running: set[TaskInstanceKey] = set()

    def start(self) -> None:
        pass

    def queue(self, workload: TaskWorkload) -> None:
        self.queued.append(workload)
        self._running.add(workload.key)

    def wait(self, timeout: float) -> list[TaskEvent]:
        return []

    def terminate(self, key: TaskInstanceKey) -> None:
        self._running.discard(key)

    @property
    def running(self) -> frozenset[TaskInstanceKey]:
        return frozenset(self._running)

    @property
    def open_slots(self) -> int:
        return self.parallelism - len(self._running)

    def end(self) -> None:
        self._running.clear()


class SchedulerHarness:
    """The store, the registered test DAGs, and a scheduler started on demand."""

    def __init__(self, url: str, tmp_path: Path, dags_folder: Path) -> None:
        self.url = url
        self.tmp_path = tmp_path
        self.store = open_store(url)
        self.bag = register_dags(self.store, dags_folder)
        self.log_folder = tmp_path / "logs"
        self.scheduler: Scheduler | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> SchedulerHarness:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
        self.store.close()

    def dag(self, dag_id: str) -> DAG:
        return self.bag.dags[dag_id]

    def trigger(
        self, dag_id: str, conf: dict[str, Any] | None = None, run_id: str | None = None
    ) -> str:
        return trigger(self.store, self.dag(dag_id), conf, run_id)

    def start(
        self, parallelism: int = 8, heartbeat_timeout: float = 60.0, clock: Clock | None = None
    ) -> Scheduler:
        executor = LocalExecutor(
            LocalExecutorConfig(self.url, self.log_folder, parallelism, heartbeat_interval=0.2)
        )
        config = SchedulerConfig(
            poll_interval=0.05,
            heartbeat_timeout=heartbeat_timeout,
            zombie_check_interval=min(5.0, heartbeat_timeout / 2),
        )
        self.scheduler = Scheduler(self.store, executor, config=config, clock=clock)
        self.scheduler.start()
        self._thread = threading.Thread(target=self.scheduler.serve, args=(self._stop,))
        self._thread.start()
        return self.scheduler

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None

    def wait_for_run(self, dag_id: str, run_id: str, timeout: float = 60) -> rec.DagRun:
        """The run once it is finished (fails the test if it takes longer than ``timeout``)."""
        return wait_for_run(self.store, dag_id, run_id, timeout)

    def tis(self, dag_id: str, run_id: str) -> dict[str, rec.TaskInstance]:
        return {
            ti.task_id if ti.map_index < 0 else f"{ti.task_id}[{ti.map_index}]": ti
            for ti in self.store.list_run_tis(dag_id, run_id)
        }


def wait_for_run(store: MetadataStore, dag_id: str, run_id: str, timeout: float) -> rec.DagRun:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = store.get_dag_run(dag_id, run_id)
        if run is not None and run.state in FINAL_RUN_STATES:
            return run
        time.sleep(0.05)
    raise AssertionError(
        f"run {run_id} of {dag_id} did not finish: {store.get_dag_run(dag_id, run_id)}"
    )
