"""``airstream dags reserialize | list | pause | unpause | trigger | backfill`` and
``airstream backfill create``, against the SQLite database of a temporary AIRSTREAM_HOME."""

from __future__ import annotations

import argparse
import json
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from airstream.cli import backfill, main
from airstream.config import load_settings
from airstream.store import MetadataStore, open_store
from airstream.store import records as rec
from airstream.store.queries import DagRunQuery

DAGS = Path(__file__).resolve().parents[1] / "dags"


@pytest.fixture(autouse=True)
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    dags = tmp_path / "dags"
    dags.mkdir()
    for name in ("tutorial.py", "params.py"):
        shutil.copy(DAGS / name, dags / name)
    monkeypatch.setenv("AIRSTREAM_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("AIRSTREAM_DAGS_FOLDER", str(dags))
    return dags


@pytest.fixture
def store() -> Iterator[MetadataStore]:
    opened = open_store(load_settings().database_url)
    yield opened
    opened.close()


def out_json(capsys: pytest.CaptureFixture[str]) -> object:
    return json.loads(capsys.readouterr().out)


def test_reserialize_then_list_reads_the_database(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["dags", "list", "-o", "json"]) == 0
    from_files = out_json(capsys)
    assert isinstance(from_files, list)
    assert sorted(row["dag_id"] for row in from_files) == ["mlops", "params"]
    assert "is_paused" not in from_files[0]
    assert not (Path(load_settings().database_url.removeprefix("sqlite:///"))).exists()

    assert main(["dags", "reserialize"]) == 0
    assert "2 DAG(s) stored" in capsys.readouterr().out
    (folder / "params.py").unlink()
    assert main(["dags", "reserialize"]) == 0
    assert "1 DAG(s) marked stale" in capsys.readouterr().out

    assert main(["dags", "list", "-o", "json"]) == 0
    assert out_json(capsys) == [
        {
            "dag_id": "mlops",
            "fileloc": str(folder / "tutorial.py"),
            "owners": "airflow",
            "is_paused": False,
            "schedule": "1 day, 0:00:00",
            "tags": "",
        }
    ]


def test_pause_and_unpause(store: MetadataStore, capsys: pytest.CaptureFixture[str]) -> None:
    # The DAG is not in the database yet: the folder is parsed once to find it.
    assert main(["dags", "pause", "mlops", "-o", "json"]) == 0
    assert out_json(capsys) == [{"dag_id": "mlops", "is_paused": True}]
    model = store.get_dag("mlops")
    assert model is not None and model.is_paused
    assert main(["dags", "reserialize"]) == 0
    model = store.get_dag("mlops")
    assert model is not None and model.is_paused
    assert main(["dags", "unpause", "mlops"]) == 0
    model = store.get_dag("mlops")
    assert model is not None and not model.is_paused
    capsys.readouterr()
    assert main(["dags", "pause", "nope"]) == 1
    assert "Dag id nope not found" in capsys.readouterr().err


def test_trigger_with_conf_queues_a_run(
    store: MetadataStore, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["dags", "trigger", "params", "-c", '{"count": 5}', "-r", "r1", "-o", "json"])
    assert code == 0
    (row,) = out_json(capsys)  # type: ignore[misc]
    assert row["run_id"] == "r1" and row["state"] == "queued"
    run = store.get_dag_run("params", "r1")
    assert run is not None
    assert run.conf == {"count": 5}
    assert run.state == rec.DagRunState.QUEUED
    assert run.run_type == rec.DagRunType.MANUAL
    assert run.triggered_by == rec.DagRunTriggeredBy.CLI
    tis = store.list_run_tis("params", "r1")
    assert [(ti.task_id, ti.state) for ti in tis] == [("greet", rec.TaskInstanceState.NONE)]


def test_trigger_logical_date_and_run_id_default(
    store: MetadataStore, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["dags", "trigger", "mlops", "-l", "2024-03-05"]) == 0
    (run,) = store.list_dag_runs(DagRunQuery(dag_ids=["mlops"]))
    day = datetime(2024, 3, 5, tzinfo=UTC)
    assert run.run_id == "manual__2024-03-05T00:00:00+00:00"
    assert run.logical_date == day
    assert (run.data_interval_start, run.data_interval_end) == (
        datetime(2024, 3, 4, tzinfo=UTC),
        day,
    )
    assert {ti.task_id: ti.max_tries for ti in store.list_run_tis("mlops", run.run_id)} == {
        "print_date": 1,
        "sleep": 1,
        "templated": 1,
    }


def test_trigger_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["dags", "trigger", "params", "-c", '{"count": 99}']) == 1
    assert "Invalid input for param count" in capsys.readouterr().err
    assert main(["dags", "trigger", "params", "-c", "[1]"]) == 1
    assert "conf must be a JSON object" in capsys.readouterr().err
    assert main(["dags", "trigger", "no_such_dag"]) == 1
    assert "Dag id no_such_dag not found" in capsys.readouterr().err
    assert main(["dags", "trigger", "params", "-r", "same"]) == 0
    assert main(["dags", "trigger", "params", "-r", "same"]) == 1
    assert "'same' of params exists" in capsys.readouterr().err


