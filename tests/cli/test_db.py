"""``airstream db migrate|check|reset`` on SQLite under AIRSTREAM_HOME and on PostgreSQL."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from airstream.cli import main
from airstream.store.schema import head_revision

POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("AIRSTREAM_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("AIRSTREAM_DATABASE_URL", raising=False)
    monkeypatch.delenv("AIRSTREAM_CONFIG", raising=False)
    return tmp_path / "home"


@pytest.fixture
def postgres_schema(monkeypatch: pytest.MonkeyPatch, home: Path) -> Iterator[str]:
    """AIRSTREAM_DATABASE_URL pointing at a schema of its own, dropped afterwards."""
    schema = f"airstream_cli_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    monkeypatch.setenv(
        "AIRSTREAM_DATABASE_URL",
        f"postgresql://postgres@127.0.0.1:5432/test?options=-csearch_path%3D{schema}",
    )
    yield schema
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
    admin.dispose()


def test_check_fails_before_migrate_and_passes_after(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["db", "check"]) == 1
    assert "airstream db migrate" in capsys.readouterr().err
    assert main(["db", "migrate"]) == 0
    assert main(["db", "migrate"]) == 0
    out = capsys.readouterr().out
    assert f"revision {head_revision()}" in out and (home / "airstream.db").is_file()
    assert main(["db", "check"]) == 0
    assert "up to date" in capsys.readouterr().out


def test_reset_needs_yes_and_empties_the_tables(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["variables", "set", "k", "v"]) == 0
    monkeypatch.setattr(sys, "stdin", io.StringIO("y\n"))  # not a terminal: never asks
    assert main(["db", "reset"]) == 1
    assert main(["variables", "get", "k"]) == 0
    assert main(["db", "reset", "--yes"]) == 0
    capsys.readouterr()
    assert main(["variables", "get", "k"]) == 1
    assert main(["db", "check"]) == 0


def test_reset_skip_init_leaves_no_schema(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "migrate"]) == 0
    assert main(["db", "reset", "--yes", "--skip-init"]) == 0
    assert main(["db", "check"]) == 1


def test_check_reports_an_unreachable_database(
    home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AIRSTREAM_DATABASE_URL", "postgresql://nobody:secret@127.0.0.1:1/x")
    assert main(["db", "check"]) == 1
    err = capsys.readouterr().err
    assert "cannot connect" in err and "secret" not in err


def test_migrate_check_reset_on_postgres(
    postgres_schema: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["db", "migrate"]) == 0
    assert main(["db", "check"]) == 0
    assert main(["variables", "set", "k", "v"]) == 0
    assert main(["db", "reset", "--yes"]) == 0
    assert main(["variables", "list", "-o", "json"]) == 0
    assert capsys.readouterr().out.strip().endswith("[]")


def test_console_command_runs_migrate(home: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "airstream", "db", "migrate"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "AIRSTREAM_HOME": str(home)},
    )
    assert result.returncode == 0, result.stderr
    assert f"revision {head_revision()}" in result.stdout


def test_database_errors_are_one_line(
    home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AIRSTREAM_DATABASE_URL", "postgresql://nobody:secret@127.0.0.1:1/x")
    for argv in (["db", "migrate"], ["variables", "list"], ["connections", "get", "x"]):
        assert main(argv) == 1
        err = capsys.readouterr().err
        assert err.startswith("error: database postgresql://nobody:***@127.0.0.1:1/x: ")
        assert err.count("\n") == 1 and "Traceback" not in err


def test_an_invalid_url_is_reported(
    home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AIRSTREAM_DATABASE_URL", "not a url")
    assert main(["variables", "list"]) == 1
    assert main(["db", "check"]) == 1
    err = capsys.readouterr().err
    assert err.count("error:") == 2 and "Traceback" not in err
