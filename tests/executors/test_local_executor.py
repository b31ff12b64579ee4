"""The LocalExecutor with real task processes forked from its zygote, on SQLite."""

from __future__ import annotations

import os
import textwrap
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from airstream.executors.base import TaskEvent, TaskWorkload
from airstream.executors.local import LocalExecutor, LocalExecutorConfig
from airstream.executors.task_process import EXIT_NOT_CLAIMED
from airstream.scheduler.run_creation import store_run
from airstream.store import MetadataStore, open_store
from airstream.store import records as rec
from airstream.workflows.dagbag import DagBag
from airstream.workflows.timetables import DataInterval

TIS = rec.TaskInstanceState

DAG_FILE = """
import os
import time
from datetime import datetime

from airflow import DAG
from airflow.operators.python import PythonOperator

with DAG("tasks", schedule=None, start_date=datetime(2024, 1, 1)):
    PythonOperator(task_id="answer", python_callable=lambda: {answer})
    PythonOperator(task_id="crash", python_callable=lambda: os._exit(7))
    PythonOperator(task_id="sleeper", python_callable=lambda: time.sleep(60))
"""


class Setup:
    def __init__(self, tmp_path: Path) -> None:
        self.url = f"sqlite:///{tmp_path / 'airstream.db'}"
        self.store: MetadataStore = open_store(self.url)
        self.runs = 0
        self.pending: list[TaskEvent] = []
        self.dag_file = tmp_path / "dags" / "tasks.py"
        self.dag_file.parent.mkdir()
        self.write_dag(42)
        self.logs = tmp_path / "logs"
        config = LocalExecutorConfig(self.url, self.logs, parallelism=4, heartbeat_interval=0.1)
        self.executor = LocalExecutor(config)

    def write_dag(self, answer: int) -> None:
        self.dag_file.write_text(textwrap.dedent(DAG_FILE.format(answer=answer)))
        # A distinct modification time even within the file system's timestamp granularity.
        stamp = time.time_ns() + self.runs * 10**9
        os.utime(self.dag_file, ns=(stamp, stamp))

    def new_run(self) -> str:
        self.runs += 1
        dag = DagBag(self.dag_file).dags["tasks"]
        now = datetime.now(UTC)
        run = store_run(
            self.store,
            dag,
            run_type=rec.DagRunType.MANUAL,
            logical_date=now,
            data_interval=DataInterval(now, now),
            run_after=now,
            triggered_by=rec.DagRunTriggeredBy.TEST,
            run_id=f"run_{self.runs}",
        )
        self.store.set_dag_run_state("tasks", run.run_id, rec.DagRunState.RUNNING)
        return run.run_id

    def queue(self, run_id: str, task_id: str, *, mark_queued: bool = True) -> TaskWorkload:
        workload = TaskWorkload("tasks", run_id, task_id, -1, str(self.dag_file))
        if mark_queued:
            assert self.store.update_ti_state(workload.key, TIS.QUEUED)
        self.executor.queue(workload)
        return workload

    def next_event(self, timeout: float = 30) -> TaskEvent:
        deadline = time.monotonic() + timeout
        while not self.pending and time.monotonic() < deadline:
            self.pending += self.executor.wait(0.1)
        if not self.pending:
            raise AssertionError("no event from the executor")
        return self.pending.pop(0)

    def ti(self, run_id: str, task_id: str) -> rec.TaskInstance:
        ti = self.store.get_ti(rec.TaskInstanceKey("tasks", run_id, task_id))
        assert ti is not None
        return ti


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[Setup]:
    opened = Setup(tmp_path)
    opened.executor.start()
    yield opened
    opened.executor.end()
    opened.store.close()


def test_an_attempt_runs_in_its_own_process_and_reports_its_exit(setup: Setup) -> None:
    run_id = setup.new_run()
    workload = setup.queue(run_id, "answer")
    assert setup.executor.running == {workload.key}
    event = setup.next_event()
    assert (event.key, event.returncode, event.error) == (workload.key, 0, None)
    assert setup.executor.running == frozenset()
    # The event comes once the outcome is stored (possibly before the process has exited),
    # and only once: the process's exit is not reported again.
    ti = setup.ti(run_id, "answer")
    assert (ti.state, ti.try_number) == (TIS.SUCCESS, 1)
    assert setup.executor.wait(1.0) == []
    assert ti.pid is not None and ti.pid != os.getpid() and ti.hostname
    assert ti.last_heartbeat_at is not None
    entry = setup.store.get_xcom("tasks", run_id, "answer")
    assert entry is not None and entry.value == 42
    log = setup.logs / "tasks" / run_id / "answer" / "attempt=1.log"
    assert "Marking task as SUCCESS" in log.read_text()


