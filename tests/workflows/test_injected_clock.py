"""The run loop takes its time from an injected clock: retries wait on it, never on sleep."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from airstream.operators.python import PythonOperator
from airstream.workflows import DAG
from airstream.workflows.dag_test import run_dag_test


class FakeClock:
    """Time that only moves when the loop sleeps."""

    def __init__(self) -> None:
        self.current = datetime(2024, 1, 1, tzinfo=UTC)
        self.slept: list[float] = []

    def now(self) -> datetime:
        return self.current

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.current += timedelta(seconds=seconds)


def test_retry_delay_is_waited_on_the_clock() -> None:
    def fail_twice(ti) -> int:  # type: ignore[no-untyped-def]
        if ti.try_number < 3:
            raise RuntimeError("not yet")
        return ti.try_number

    with DAG("clocked", schedule=None) as d:
        PythonOperator(
            task_id="t",
            python_callable=fail_twice,
            retries=2,
            retry_delay=timedelta(hours=1),
        )
    clock = FakeClock()
    result = run_dag_test(d, logical_date=clock.now(), clock=clock)
    assert result.succeeded
    assert clock.slept == [3600.0, 3600.0]
    ti = result.task_instances[0]
    assert ti.try_number == 3
    assert ti.start_date == datetime(2024, 1, 1, 2, tzinfo=UTC)


def test_dagrun_timeout_skips_what_has_not_run() -> None:
    clock = FakeClock()

    def slow() -> None:
        clock.current += timedelta(hours=2)

    with DAG("timed", schedule=None, dagrun_timeout=timedelta(hours=1)) as d:
        first = PythonOperator(task_id="first", python_callable=slow)
        second = PythonOperator(task_id="second", python_callable=lambda: None)
        first >> second
    result = run_dag_test(d, logical_date=clock.now(), clock=clock)
    assert result.state.value == "failed"
    assert result.state_of("first").value == "success"
    assert result.state_of("second").value == "skipped"
