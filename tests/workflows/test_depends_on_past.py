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


class CountingStore(MemoryExecutionStore):
    """Counts previous-success lookups (the one query ``prev_*_success`` costs)."""

    def __init__(self) -> None:
        super().__init__()
        self.lookups = 0

    def previous_success(self, run):  # type: ignore[no-untyped-def]
        self.lookups += 1
        return super().previous_success(run)


def test_prev_success_values_are_looked_up_only_when_read() -> None:
    store = CountingStore()
    seen: list[object] = []

    def reads(prev_start_date_success: datetime, prev_end_date_success: datetime) -> None:
        seen.append((prev_start_date_success.isoformat(), prev_end_date_success.isoformat()))

    with DAG("lazy", schedule="@daily", start_date=datetime(2024, 1, 1)) as d:
        PythonOperator(task_id="ignores", python_callable=lambda: None)
    assert run_dag_test(d, logical_date=datetime(2024, 1, 1), store=store).succeeded
    assert store.lookups == 0  # nobody read a prev_* value
    with DAG("lazy", schedule="@daily", start_date=datetime(2024, 1, 1)) as d:
        PythonOperator(task_id="reads", python_callable=reads)
    result = run_dag_test(d, logical_date=datetime(2024, 1, 2), store=store)
    assert result.succeeded
    # Two values read, one lookup; they are the first run's dates.
    assert store.lookups == 1
    first = store.get_dag_run("lazy", store.list_dag_runs("lazy")[0].run_id)
    assert first is not None and first.start_date is not None
    assert first.end_date is not None
    assert seen == [(first.start_date.isoformat(), first.end_date.isoformat())]