def test_a_process_that_dies_is_reported_with_its_exit_code(setup: Setup) -> None:
    run_id = setup.new_run()
    setup.queue(run_id, "crash")
    assert setup.next_event().returncode == 7
    # No outcome was written: deciding what that means is the scheduler's job.
    assert setup.ti(run_id, "crash").state == TIS.RUNNING


def test_terminate_kills_the_attempt_and_heartbeats_stop(setup: Setup) -> None:
    run_id = setup.new_run()
    workload = setup.queue(run_id, "sleeper")
    first_beat = None
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        ti = setup.ti(run_id, "sleeper")
        if first_beat is None and ti.last_heartbeat_at is not None:
            first_beat = ti.last_heartbeat_at
        elif first_beat is not None and ti.last_heartbeat_at != first_beat:
            break  # the heartbeat thread stamped it again
        time.sleep(0.05)
    else:
        raise AssertionError("no heartbeat")
    setup.executor.terminate(workload.key)
    assert setup.next_event().returncode == -9


def test_an_instance_not_queued_is_not_run(setup: Setup) -> None:
    run_id = setup.new_run()
    setup.queue(run_id, "answer", mark_queued=False)
    assert setup.next_event().returncode == EXIT_NOT_CLAIMED
    ti = setup.ti(run_id, "answer")
    assert (ti.state, ti.try_number) == (TIS.NONE, 0)


def test_a_claimed_instance_is_never_run_twice(setup: Setup) -> None:
    run_id = setup.new_run()
    setup.queue(run_id, "answer")
    setup.executor.queue(TaskWorkload("tasks", run_id, "answer", -1, str(setup.dag_file)))
    codes = sorted(setup.next_event().returncode for _ in range(2))
    assert codes == [0, EXIT_NOT_CLAIMED]
    assert setup.ti(run_id, "answer").try_number == 1


def test_an_unknown_dag_is_reported_as_an_error(setup: Setup) -> None:
    setup.executor.queue(TaskWorkload("nope", "run", "task", -1, str(setup.dag_file)))
    event = setup.next_event()
    assert event.returncode == 1
    assert event.error is not None and "nope" in event.error


def test_a_changed_dag_file_is_loaded_again(setup: Setup) -> None:
    first = setup.new_run()
    setup.queue(first, "answer")
    setup.next_event()
    setup.write_dag(43)
    second = setup.new_run()
    setup.queue(second, "answer")
    setup.next_event()
    entry = setup.store.get_xcom("tasks", second, "answer")
    assert entry is not None and entry.value == 43


def _children(pid: int) -> list[tuple[int, str]]:
    """(pid, state) of the processes whose parent is ``pid``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # exited meanwhile
        if int(fields[1]) == pid:
            found.append((int(entry.name), fields[0]))
    return found


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc (Linux)")
def test_spares_forked_for_a_burst_of_work_exit_once_idle_and_are_reaped(setup: Setup) -> None:
    run_id = setup.new_run()
    setup.queue(run_id, "answer")
    assert setup.next_event().returncode == 0
    zygote = setup.executor._zygote
    assert zygote is not None
    # Spares wait for the next workloads, forked several at a time.
    assert len(_children(zygote.pid)) > 1
    deadline = time.monotonic() + 30
    while len(_children(zygote.pid)) > 1 and time.monotonic() < deadline:
        time.sleep(0.2)
    # Idle: one spare is left, and no exited process lingers unreaped (a zombie, "Z").
    (spare,) = _children(zygote.pid)
    assert spare[1] != "Z"
    run_id = setup.new_run()
    workload = setup.queue(run_id, "answer")
    assert setup.next_event().key == workload.key
    assert setup.ti(run_id, "answer").state == TIS.SUCCESS