def test_trigger_paused_dag_warns(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["dags", "pause", "params"]) == 0
    assert main(["dags", "trigger", "params"]) == 0
    assert "is paused" in capsys.readouterr().err


def backfill_dates(store: MetadataStore) -> list[str]:
    runs = store.list_dag_runs(DagRunQuery(dag_ids=["mlops"], run_types=[rec.DagRunType.BACKFILL]))
    return sorted(run.logical_date.date().isoformat() for run in runs if run.logical_date)


def test_dags_backfill(store: MetadataStore, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["dags", "backfill", "mlops", "-s", "2024-01-01", "-e", "2024-01-03"]) == 0
    assert backfill_dates(store) == ["2024-01-01", "2024-01-02", "2024-01-03"]
    run = store.get_dag_run("mlops", "backfill__2024-01-02T00:00:00+00:00")
    assert run is not None
    assert run.state == rec.DagRunState.QUEUED
    assert run.triggered_by == rec.DagRunTriggeredBy.BACKFILL
    assert (run.data_interval_start, run.data_interval_end) == (
        datetime(2024, 1, 2, tzinfo=UTC),
        datetime(2024, 1, 3, tzinfo=UTC),
    )
    assert len(store.list_run_tis("mlops", run.run_id)) == 3

    # Dates with a run are left alone unless asked; a failed one is cleared and re-queued.
    store.set_dag_run_state("mlops", run.run_id, rec.DagRunState.FAILED)
    capsys.readouterr()
    assert main(["dags", "backfill", "mlops", "-s", "2024-01-01", "-e", "2024-01-04"]) == 0
    assert backfill_dates(store) == ["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04"]
    assert "3 date(s) already had a run" in capsys.readouterr().err
    args = ["-s", "2024-01-01", "-e", "2024-01-04", "--reprocess-behavior", "failed"]
    assert main(["dags", "backfill", "mlops", *args]) == 0
    again = store.get_dag_run("mlops", run.run_id)
    assert again is not None
    assert again.state == rec.DagRunState.QUEUED and again.clear_number == 1


def test_backfill_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["dags", "backfill", "params", "-s", "2024-01-01", "-e", "2024-01-02"]) == 1
    assert "no periodic schedule" in capsys.readouterr().err
    assert main(["dags", "backfill", "mlops", "-s", "2024-01-05", "-e", "2024-01-01"]) == 1
    assert "end date is before the start date" in capsys.readouterr().err


def test_backfill_create_airflow3_form(
    store: MetadataStore, capsys: pytest.CaptureFixture[str]
) -> None:
    parser = argparse.ArgumentParser(prog="airstream")
    backfill.register(parser.add_subparsers(dest="command"))
    create = ["backfill", "create", "--dag-id", "mlops", "--from-date", "2024-02-01"]
    args = parser.parse_args([*create, "--to-date", "2024-02-02", "--dry-run", "-o", "json"])
    assert args.func(args) == 0
    rows = out_json(capsys)
    assert [r["run_id"] for r in rows] == [  # type: ignore[union-attr]
        "backfill__2024-02-01T00:00:00+00:00",
        "backfill__2024-02-02T00:00:00+00:00",
    ]
    assert backfill_dates(store) == []
    conf = ["--dag-run-conf", '{"k": 1}', "--run-backwards"]
    args = parser.parse_args([*create, "--to-date", "2024-02-02", *conf])
    assert args.func(args) == 0
    assert backfill_dates(store) == ["2024-02-01", "2024-02-02"]
    run = store.get_dag_run("mlops", "backfill__2024-02-01T00:00:00+00:00")
    assert run is not None and run.conf == {"k": 1}


def test_import_errors_listed_from_the_database(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = folder / "broken.py"
    broken.write_text("from airflow import DAG\n\nDAG('broken'\n")
    (folder / "missing.py").write_text("from airflow import DAG\nimport not_here_at_all\n")
    assert main(["dags", "reserialize"]) == 0
    assert "2 import error(s)" in capsys.readouterr().out
    # Fixed on disk but not parsed again: the database still has the recorded error.
    broken.write_text((DAGS / "tutorial.py").read_text().replace('"mlops"', '"fixed"'))
    assert main(["dags", "list-import-errors", "-o", "json"]) == 0
    rows = {Path(r["filepath"]).name: r for r in out_json(capsys)}  # type: ignore[union-attr]
    assert rows["broken.py"]["lineno"] == 3
    assert rows["broken.py"]["error"].startswith("SyntaxError")
    assert rows["missing.py"] == {
        "filepath": str(folder / "missing.py"),
        "lineno": 2,
        "error": "ModuleNotFoundError: No module named 'not_here_at_all'",
    }
    assert main(["dags", "reserialize"]) == 0
    capsys.readouterr()
    assert main(["dags", "list-import-errors", "-o", "json"]) == 0
    assert [Path(r["filepath"]).name for r in out_json(capsys)] == ["missing.py"]  # type: ignore[union-attr]
