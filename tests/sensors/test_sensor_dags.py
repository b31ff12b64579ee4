"""Sensors in poke and reschedule modes, with timeouts and soft_fail, from a DAG file."""

from __future__ import annotations

import pytest
from dag_cli import run_dag


def test_sensors(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    monkeypatch.setenv("AIRFLOW_VAR_SENSOR_FILE", __file__)
    run = run_dag("sensors")
    assert run.exit_code == 1  # the hard timeouts fail
    assert run.state("poke_python") == "success"
    assert len([line for line in run.log_lines("poke_python") if "Poking callable" in line]) == 3
    # Rescheduled pokes are separate attempts of the same try.
    assert (run.state("reschedule_python"), run.tries[("reschedule_python", -1)]) == ("success", 1)
    assert "RESCHEDULE POKE 3 try=1" in run.output
    assert run.state("reschedule_timeout") == "failed"
    assert run.state("soft_timeout") == "skipped"
    # A sensor timeout is not retried.
    assert (run.state("hard_timeout"), run.tries[("hard_timeout", -1)]) == ("failed", 1)
    for task_id in ("bash_sensor", "file_sensor", "date_time", "time_delta", "decorated_sensor"):
        assert run.state(task_id) == "success", task_id
    assert "SENSED=sensed" in run.output


def test_file_sensor_times_out_without_the_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW_VAR_SENSOR_FILE", "/nonexistent/airstream-sensor")
    from airstream.sensors.filesystem import FileSensor
    from airstream.workflows import DAG
    from airstream.workflows.dag_test import run_dag_test

    with DAG("file_wait", schedule=None) as d:
        FileSensor(
            task_id="wait", filepath="{{ var.value.sensor_file }}", poke_interval=0.01, timeout=0.05
        )
    result = run_dag_test(d)
    assert result.state_of("wait").value == "failed"
