"""Params with validation, and Jinja templating with Airflow's context."""

from __future__ import annotations

import pytest
from dag_cli import run_dag


def test_params_defaults_and_conf() -> None:
    run = run_dag("params")
    assert run.exit_code == 0, run.output
    assert "hello world x2 conf={}" in run.output
    run = run_dag("params", conf={"count": 5, "name": "airstream"})
    assert run.exit_code == 0, run.output
    assert "hello airstream x5" in run.output


@pytest.mark.parametrize("conf", [{"count": 11}, {"count": "three"}, {"name": "x"}])
def test_invalid_params_refuse_the_run(conf: dict[str, object]) -> None:
    run = run_dag("params", conf=conf)
    assert run.exit_code == 1
    assert "Invalid input for param" in run.output
    assert not run.states


def test_template_context_files_macros_variables_connections(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AIRFLOW_VAR_GREETING", "hi")
    monkeypatch.setenv("AIRSTREAM_VAR_SETTINGS", '{"level": 3}')
    monkeypatch.setenv("AIRFLOW_CONN_TEMPL_DB", "postgres://u:pw@db.example:5432/x")
    run = run_dag("templating", "2024-01-15")
    assert run.exit_code == 0, run.output
    assert "script for 20240115 in templating" in run.output
    line = next(line for line in run.log_lines("context") if "ds=" in line and "echo" not in line)
    for expected in (
        "ds=2024-01-15",
        "nodash=20240115",
        "ts=2024-01-15T00:00:00+00:00",
        "start=2024-01-14 00:00:00+00:00",
        "end=2024-01-15 00:00:00+00:00",
        "run=manual__2024-01-15T00:00:00+00:00",
        "task=context ti=context",
        "week=2024-01-22",
        "fmt=15/01/2024",
        "proj=AIRSTREAM",
        "var=hi",
        "json=3",
        "host=db.example",
        "prev=None",
        "filter=20240115",
    ):
        assert expected in line, (expected, line)


def test_missing_variable_fails_the_task(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AIRFLOW_VAR_GREETING", raising=False)
    monkeypatch.delenv("AIRSTREAM_VAR_GREETING", raising=False)
    run = run_dag("templating")
    assert run.state("context") == "failed"
    assert "Variable greeting does not exist" in run.output


def test_render_template_as_native_obj() -> None:
    run = run_dag("templating_native")
    assert run.exit_code == 0, run.output
    assert "NATIVE type=list value=[1, 2, 3]" in run.output
