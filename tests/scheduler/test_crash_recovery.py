"""``kill -9`` of the scheduler mid-run, then a restart: the run completes, nothing is lost.

The scheduler runs as the real ``airstream scheduler`` command. Its task processes die with
it (the zygote kills them when the scheduler's end of the pipe closes); the restarted
scheduler finds their task instances still ``running`` with dead pids and fails those
attempts by their retry policy: ``survivor`` (one retry) runs again and succeeds,
``casualty`` (no retries) fails.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from scheduler_harness import register_dags, trigger, wait_for_run

from airstream.scheduler.recovery import pid_alive
from airstream.store import MetadataStore, open_store
from airstream.store import records as rec

DAGS = Path(__file__).parent / "dags"
TIS = rec.TaskInstanceState


class SchedulerProcess:
    """``airstream scheduler`` in a child process of the test."""

    def __init__(self, home: Path, url: str) -> None:
        self.env = {**os.environ, "AIRSTREAM_HOME": str(home), "AIRSTREAM_DATABASE_URL": url}
        self.home = home
        self.proc: subprocess.Popen[bytes] | None = None
        # The DAG rows are written by the test: no DAG processor whose parsing workers a
        # kill -9 would orphan.
        self.start_args = ["--dags-folder", str(DAGS), "--no-dag-processor"]

    def start(self) -> None:
        log = open(self.home / "scheduler.log", "ab")  # noqa: SIM115 - closed with the process
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "airstream", "scheduler", *self.start_args],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def scheduler_process(tmp_path: Path, database_url: str) -> Iterator[SchedulerProcess]:
    process = SchedulerProcess(tmp_path, database_url)
    yield process
    process.stop()


def running_pids(store: MetadataStore, run_id: str) -> dict[str, int]:
    return {
        ti.task_id: ti.pid
        for ti in store.list_run_tis("killed_midway", run_id)
        if ti.state == TIS.RUNNING and ti.pid is not None
    }


def test_kill_9_mid_run_then_restart_completes_the_run(
    scheduler_process: SchedulerProcess, database_url: str
) -> None:
    scheduler_process.start()
    store = open_store(database_url)
    try:
        bag = register_dags(store, DAGS)
        run_id = trigger(store, bag.dags["killed_midway"])
        wait_until(lambda: len(running_pids(store, run_id)) == 2, "both tasks to run")
        pids = running_pids(store, run_id)

        scheduler_process.kill()
        wait_until(lambda: not any(pid_alive(p) for p in pids.values()), "task processes to die")
        # Nobody is left to say so: the store still believes both are running.
        assert set(running_pids(store, run_id)) == {"survivor", "casualty"}

        scheduler_process.start()
        run = wait_for_run(store, "killed_midway", run_id, timeout=60)
        tis = {ti.task_id: ti for ti in store.list_run_tis("killed_midway", run_id)}
        assert run.state == rec.DagRunState.FAILED
        assert (tis["survivor"].state, tis["survivor"].try_number) == (TIS.SUCCESS, 2)
        assert (tis["casualty"].state, tis["casualty"].try_number) == (TIS.FAILED, 1)
        assert tis["survivor"].pid not in pids.values()
        xcom = store.get_xcom("killed_midway", run_id, "survivor")
        assert xcom is not None and xcom.value == 2
        assert store.list_tis() and all(ti.state != TIS.RUNNING for ti in store.list_tis())
    finally:
        store.close()
