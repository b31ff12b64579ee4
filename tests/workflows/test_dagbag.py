"""Loading a DAG folder: bad files become import errors with file, line and reason."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from dag_cli import DAGS

from airstream.workflows.dagbag import DagBag


@pytest.fixture
def broken_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "dags"
    shutil.copytree(DAGS / "import_errors", folder)
    (folder / "syntax_error.py").write_text(
        'from airflow import DAG\n\nwith DAG("syntax_error") as dag:\n    x = (\n'
    )
    (folder / "zz_duplicate_dag_id.py").write_text(
        "from airflow import DAG\n\ndag = DAG('still_loads')\n"
    )
    return folder


def test_each_failure_is_recorded_and_good_files_load(broken_folder: Path) -> None:
    bag = DagBag(broken_folder)
    assert bag.dag_ids == ["still_loads"]
    errors = {Path(name).name: error for name, error in bag.import_errors.items()}
    assert set(errors) == {
        "syntax_error.py",
        "missing_module.py",
        "cycle.py",
        "duplicate_task.py",
        "zz_duplicate_dag_id.py",
    }
    assert errors["syntax_error.py"].message.startswith("SyntaxError")
    assert errors["syntax_error.py"].lineno == 4
    assert "No module named 'not_a_real_module_anywhere'" in errors["missing_module.py"].message
    assert errors["missing_module.py"].lineno == 1
    assert "Cycle detected in DAG: cycle" in errors["cycle.py"].message
    assert errors["cycle.py"].lineno == 6
    assert "Task id 'same' has already been added" in errors["duplicate_task.py"].message
    assert errors["duplicate_task.py"].lineno == 8
    assert "also found in" in errors["zz_duplicate_dag_id.py"].message


def test_airflowignore_and_the_dag_heuristic(tmp_path: Path) -> None:
    folder = tmp_path / "dags"
    shutil.copytree(DAGS / "import_errors", folder)
    (folder / ".airflowignore").write_text("cycle\nduplicate_.*\nmissing\n")
    (folder / "sub").mkdir()
    (folder / "sub" / "nested.py").write_text("from airflow import DAG\ndag = DAG('nested_dag')\n")
    bag = DagBag(folder)
    assert bag.dag_ids == ["nested_dag", "still_loads"]
    assert bag.import_errors == {}


def test_tests_dag_folder_loads_cleanly() -> None:
    bag = DagBag(DAGS)
    assert bag.import_errors == {}
    assert {"mlops", "taskflow_etl", "mapping", "sensors", "sql_sqlite"} <= set(bag.dag_ids)
    assert bag.get_dag("mlops").relative_fileloc == "tutorial.py"


def test_slow_file_times_out_and_others_load(tmp_path: Path) -> None:
    folder = tmp_path / "dags"
    shutil.copytree(DAGS / "import_errors", folder)
    for name in ("cycle.py", "duplicate_task.py", "missing_module.py"):
        (folder / name).unlink()
    (folder / "slow.py").write_text(
        "import time\nfrom airflow import DAG\ntime.sleep(30)\ndag = DAG('slow')\n"
    )
    bag = DagBag(folder, import_timeout=0.2)
    assert bag.dag_ids == ["still_loads"]
    error = bag.import_errors[str(folder / "slow.py")]
    assert "DagBag import timeout" in error.message
    assert error.lineno == 3
