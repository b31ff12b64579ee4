"""TriggerDagRunOperator waits for the DAG it triggers; ExternalTaskSensor sees that run."""

from __future__ import annotations

from dag_cli import run_dag


def test_trigger_then_external_sensor() -> None:
    run = run_dag("trigger_source", "2024-07-01")
    assert run.exit_code == 0, run.output
    assert "TARGET conf={'source': 'trigger_source'} run_id=triggered__2024-07-01" in run.output
    assert run.state("trigger") == "success"
    assert run.state("wait_for_target") == "success"
