"""The issue's tutorial DAG, run unchanged through ``airstream dags test``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from dag_cli import DAGS, run_dag


def test_tutorial_runs_and_renders_ds() -> None:
    run = run_dag("mlops", "2023-01-05")
    assert run.exit_code == 0, run.output
    assert run.states == {
        ("print_date", -1): "success",
        ("sleep", -1): "success",
        ("templated", -1): "success",
    }
    assert any(line.endswith("INFO - 2023-01-05") for line in run.log_lines("templated"))
    assert "finished: success" in run.output


def test_tutorial_in_a_subprocess(tmp_path: Path) -> None:
    env = {**os.environ, "AIRSTREAM_HOME": str(tmp_path), "AIRSTREAM_DAGS_FOLDER": str(DAGS)}
    proc = subprocess.run(
        [sys.executable, "-m", "airstream", "dags", "test", "mlops", "2023-02-01"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "{templated} INFO - 2023-02-01" in proc.stdout
    assert "manual__2023-02-01T00:00:00+00:00" in proc.stdout
