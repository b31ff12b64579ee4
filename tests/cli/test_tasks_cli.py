"""``airstream tasks list | test | render``."""

from __future__ import annotations

from pathlib import Path

import pytest

from airstream.cli import main

DAGS = Path(__file__).resolve().parents[1] / "dags"


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRSTREAM_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("AIRSTREAM_DAGS_FOLDER", str(DAGS))


def test_list(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["tasks", "list", "task_groups"]) == 0
    out = capsys.readouterr().out.split()
    assert out == sorted(out)
    assert {"extract.a", "extract.inner.b", "not_prefixed", "transform.show"} <= set(out)
    assert main(["tasks", "list", "mlops", "--tree"]) == 0
    assert "└── templated <BashOperator>" in capsys.readouterr().out


def test_test_runs_one_task_ignoring_dependencies(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["tasks", "test", "mlops", "templated", "2024-02-03"]) == 0
    out = capsys.readouterr().out
    assert "{templated} INFO - 2024-02-03" in out
    assert "print_date" not in out
    assert "Task templated finished: success" in out
    assert main(["tasks", "test", "bash_features", "fails"]) == 1


def test_render(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["tasks", "render", "mlops", "templated", "2024-02-03"]) == 0
    out = capsys.readouterr().out
    assert "# property: bash_command" in out
    assert "echo 2024-02-03" in out
    assert main(["tasks", "render", "templating", "script", "2024-02-03"]) == 0
    assert 'echo "script for 20240203 in templating"' in capsys.readouterr().out


def test_unknown_task(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["tasks", "test", "mlops", "nope"]) == 1
    assert "Task nope not found" in capsys.readouterr().err


def test_states_for_dag_run(capsys: pytest.CaptureFixture[str]) -> None:
    import json

    assert main(["dags", "test", "retries", "2024-03-04"]) == 1
    capsys.readouterr()
    args = ["tasks", "states-for-dag-run", "retries", "manual__2024-03-04T00:00:00+00:00"]
    assert main([*args, "-o", "json"]) == 0
    rows = {row["task_id"]: row for row in json.loads(capsys.readouterr().out)}
    assert (rows["flaky"]["state"], rows["flaky"]["try_number"]) == ("success", 3)
    assert (rows["fatal"]["state"], rows["fatal"]["try_number"]) == ("failed", 1)
    assert rows["flaky"]["map_index"] == -1
    assert rows["flaky"]["logical_date"] == "2024-03-04T00:00:00+00:00"
    assert rows["flaky"]["start_date"] <= rows["flaky"]["end_date"]


def test_variables_and_connections_from_the_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from airstream.store import open_store
    from airstream.store.records import Connection

    for name in ("AIRFLOW_VAR_GREETING", "AIRFLOW_VAR_SETTINGS", "AIRFLOW_CONN_TEMPL_DB"):
        monkeypatch.delenv(name, raising=False)
    with open_store(f"sqlite:///{tmp_path / 'home' / 'airstream.db'}") as store:
        store.set_variable("greeting", "from-db")
        store.set_variable("settings", '{"level": 7}')
        store.set_variable("parse_tables", "orders,users")
        store.add_connection(
            Connection(
                conn_id="templ_db", conn_type="postgres", host="db.internal", password="pw-123"
            )
        )
    assert main(["tasks", "test", "templating", "context", "2024-01-01"]) == 0
    out = capsys.readouterr().out
    assert "var=from-db" in out and "json=7" in out and "host=db.internal" in out
    assert main(["dags", "test", "templating", "2024-01-01"]) == 0
    assert "var=from-db" in capsys.readouterr().out
    # Parse-time reads see the database too.
    assert main(["tasks", "list", "parse_time_variable"]) == 0
    assert capsys.readouterr().out.split() == ["load_none"]  # `tasks list` reads no database
    assert main(["dags", "test", "parse_time_variable", "2024-01-01"]) == 0
    out = capsys.readouterr().out
    assert "{load_orders} INFO - loading orders" in out
    assert "{load_users} INFO - loading users" in out
