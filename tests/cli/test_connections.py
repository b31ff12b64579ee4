"""``airstream connections`` against a SQLite database under a temporary AIRSTREAM_HOME."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from airstream.cli import main


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("AIRSTREAM_HOME", str(tmp_path / "home"))
    for name in ("AIRSTREAM_DATABASE_URL", "AIRSTREAM_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path / "home"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_add_from_uri_and_get_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    uri = "postgresql://etl:s3cr%40t@db.example.com:5432/warehouse?sslmode=require"
    code, out, _ = run(capsys, "connections", "add", "my_pg", "--conn-uri", uri)
    assert code == 0 and "my_pg" in out and "s3cr" not in out

    code, out, _ = run(capsys, "connections", "get", "my_pg", "-o", "json")
    (shown,) = json.loads(out)
    assert shown["conn_type"] == "postgres"
    assert (shown["host"], shown["port"], shown["schema"]) == ("db.example.com", 5432, "warehouse")
    assert shown["login"] == "etl" and shown["password"] == "***"
    assert shown["extra_dejson"] == {"sslmode": "require"}
    assert shown["get_uri"] == "postgres://etl:***@db.example.com:5432/warehouse?sslmode=require"

    code, out, _ = run(capsys, "connections", "get", "my_pg")
    assert code == 0 and "s3cr" not in out and "***" in out


def test_add_from_fields_and_json_then_list(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        run(
            capsys,
            "connections",
            "add",
            "api",
            "--conn-type",
            "http",
            "--conn-host",
            "api.example.com",
            "--conn-port",
            "8443",
            "--conn-login",
            "bot",
            "--conn-password",
            "hunter2",
            "--conn-extra",
            '{"timeout": 10}',
            "--conn-description",
            "the API",
        )[0]
        == 0
    )
    conn_json = json.dumps({"conn_type": "mysql", "host": "db", "password": "pw", "schema": "s"})
    assert run(capsys, "connections", "add", "db", "--conn-json", conn_json)[0] == 0

    code, out, _ = run(capsys, "connections", "list")
    assert code == 0 and "hunter2" not in out and " pw" not in out
    lines = out.splitlines()
    assert lines[0].split()[:2] == ["CONN-ID", "CONN-TYPE"]
    assert [line.split()[0] for line in lines[1:]] == ["api", "db"]

    listed = yaml.safe_load(run(capsys, "connections", "list", "-o", "yaml")[1])
    api = listed[0]
    assert (api["conn_id"], api["port"], api["description"]) == ("api", 8443, "the API")
    assert api["extra_dejson"] == {"timeout": 10} and api["password"] == "***"
    only_db = json.loads(run(capsys, "connections", "list", "--conn-id", "db", "-o", "json")[1])
    assert [c["conn_id"] for c in only_db] == ["db"]


def test_bad_adds_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "connections", "add", "x", "--conn-type", "http")[0] == 0
    code, _, err = run(capsys, "connections", "add", "x", "--conn-type", "http")
    assert code == 1 and "already exists" in err
    code, _, err = run(capsys, "connections", "add", "y")
    assert code == 1 and "--conn-uri" in err
    code, _, err = run(
        capsys, "connections", "add", "y", "--conn-uri", "http://h", "--conn-host", "h"
    )
    assert code == 1 and "--conn-host" in err
    code, _, err = run(capsys, "connections", "add", "y", "--conn-uri", "garbage")
    assert code == 1 and "invalid connection URI" in err
    code, _, err = run(
        capsys, "connections", "add", "y", "--conn-type", "http", "--conn-extra", "{x"
    )
    assert code == 1 and "--conn-extra" in err


def test_get_prefers_environment_and_delete(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    run(capsys, "connections", "add", "wh", "--conn-uri", "postgres://stored-host/db")
    monkeypatch.setenv("AIRFLOW_CONN_WH", "mysql://env-host:3306/db")
    (shown,) = json.loads(run(capsys, "connections", "get", "wh", "-o", "json")[1])
    assert (shown["conn_type"], shown["host"]) == ("mysql", "env-host")
    monkeypatch.delenv("AIRFLOW_CONN_WH")

    code, out, _ = run(capsys, "connections", "delete", "wh")
    assert code == 0 and "wh" in out
    code, _, err = run(capsys, "connections", "get", "wh")
    assert code == 1 and "does not exist" in err
    assert run(capsys, "connections", "delete", "wh")[0] == 1
