"""``airstream tasks clear`` and ``airstream dags clear``: Airflow's clearing semantics.

Runs are created with ``dags trigger`` and their task instances moved to finished states
through the store, as the scheduler and task processes would leave them.
"""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from airstream.cli import main
from airstream.config import load_settings
from airstream.store import MetadataStore, open_store
from airstream.store import records as rec

DAGS = Path(__file__).resolve().parents[1] / "dags"
TIS = rec.TaskInstanceState
T0 = datetime(2024, 1, 1, tzinfo=UTC)


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dags = tmp_path / "dags"
    dags.mkdir()
    shutil.copy(DAGS / "tutorial.py", dags / "tutorial.py")
    monkeypatch.setenv("AIRSTREAM_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("AIRSTREAM_DAGS_FOLDER", str(dags))


@pytest.fixture
def store() -> Iterator[MetadataStore]:
    opened = open_store(load_settings().database_url)
    yield opened
    opened.close()


def finished_run(store: MetadataStore, run_id: str, day: str, states: dict[str, TIS]) -> None:
    """A run of ``mlops`` as the scheduler leaves it: tried once, finished, with XComs."""
    assert main(["dags", "trigger", "mlops", "-r", run_id, "-l", day]) == 0
    for task_id, state in states.items():
        key = rec.TaskInstanceKey("mlops", run_id, task_id)
        store.update_ti(key, {"state": state, "try_number": 1, "start_date": T0, "end_date": T0})
        store.set_xcom(rec.XComEntry("mlops", run_id, task_id, "return_value", "out"))
    failed = TIS.FAILED in states.values()
    store.set_dag_run_state(
        "mlops", run_id, rec.DagRunState.FAILED if failed else rec.DagRunState.SUCCESS, end_date=T0
    )


def states(store: MetadataStore, run_id: str) -> dict[str, TIS]:
    return {ti.task_id: ti.state for ti in store.list_run_tis("mlops", run_id)}


def test_tasks_clear_resets_instances_and_requeues_the_run(
    store: MetadataStore, capsys: pytest.CaptureFixture[str]
) -> None:
    finished_run(
        store,
        "r1",
        "2024-01-01",
        {"print_date": TIS.SUCCESS, "sleep": TIS.FAILED, "templated": TIS.SUCCESS},
    )
    assert main(["tasks", "clear", "mlops", "-t", "^sleep$", "-y"]) == 0
    assert "Cleared 1 task instance(s)" in capsys.readouterr().out

    assert states(store, "r1") == {
        "print_date": TIS.SUCCESS,
        "sleep": TIS.NONE,
        "templated": TIS.SUCCESS,
    }
    sleep = store.get_ti(rec.TaskInstanceKey("mlops", "r1", "sleep"))
    assert sleep is not None
    # Retries given back: one try done, ``retries=1`` more allowed.
    assert (sleep.try_number, sleep.max_tries) == (1, 2)
    assert sleep.end_date is None
    (history,) = store.list_ti_tries(sleep.key)
    assert history.state == TIS.FAILED
    assert store.get_xcom("mlops", "r1", "sleep") is None
    assert store.get_xcom("mlops", "r1", "print_date") is not None

    run = store.get_dag_run("mlops", "r1")
    assert run is not None
    assert run.state == rec.DagRunState.QUEUED
    assert run.clear_number == 1
    assert run.end_date is None and run.queued_at is not None


def test_filters_dates_failed_only_and_downstream(
    store: MetadataStore, capsys: pytest.CaptureFixture[str]
) -> None:
    done = {"print_date": TIS.SUCCESS, "sleep": TIS.SUCCESS, "templated": TIS.SUCCESS}
    finished_run(store, "jan1", "2024-01-01", done)
    finished_run(store, "jan2", "2024-01-02", {**done, "sleep": TIS.FAILED})
    finished_run(store, "jan3", "2024-01-03", done)

    assert (
        main(["tasks", "clear", "mlops", "-f", "-s", "2024-01-01", "-e", "2024-01-03", "-y"]) == 0
    )
    assert states(store, "jan2")["sleep"] == TIS.NONE
    assert states(store, "jan1") == done and states(store, "jan3") == done

    args = ["-t", "^print_date$", "-d", "-s", "2024-01-03", "-e", "2024-01-03", "-y"]
    assert main(["tasks", "clear", "mlops", *args]) == 0
    assert set(states(store, "jan3").values()) == {TIS.NONE}
    assert states(store, "jan1") == done
    run = store.get_dag_run("mlops", "jan1")
    assert run is not None and run.state == rec.DagRunState.SUCCESS


def test_running_instance_is_set_restarting(store: MetadataStore) -> None:
    assert main(["dags", "trigger", "mlops", "-r", "live", "-l", "2024-01-01"]) == 0
    key = rec.TaskInstanceKey("mlops", "live", "print_date")
    store.update_ti(key, {"state": TIS.RUNNING, "try_number": 1, "start_date": T0})
    store.set_dag_run_state("mlops", "live", rec.DagRunState.RUNNING)

    assert main(["dags", "clear", "mlops", "-y"]) == 0

    assert states(store, "live")["print_date"] == TIS.RESTARTING
    run = store.get_dag_run("mlops", "live")
    assert run is not None and run.state == rec.DagRunState.RUNNING


def test_confirmation_and_dry_run(
    store: MetadataStore, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    finished_run(store, "r1", "2024-01-01", {"print_date": TIS.FAILED})
    assert main(["dags", "clear", "mlops", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "<TaskInstance: mlops.print_date r1 [failed]>" in out and "Nothing cleared" in out

    monkeypatch.setattr("sys.stdin", io.StringIO("n\n"))
    assert main(["dags", "clear", "mlops"]) == 0
    assert states(store, "r1")["print_date"] == TIS.FAILED

    monkeypatch.setattr("sys.stdin", io.StringIO("y\n"))
    assert main(["dags", "clear", "mlops"]) == 0
    assert states(store, "r1")["print_date"] == TIS.NONE
    capsys.readouterr()
    assert main(["tasks", "clear", "mlops", "-t", "nothing_matches", "-y"]) == 0
    assert "No task instances to clear" in capsys.readouterr().out
