"""``airflow.*`` names resolve to airstream objects, without shadowing a real Airflow."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

import airstream.compat as compat
from airstream.compat.aliases import ALIASES


@pytest.fixture(autouse=True)
def mapping_installed() -> None:
    assert compat.install()


@pytest.mark.parametrize("name", sorted(ALIASES))
def test_every_alias_imports(name: str) -> None:
    module = importlib.import_module(name)
    assert module.__all__, name


def test_objects_are_airstream_objects() -> None:
    from airflow import DAG
    from airflow.models.baseoperator import chain
    from airflow.operators.bash import BashOperator
    from airflow.providers.common.sql.operators.sql import SQLExecuteQueryOperator
    from airflow.providers.mysql.operators.mysql import MySqlOperator
    from airflow.providers.standard.operators.python import PythonOperator
    from airflow.sdk import Variable, task
    from airflow.sensors.base import BaseSensorOperator
    from airflow.utils.trigger_rule import TriggerRule

    import airstream.operators.bash
    import airstream.workflows

    assert DAG is airstream.workflows.DAG
    assert BashOperator is airstream.operators.bash.BashOperator
    assert chain is airstream.workflows.chain
    assert task is airstream.workflows.task
    assert SQLExecuteQueryOperator.__module__ == "airstream.operators.sql"
    assert issubclass(MySqlOperator, SQLExecuteQueryOperator)
    assert PythonOperator.__module__ == "airstream.operators.python"
    assert Variable.__module__ == "airstream.workflows.variables"
    assert BaseSensorOperator.__module__ == "airstream.sensors.base"
    assert TriggerRule.ONE_SUCCESS == "one_success"


def test_unknown_airflow_module_is_not_invented() -> None:
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("airflow.operators.not_a_module")


def _run(code: str, tmp_path: Path, extra_path: Path | None = None) -> str:
    env = {**os.environ}
    if extra_path is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(extra_path), env.get("PYTHONPATH", "")])
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
        check=True,
    )
    return proc.stdout.strip()


def test_a_real_airflow_is_not_shadowed_unless_forced(tmp_path: Path) -> None:
    fake = tmp_path / "site"
    (fake / "airflow").mkdir(parents=True)
    (fake / "airflow" / "__init__.py").write_text("REAL = True\n")
    code = (
        "import airstream.compat as c, airflow;print(c.install(), getattr(airflow, 'REAL', False))"
    )
    assert _run(code, tmp_path, fake) == "False True"
    forced = (
        "import airstream.compat as c; print(c.install(force=True));"
        "import airflow; print(hasattr(airflow, 'DAG'))"
    )
    assert _run(forced, tmp_path, fake).split() == ["True", "True"]


def test_not_active_until_installed(tmp_path: Path) -> None:
    code = (
        "import importlib.util, airstream.workflows;"
        "print(importlib.util.find_spec('airflow') is None)"
    )
    assert _run(code, tmp_path) == "True"


def test_a_dag_file_runs_itself_through_dag_test(tmp_path: Path) -> None:
    from dag_cli import DAGS

    env = {**os.environ, "AIRSTREAM_HOME": str(tmp_path)}
    proc = subprocess.run(
        [sys.executable, "-m", "airstream.compat", str(DAGS / "self_testing.py")],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "{hello} INFO - HELLO FROM DAG.TEST" in proc.stdout
    assert "{hello} INFO - Marking task as SUCCESS." in proc.stdout
