"""``airstream dags list | list-import-errors | show | test``."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from airstream.cli import main

DAGS = Path(__file__).resolve().parents[1] / "dags"


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("AIRSTREAM_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("AIRSTREAM_DAGS_FOLDER", str(DAGS))
    return tmp_path / "home"


def test_list_json_and_yaml(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["dags", "list", "-o", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    by_id = {row["dag_id"]: row for row in rows}
    assert by_id["mlops"]["fileloc"] == str(DAGS / "tutorial.py")
    assert by_id["taskflow_etl"]["tags"] == "taskflow"
    assert main(["dags", "list", "-o", "yaml"]) == 0
    assert '- dag_id: "mlops"' in capsys.readouterr().out


def test_dags_folder_from_home(
    home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("AIRSTREAM_DAGS_FOLDER")
    (home / "dags").mkdir(parents=True)
    shutil.copy(DAGS / "tutorial.py", home / "dags" / "tutorial.py")
    assert main(["dags", "list", "-o", "plain"]) == 0
    assert capsys.readouterr().out.split() == ["mlops"]


def test_list_import_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "broken"
    shutil.copytree(DAGS / "import_errors", folder)
    (folder / "syntax_error.py").write_text("from airflow import DAG\nDAG('x'\n")
    assert main(["dags", "list-import-errors", "--dags-folder", str(folder), "-o", "json"]) == 0
    errors = {Path(e["filepath"]).name: e for e in json.loads(capsys.readouterr().out)}
    assert set(errors) == {"syntax_error.py", "missing_module.py", "cycle.py", "duplicate_task.py"}
    assert errors["cycle.py"]["lineno"] == 6
    assert errors["duplicate_task.py"]["error"].startswith("DuplicateTaskIdFound")
    code = main(["dags", "list-import-errors", "--dags-folder", str(folder), "--fail-on-errors"])
    assert code == 1
    assert main(["dags", "list", "--dags-folder", str(folder), "-o", "plain"]) == 0
    captured = capsys.readouterr()
    assert "still_loads" in captured.out


def test_show_text_graph_and_dot(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["dags", "show", "mlops"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "DAG: mlops",
        "print_date <BashOperator>",
        "├── sleep <BashOperator>",
        "└── templated <BashOperator>",
    ]
    assert main(["dags", "show", "branching", "--dot"]) == 0
    dot = capsys.readouterr().out
    assert '"pick" -> "left" [label="day one"];' in dot


def test_test_unknown_dag_and_bad_conf(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["dags", "test", "no_such_dag"]) == 1
    assert "no_such_dag not found" in capsys.readouterr().err
    assert main(["dags", "test", "params", "-c", "[1, 2]"]) == 1
    assert "conf must be a JSON object" in capsys.readouterr().err


def test_help_lists_subcommands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["dags", "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for command in ("list", "list-import-errors", "show", "test"):
        assert command in out


def test_runs_are_kept_in_the_metadata_database(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from airstream.store import open_store

    assert main(["dags", "test", "xcoms", "2024-01-01"]) == 0
    assert main(["dags", "test", "xcoms", "2024-01-01"]) == 0  # the same run is replaced
    assert main(["dags", "test", "retries", "2024-01-02"]) == 1
    capsys.readouterr()
    run_id = "manual__2024-01-01T00:00:00+00:00"
    with open_store(f"sqlite:///{home / 'airstream.db'}") as store:
        run = store.get_dag_run("xcoms", run_id)
        assert run is not None and run.state == "success"
        states = {ti.task_id: ti.state for ti in store.list_run_tis("xcoms", run_id)}
        assert set(states.values()) == {"success"} and len(states) == 5
        xcom = store.get_xcom("xcoms", run_id, "bash_out")
        assert xcom is not None and xcom.value == "last-line"
    assert main(["dags", "list-runs", "xcoms", "-o", "json"]) == 0
    runs = json.loads(capsys.readouterr().out)
    assert [(r["run_id"], r["state"]) for r in runs] == [(run_id, "success")]
    assert main(["dags", "state", "retries", "2024-01-02"]) == 0
    assert capsys.readouterr().out.strip() == "failed"
    assert main(["dags", "state", "retries", "manual__2024-01-02T00:00:00+00:00"]) == 0
    assert capsys.readouterr().out.strip() == "failed"
    assert main(["dags", "state", "retries", "2030-01-01"]) == 1


def test_no_db_keeps_nothing(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["dags", "test", "xcoms", "2024-01-01", "--no-db"]) == 0
    assert not (home / "airstream.db").exists()


def test_task_logs_are_written_per_attempt(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["dags", "test", "callbacks", "2024-01-01"]) == 0
    task_dir = home / "logs" / "callbacks" / "manual__2024-01-01T00:00:00+00:00" / "retrying"
    first = (task_dir / "attempt=1.log").read_text()
    second = (task_dir / "attempt=2.log").read_text()
    assert "first try fails" in first and "UP_FOR_RETRY" in first
    assert "Marking task as SUCCESS." in second and "first try fails" not in second
