"""Runs that share a store: depends_on_past, prev_* helpers, ExternalTaskSensor-style lookups."""

from __future__ import annotations

from datetime import UTC, datetime

from airstream.operators.python import PythonOperator
from airstream.workflows import DAG
from airstream.workflows.dag_test import run_dag_test
from airstream.workflows.execution_store import MemoryExecutionStore


def _dag(outcomes: dict[str, bool], seen: list[object]) -> DAG:
    def work(ds: str, prev_data_interval_start_success: object) -> None:
        seen.append(prev_data_interval_start_success)
        if not outcomes.get(ds, True):
            raise RuntimeError("planned failure")

    with DAG("past", schedule="@daily", start_date=datetime(2024, 1, 1)) as d:
        PythonOperator(task_id="work", python_callable=work, depends_on_past=True)
    return d


def test_depends_on_past_waits_for_the_previous_run() -> None:
    store = MemoryExecutionStore()
    seen: list[object] = []
    d = _dag({"2024-01-02": False}, seen)
    first = run_dag_test(d, logical_date=datetime(2024, 1, 1), store=store)
    assert first.succeeded
    second = run_dag_test(d, logical_date=datetime(2024, 1, 2), store=store)
    assert second.state_of("work").value == "failed"
    third = run_dag_test(d, logical_date=datetime(2024, 1, 3), store=store)
    # The previous run's instance failed: this one never becomes runnable.
    assert third.state_of("work") is None
    assert not third.succeeded
    assert seen == [None, datetime(2024, 1, 1, tzinfo=UTC)]
