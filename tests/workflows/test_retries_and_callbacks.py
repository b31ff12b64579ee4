"""Retries, exponential backoff, fail-without-retry, timeouts and callbacks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dag_cli import run_dag

from airstream.operators.empty import EmptyOperator
from airstream.workflows import DAG
from airstream.workflows.execution_store import TaskInstanceRecord
from airstream.workflows.readiness import next_retry_datetime


def test_retries_timeouts_and_fail_exception() -> None:
    run = run_dag("retries")
    assert run.exit_code == 1
    assert (run.state("flaky"), run.tries[("flaky", -1)]) == ("success", 3)
    assert (run.state("backoff"), run.tries[("backoff", -1)]) == ("success", 3)
    assert (run.state("hopeless"), run.tries[("hopeless", -1)]) == ("failed", 2)
    assert (run.state("fatal"), run.tries[("fatal", -1)]) == ("failed", 1)
    assert run.state("too_slow") == "failed"
    assert "AirflowTaskTimeout" in run.output
    assert "Marking task as UP_FOR_RETRY" in "\n".join(run.log_lines("flaky"))


def test_callbacks_of_tasks_and_dag() -> None:
    run = run_dag("callbacks")
    assert run.exit_code == 0, run.output
    lines = [line.split(" - ", 1)[1] for line in run.output.splitlines() if "CALLBACK" in line]
    assert lines == [
        "CALLBACK execute retrying try=1",
        "CALLBACK retry retrying try=1",
        "CALLBACK execute retrying try=2",
        "CALLBACK success retrying try=2",
        "DAG CALLBACK success callbacks",
    ]


def _task(**kwargs: object) -> EmptyOperator:
    with DAG("backoff_dag", schedule=None):
        return EmptyOperator(task_id="t", **kwargs)  # type: ignore[arg-type]


def test_retry_delay_is_fixed_without_backoff() -> None:
    now = datetime(2024, 1, 1, tzinfo=UTC)
    task = _task(retry_delay=timedelta(seconds=30))
    ti = TaskInstanceRecord("backoff_dag", "r", "t", try_number=4)
    assert next_retry_datetime(task, ti, now, now) == now + timedelta(seconds=30)


def test_exponential_backoff_grows_and_is_capped() -> None:
    now = datetime(2024, 1, 1, tzinfo=UTC)
    task = _task(retry_delay=timedelta(seconds=10), retry_exponential_backoff=True)
    delays = []
    for try_number in (1, 2, 3, 4):
        ti = TaskInstanceRecord("backoff_dag", "r", "t", try_number=try_number)
        delays.append((next_retry_datetime(task, ti, now, now) - now).total_seconds())
    for try_number, delay in enumerate(delays, start=1):
        low = 10 * 2 ** (try_number - 1)
        assert low <= delay < 2 * low
    capped = _task(
        retry_delay=timedelta(seconds=10),
        retry_exponential_backoff=True,
        max_retry_delay=timedelta(seconds=25),
    )
    ti = TaskInstanceRecord("backoff_dag", "r", "t", try_number=5)
    assert next_retry_datetime(capped, ti, now, now) == now + timedelta(seconds=25)
