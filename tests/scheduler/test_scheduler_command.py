"""``airstream scheduler`` as users run it: DAG files added, broken, fixed and changed while
it runs."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from scheduler_harness import trigger, wait_for_run
from test_crash_recovery import SchedulerProcess, wait_until

from airstream.store import MetadataStore, open_store
from airstream.store import records as rec

GOOD = """
from datetime import datetime
from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG("{dag_id}", schedule=None, start_date=datetime(2024, 1, 1)):
    BashOperator(task_id="say", bash_command="echo {word}")
"""


def write(path: Path, text: str) -> None:
    path.write_text(text)
    # Later writes must look changed even within the file system's timestamp granularity.
    stamp = time.time_ns() + 10**9 * len(list(path.parent.iterdir()))
    os.utime(path, ns=(stamp, stamp))


class Folder:
    def __init__(self, tmp_path: Path) -> None:
        self.path = tmp_path / "dags"
        self.path.mkdir()
        self.logs = tmp_path / "logs"


@pytest.fixture
def running(tmp_path: Path, sqlite_url: str) -> Iterator[tuple[Folder, MetadataStore]]:
    folder = Folder(tmp_path)
    write(folder.path / "good.py", GOOD.format(dag_id="good", word="first"))
    process = SchedulerProcess(tmp_path, sqlite_url)
    process.start_args = ["--dags-folder", str(folder.path)]  # with the DAG processor
    process.start()
    store = open_store(sqlite_url)
    yield folder, store
    process.stop()
    store.close()


def run_and_read_log(store: MetadataStore, folder: Folder, dag_id: str) -> str:
    from airstream.scheduler.run_requests import load_stored_dag

    run_id = trigger(store, load_stored_dag(store, dag_id))
    assert wait_for_run(store, dag_id, run_id, 60).state == rec.DagRunState.SUCCESS
    return (folder.logs / dag_id / run_id / "say" / "attempt=1.log").read_text()


def test_broken_files_are_recorded_and_fixed_files_run(
    running: tuple[Folder, MetadataStore],
) -> None:
    folder, store = running
    wait_until(lambda: store.get_dag("good") is not None, "good.py to be parsed")
    assert "first" in run_and_read_log(store, folder, "good")

    broken = folder.path / "broken.py"
    write(broken, "from airflow import DAG\nthis is not python\n")
    wait_until(lambda: bool(store.list_import_errors()), "the import error")
    assert [e.filename for e in store.list_import_errors()] == [str(broken)]
    assert "first" in run_and_read_log(store, folder, "good")  # the others are unaffected

    write(broken, GOOD.format(dag_id="fixed", word="repaired"))
    wait_until(lambda: store.get_dag("fixed") is not None, "the fixed file")
    wait_until(lambda: not store.list_import_errors(), "the import error to clear")
    assert "repaired" in run_and_read_log(store, folder, "fixed")

    write(folder.path / "good.py", GOOD.format(dag_id="good", word="second"))
    wait_until(lambda: "second" in run_and_read_log(store, folder, "good"), "the changed task", 30)


def test_help_describes_the_command() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "airstream", "scheduler", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "--dags-folder" in result.stdout and "LocalExecutor" in result.stdout
