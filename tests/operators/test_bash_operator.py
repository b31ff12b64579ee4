"""BashOperator and @task.bash, run from a DAG file."""

from __future__ import annotations

import pytest
from dag_cli import run_dag


def test_bash_operator_features(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRSTREAM_TEST_MARKER", "marker-value")
    run = run_dag("bash_features")
    assert run.exit_code == 1  # "fails" exits 2
    assert "ENV_ONLY=mine-nohome" in run.output  # env replaces the environment
    assert "APPENDED=mine-marker-value" in run.output  # append_env keeps it
    assert any(line.endswith("INFO - /tmp") for line in run.log_lines("in_cwd"))
    assert run.state("skip_99") == "skipped"
    assert run.state("skip_custom") == "skipped"
    assert run.state("fails") == "failed"
    assert "non-zero exit code 2" in run.output
    assert "TASK_BASH decorated 2024-01-01 manual__2024-01-01T00:00:00+00:00" in run.output
    assert run.state("from_function") == "success"
