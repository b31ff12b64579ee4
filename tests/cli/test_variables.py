"""``airstream variables`` against a SQLite database under a temporary AIRSTREAM_HOME."""

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


def test_set_get_list_delete(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        run(capsys, "variables", "set", "bucket", "s3://data", "--description", "landing")[0] == 0
    )
    assert run(capsys, "variables", "set", "limits", '{"rows": 100}', "--json")[0] == 0
    assert run(capsys, "variables", "get", "bucket")[1] == "s3://data\n"
    code, out, _ = run(capsys, "variables", "get", "limits", "--json")
    assert code == 0 and json.loads(out) == {"rows": 100}

    code, out, _ = run(capsys, "variables", "list")
    assert code == 0 and out.split() == ["KEY", "bucket", "limits"]
    assert json.loads(run(capsys, "variables", "list", "-o", "json")[1]) == [
        {"key": "bucket"},
        {"key": "limits"},
    ]
    assert yaml.safe_load(run(capsys, "variables", "list", "-o", "yaml")[1]) == [
        {"key": "bucket"},
        {"key": "limits"},
    ]

    assert run(capsys, "variables", "delete", "bucket")[0] == 0
    code, _, err = run(capsys, "variables", "get", "bucket")
    assert code == 1 and "does not exist" in err
    assert run(capsys, "variables", "get", "bucket", "--default", "fallback")[1] == "fallback\n"
    assert run(capsys, "variables", "delete", "bucket")[0] == 1


def test_set_json_rejects_invalid_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "variables", "set", "k", "{nope", "--json")
    assert code == 1 and "not valid JSON" in err


def test_environment_wins_over_the_store(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    run(capsys, "variables", "set", "region", "stored")
    monkeypatch.setenv("AIRFLOW_VAR_REGION", "from-airflow-env")
    assert run(capsys, "variables", "get", "region")[1] == "from-airflow-env\n"
    monkeypatch.setenv("AIRSTREAM_VAR_REGION", "from-airstream-env")
    assert run(capsys, "variables", "get", "region")[1] == "from-airstream-env\n"


def test_export_and_import(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "in.json"
    source.write_text(
        json.dumps({"a": "text", "b": {"n": 1}, "c": {"value": 2, "description": "two"}})
    )
    code, out, _ = run(capsys, "variables", "import", str(source))
    assert code == 0 and "3 of 3" in out
    assert run(capsys, "variables", "get", "b")[1] == '{"n": 1}\n'

    target = tmp_path / "out.json"
    assert run(capsys, "variables", "export", str(target))[0] == 0
    assert json.loads(target.read_text()) == json.loads(source.read_text())
    assert json.loads(run(capsys, "variables", "export", "-")[1])["a"] == "text"

    source.write_text(json.dumps({"a": "changed", "d": "new"}))
    code, out, _ = run(capsys, "variables", "import", str(source), "-a", "skip")
    assert code == 0 and "1 of 2" in out
    assert run(capsys, "variables", "get", "a")[1] == "text\n"
    code, _, err = run(capsys, "variables", "import", str(source), "-a", "fail")
    assert code == 1 and "already exist" in err

    source.write_text("{broken")
    code, _, err = run(capsys, "variables", "import", str(source))
    assert code == 1 and "cannot read" in err
