"""LatestOnlyOperator, EmptyOperator wiring, and password masking in task output."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from dag_cli import run_dag


def test_latest_only_allows_manual_runs_and_masks_passwords(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_SECRET_DB", "postgres://admin:pa55-w0rd-x@h/db")
    run = run_dag("misc_operators")
    assert run.exit_code == 0, run.output
    assert run.state("after_latest") == "success"
    assert "connecting as admin with password ***" in run.output
    assert "pa55-w0rd-x" not in run.output


def _scheduled_run(logical_date: datetime) -> dict[str, str]:
    from airstream.operators.empty import EmptyOperator
    from airstream.operators.latest_only import LatestOnlyOperator
    from airstream.workflows import DAG
    from airstream.workflows.dag_test import run_dag_until_done
    from airstream.workflows.execution_store import MemoryExecutionStore
    from airstream.workflows.scheduling import create_dag_run
    from airstream.workflows.task_runner import RunEnvironment

    with DAG("latest", schedule="@daily", start_date=datetime(2024, 1, 1)) as dag:
        LatestOnlyOperator(task_id="latest_only") >> EmptyOperator(task_id="work")
    store = MemoryExecutionStore()
    run = create_dag_run(
        dag, store, logical_date=logical_date, run_type="scheduled", now=datetime.now(UTC)
    )
    run_dag_until_done(RunEnvironment(dag=dag, dag_run=run, store=store))
    return {ti.task_id: str(ti.state) for ti in store.list_task_instances("latest", run.run_id)}


def test_latest_only_skips_old_scheduled_runs() -> None:
    assert _scheduled_run(datetime(2024, 1, 1, tzinfo=UTC)) == {
        "latest_only": "success",
        "work": "skipped",
    }


def test_latest_only_lets_the_latest_scheduled_run_through() -> None:
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    assert _scheduled_run(today)["work"] == "success"
