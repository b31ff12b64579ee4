"""SQL operators against SQLite, PostgreSQL and MariaDB, with connections by conn_id."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from dag_cli import run_dag

from airstream.operators.db_hooks import split_sql


def test_sqlite_script_template_file_and_alias(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "test.db"
    monkeypatch.setenv(
        "AIRFLOW_CONN_TEST_SQLITE", json.dumps({"conn_type": "sqlite", "host": str(db)})
    )
    run = run_dag("sql_sqlite", "2024-05-06")
    assert run.exit_code == 0, run.output
    assert "ROWS=[[1, 'a;b'], [2, '2024-05-06']]" in run.output
    assert "TEMPLATED=[['2024-05-06', 7]]" in run.output
    assert db.exists()


def test_postgres_and_mariadb(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_TEST_PG", "postgres://postgres@127.0.0.1:5432/test")
    monkeypatch.setenv("AIRFLOW_CONN_TEST_MYSQL", "mysql://root@127.0.0.1:3306/test")
    table = f"airstream_sql_{uuid.uuid4().hex[:10]}"
    run = run_dag("sql_servers", "2024-05-06", conf={"table": table})
    assert run.exit_code == 0, run.output
    expected = "[[1, '2024-05-06'], [2, 'two']]"
    assert f"PG={expected} MYSQL={expected}" in run.output


def test_unknown_connection_fails_the_task(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AIRFLOW_CONN_TEST_SQLITE", raising=False)
    run = run_dag("sql_sqlite")
    assert run.state("create") == "failed"
    assert "The conn_id `test_sqlite` isn't defined" in run.output


def test_split_sql_respects_quotes_and_comments() -> None:
    script = "CREATE TABLE t (a text); -- a comment; here\nINSERT INTO t VALUES ('x;y');\n;"
    assert split_sql(script) == ["CREATE TABLE t (a text)", "INSERT INTO t VALUES ('x;y')"]
