"""DAG callbacks and a dead task's callbacks, called by the scheduler in processes of their own."""

from __future__ import annotations

import time
from pathlib import Path

from scheduler_harness import SchedulerHarness

from airstream.store import records as rec


def lines_when(path: Path, count: int, timeout: float = 30) -> list[str]:
    """The file's lines once it has ``count`` (callbacks run after the run's state is set)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and len(path.read_text().splitlines()) >= count:
            time.sleep(0.2)  # a further (unexpected) line would show up too
            return path.read_text().splitlines()
        time.sleep(0.05)
    raise AssertionError(
        f"{path} has not {count} lines: {path.read_text() if path.exists() else ''}"
    )


def test_dag_success_callback_sees_the_last_task(harness: SchedulerHarness, tmp_path: Path) -> None:
    out = tmp_path / "out.txt"
    harness.start()
    run_id = harness.trigger("callbacks_success", {"out": str(out)})
    assert harness.wait_for_run("callbacks_success", run_id).state == rec.DagRunState.SUCCESS
    assert lines_when(out, 1) == ["dag_success reason=success ti=second try=1"]
    log = harness.log_folder / "callbacks_success" / run_id / "dag_callbacks.log"
    assert log.exists()


def test_dag_failure_callback_sees_the_failed_task(
    harness: SchedulerHarness, tmp_path: Path
) -> None:
    out = tmp_path / "out.txt"
    harness.start()
    run_id = harness.trigger("callbacks_failure", {"out": str(out)})
    assert harness.wait_for_run("callbacks_failure", run_id).state == rec.DagRunState.FAILED
    assert lines_when(out, 1) == ["dag_failure reason=task_failure ti=broken try=1"]


def test_a_killed_task_gets_its_retry_then_failure_callbacks(
    harness: SchedulerHarness, tmp_path: Path
) -> None:
    out = tmp_path / "out.txt"
    harness.start()
    run_id = harness.trigger("callbacks_killed", {"out": str(out)})
    assert harness.wait_for_run("callbacks_killed", run_id).state == rec.DagRunState.FAILED
    lines = lines_when(out, 3)
    assert lines[0].startswith("task_retry exception=task process killed by signal 9")
    assert lines[0].endswith("ti=dies try=1")
    # The task's failure callbacks and the DAG's run in two processes started together (as
    # in Airflow, by different components): either may write first.
    task_failure, dag_failure = sorted(lines[1:], key=lambda line: line.startswith("dag_"))
    assert task_failure.startswith("task_failure exception=task process killed by signal 9")
    assert task_failure.endswith("ti=dies try=2")
    assert dag_failure == "dag_failure reason=task_failure ti=dies try=2"
    assert len(lines) == 3
    attempt_log = harness.log_folder / "callbacks_killed" / run_id / "dies" / "attempt=2.log"
    assert "Task process ended without an outcome" in attempt_log.read_text()


def test_a_timed_out_run_calls_the_failure_callback(
    harness: SchedulerHarness, tmp_path: Path
) -> None:
    out = tmp_path / "out.txt"
    harness.start()
    run_id = harness.trigger("callbacks_timeout", {"out": str(out)})
    assert harness.wait_for_run("callbacks_timeout", run_id).state == rec.DagRunState.FAILED
    (line,) = lines_when(out, 1)
    assert line.startswith("dag_failure reason=timed_out ti=slow")
