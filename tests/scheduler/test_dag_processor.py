"""The DAG processor on real DAG files in a temporary folder, storing into SQLite.

Each test writes DAG files, runs passes and reads the outcome back from the metadata store.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from airstream.config import CoreSettings, Settings
from airstream.scheduler.processor import DagProcessor, worker_pool
from airstream.store import MetadataStore, open_store
from airstream.store.queries import DagQuery

HEADER = """\
from datetime import datetime
from airflow import DAG
from airflow.operators.empty import EmptyOperator
"""


def dag_source(dag_id: str, tasks: list[str], **dag_args: str) -> str:
    """A DAG file with a chain of empty tasks."""
    args = "".join(f", {key}={value}" for key, value in dag_args.items())
    lines = [
        HEADER,
        f"with DAG({dag_id!r}, schedule=None, start_date=datetime(2024, 1, 1){args}):",
    ]
    lines += [f"    t{i} = EmptyOperator(task_id={task!r})" for i, task in enumerate(tasks)]
    if len(tasks) > 1:
        lines.append("    " + " >> ".join(f"t{i}" for i in range(len(tasks))))
    return "\n".join(lines) + "\n"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    dags = tmp_path / "dags"
    dags.mkdir()
    return dags


@pytest.fixture
def settings(tmp_path: Path, folder: Path) -> Settings:
    return Settings(
        home=tmp_path / "home", core=CoreSettings(dags_folder=folder, load_examples=False)
    )


@pytest.fixture
def store(settings: Settings) -> Iterator[MetadataStore]:
    opened = open_store(settings.database_url)
    yield opened
    opened.close()


@pytest.fixture
def processor(settings: Settings, store: MetadataStore) -> Iterator[DagProcessor]:
    with DagProcessor(settings, store, pool_size=2, import_timeout=2.0) as dag_processor:
        yield dag_processor


def write(path: Path, text: str) -> Path:
    """Write a file so that its change is seen even within one mtime tick."""
    path.write_text(text)
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    return path


def errors_by_name(store: MetadataStore) -> dict[str, str]:
    return {Path(e.filename).name: e.stacktrace for e in store.list_import_errors()}


def task_ids(store: MetadataStore, dag_id: str) -> list[str]:
    serialized = store.get_serialized_dag(dag_id)
    assert serialized is not None
    return [task["task_id"] for task in serialized.data["tasks"]]


def test_good_and_broken_files(folder: Path, store: MetadataStore, processor: DagProcessor) -> None:
    write(folder / "good.py", dag_source("good", ["extract", "load"], tags='["etl"]'))
    write(folder / "syntax.py", HEADER + "with DAG('syntax'\n")
    write(folder / "missing.py", "import no_such_module_here\nfrom airflow import DAG\n")
    write(folder / "cycle.py", dag_source("cycle", ["a", "b"]) + "    t1 >> t0\n")
    duplicate = HEADER + "with DAG('dup', schedule=None):\n"
    write(folder / "duplicate.py", duplicate + "    EmptyOperator(task_id='x')\n" * 2)
    write(folder / "hangs.py", HEADER + "while True:\n    pass\n")
    write(folder / "also_good.py", dag_source("also_good", ["only"]))

    result = processor.refresh()

    assert result.stored_dag_ids == ["also_good", "good"]
    errors = errors_by_name(store)
    assert set(errors) == {"syntax.py", "missing.py", "cycle.py", "duplicate.py", "hangs.py"}
    assert errors["syntax.py"].startswith(f"{folder / 'syntax.py'}:4: SyntaxError")
    assert "ModuleNotFoundError: No module named 'no_such_module_here'" in errors["missing.py"]
    assert errors["missing.py"].startswith(f"{folder / 'missing.py'}:1:")
    assert "AirflowDagCycleException" in errors["cycle.py"]
    assert "DuplicateTaskIdFound" in errors["duplicate.py"]
    assert "AirflowTaskTimeout" in errors["hangs.py"]
    # Interrupted inside the loop: on the ``while`` line or its body.
    assert errors["hangs.py"].split(": ")[0] in (f"{folder / 'hangs.py'}:{n}" for n in (4, 5))

    good = store.get_dag("good")
    assert good is not None
    assert good.fileloc == str(folder / "good.py")
    assert good.relative_fileloc == "good.py"
    assert good.tags == ("etl",)
    assert good.owners == "airflow"
    assert good.schedule == "None"
    assert good.is_paused is False
    assert good.last_parsed_time is not None
    assert task_ids(store, "good") == ["extract", "load"]
    serialized = store.get_serialized_dag("good")
    assert serialized is not None
    assert serialized.data["tasks"][0]["downstream_task_ids"] == ["load"]


def test_fixing_a_file_clears_its_error(
    folder: Path, store: MetadataStore, processor: DagProcessor
) -> None:
    path = write(folder / "fixme.py", HEADER + "with DAG('fixme'\n")
    processor.refresh()
    assert set(errors_by_name(store)) == {"fixme.py"}
    assert store.get_dag("fixme") is None

    write(path, dag_source("fixme", ["a"]))
    result = processor.refresh()

    assert result.parsed_files == [str(path)]
    assert errors_by_name(store) == {}
    assert task_ids(store, "fixme") == ["a"]


def test_a_file_that_breaks_keeps_its_dag_flagged(
    folder: Path, store: MetadataStore, processor: DagProcessor
) -> None:
    path = write(folder / "flaky.py", dag_source("flaky", ["a"]))
    processor.refresh()
    write(path, dag_source("flaky", ["a"]) + "raise RuntimeError('boom')\n")
    result = processor.refresh()

    assert result.stale_dag_ids == []
    flaky = store.get_dag("flaky")
    assert flaky is not None and flaky.has_import_errors and not flaky.is_stale
    assert "RuntimeError: boom" in errors_by_name(store)["flaky.py"]

    write(path, dag_source("flaky", ["a", "b"]))
    processor.refresh()
    flaky = store.get_dag("flaky")
    assert flaky is not None and not flaky.has_import_errors
    assert task_ids(store, "flaky") == ["a", "b"]


def test_changed_file_updates_structure_and_unchanged_files_are_skipped(
    folder: Path, store: MetadataStore, processor: DagProcessor
) -> None:
    first = write(folder / "first.py", dag_source("first", ["a"]))
    write(folder / "second.py", dag_source("second", ["x"]))
    assert len(processor.refresh().parsed_files) == 2

    write(first, dag_source("first", ["a", "b", "c"], description='"now three"'))
    result = processor.refresh()
    assert result.parsed_files == [str(first)]
    assert result.unchanged_files == 1
    assert task_ids(store, "first") == ["a", "b", "c"]
    model = store.get_dag("first")
    assert model is not None and model.description == "now three"

    # Touched without an edit: same content, nothing parsed or written.
    os.utime(first, ns=(first.stat().st_atime_ns, first.stat().st_mtime_ns + 5_000_000))
    again = processor.refresh()
    assert again.parsed_files == [] and not again.changed


def test_removed_file_and_removed_dag_become_stale(
    folder: Path, store: MetadataStore, processor: DagProcessor
) -> None:
    doomed = write(folder / "doomed.py", dag_source("doomed", ["a"]))
    pair = write(folder / "pair.py", dag_source("one", ["a"]) + dag_source("two", ["b"]))
    processor.refresh()
    assert [d.dag_id for d in store.list_dags()] == ["doomed", "one", "two"]

    doomed.unlink()
    write(pair, dag_source("one", ["a"]))
    result = processor.refresh()

    assert result.removed_files == [str(doomed)]
    assert result.stale_dag_ids == ["doomed", "two"]
    assert [d.dag_id for d in store.list_dags()] == ["one"]
    stale = store.get_dag("doomed")
    assert stale is not None and stale.is_stale

    write(folder / "doomed.py", dag_source("doomed", ["a"]))
    assert processor.refresh().stored_dag_ids == ["doomed"]
    revived = store.get_dag("doomed")
    assert revived is not None and not revived.is_stale


def test_same_dag_id_in_two_files(
    folder: Path, store: MetadataStore, processor: DagProcessor
) -> None:
    write(folder / "a_first.py", dag_source("shared", ["a"]))
    write(folder / "b_second.py", dag_source("shared", ["b"]))
    processor.refresh()
    errors = errors_by_name(store)
    assert list(errors) == ["b_second.py"]
    assert "AirflowDagDuplicatedIdException" in errors["b_second.py"]
    assert task_ids(store, "shared") == ["a"]


def test_new_dags_paused_by_setting_and_pause_survives_reparse(
    tmp_path: Path, folder: Path, store: MetadataStore
) -> None:
    settings = Settings(
        home=tmp_path / "home",
        core=CoreSettings(
            dags_folder=folder, dags_are_paused_at_creation=True, load_examples=False
        ),
    )
    path = write(folder / "p.py", dag_source("by_setting", ["a"]))
    write(folder / "q.py", dag_source("by_dag", ["a"], is_paused_upon_creation="False"))
    with DagProcessor(settings, store, pool_size=1) as processor:
        processor.refresh()
        assert store.get_dag("by_setting").is_paused  # type: ignore[union-attr]
        assert not store.get_dag("by_dag").is_paused  # type: ignore[union-attr]

        store.set_paused("by_setting", False)
        write(path, dag_source("by_setting", ["a", "b"]))
        processor.refresh()
    model = store.get_dag("by_setting")
    assert model is not None and not model.is_paused


def test_hung_worker_is_killed_and_replaced(
    folder: Path,
    tmp_path: Path,
    store: MetadataStore,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pid_file = tmp_path / "stuck.pid"
    # SIGALRM blocked: the worker's own timeout cannot fire; the pool must kill it.
    write(
        folder / "stuck.py",
        HEADER + "import os, signal\n"
        f"open({str(pid_file)!r}, 'w').write(str(os.getpid()))\n"
        "signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})\n"
        "while True:\n    pass\n",
    )
    write(folder / "exits.py", HEADER + "import os\nos._exit(3)\n")
    write(folder / "fine.py", dag_source("fine", ["a"]))
    monkeypatch.setattr(worker_pool, "KILL_GRACE", 0.2)
    with DagProcessor(settings, store, pool_size=1, import_timeout=0.5) as processor:
        result = processor.refresh()
        pool = processor._pool
        assert pool is not None
        stuck_pid = int(pid_file.read_text())
        assert stuck_pid not in pool.worker_pids
        with pytest.raises(ProcessLookupError):
            os.kill(stuck_pid, 0)
    assert result.stored_dag_ids == ["fine"]
    errors = errors_by_name(store)
    assert "DagBag import timeout" in errors["stuck.py"]
    assert "exited while importing" in errors["exits.py"]
    assert task_ids(store, "fine") == ["a"]


def test_parse_time_variable_comes_from_the_store(
    folder: Path, store: MetadataStore, processor: DagProcessor
) -> None:
    store.set_variable("parse_tables", "orders,customers")
    dags = Path(__file__).resolve().parents[1] / "dags"
    write(folder / "parse_time_variable.py", (dags / "parse_time_variable.py").read_text())
    processor.refresh()
    assert task_ids(store, "parse_time_variable") == ["load_orders", "load_customers"]


def test_helper_module_beside_dag_files_is_read_again(
    folder: Path, store: MetadataStore, processor: DagProcessor
) -> None:
    write(folder / "naming.py", "TASKS = ['first']\n")
    body = HEADER + "from naming import TASKS\nwith DAG('helped', schedule=None):\n"
    body += "    for name in TASKS:\n        EmptyOperator(task_id=name)\n"
    dag_file = write(folder / "helped.py", body)
    processor.refresh()
    assert task_ids(store, "helped") == ["first"]

    write(folder / "naming.py", "TASKS = ['second']\n")
    write(dag_file, body + "# edited\n")
    processor.refresh()
    assert task_ids(store, "helped") == ["second"]


def test_a_new_processor_picks_up_where_the_store_is(
    folder: Path, store: MetadataStore, settings: Settings
) -> None:
    write(folder / "kept.py", dag_source("kept", ["a"]))
    gone = write(folder / "gone.py", dag_source("gone", ["a"]))
    broken = write(folder / "broken.py", HEADER + "with DAG('broken'\n")
    with DagProcessor(settings, store, pool_size=1) as processor:
        processor.refresh()
    gone.unlink()
    broken.unlink()
    # A restarted scheduler: nothing in memory, the store remembers the rest.
    with DagProcessor(settings, store, pool_size=1) as processor:
        result = processor.refresh()
    assert result.stale_dag_ids == ["gone"]
    assert errors_by_name(store) == {}
    assert [d.dag_id for d in store.list_dags(DagQuery())] == ["kept"]


def test_watch_thread_picks_up_new_files(
    folder: Path, store: MetadataStore, processor: DagProcessor
) -> None:
    seen = threading.Event()
    results = []

    def on_refresh(result: object) -> None:
        results.append(result)
        seen.set()

    thread = processor.start_watching(interval=0.05, on_refresh=on_refresh)
    try:
        write(folder / "late.py", dag_source("late", ["a"]))
        assert seen.wait(30)
    finally:
        thread.stop(timeout=30)
    assert not thread.is_alive()
    assert store.get_dag("late") is not None
    assert any("late" in r.stored_dag_ids for r in results)


def test_idle_parsing_workers_stop_and_come_back_for_a_change(
    settings: Settings, store: MetadataStore, folder: Path
) -> None:
    write(folder / "one.py", dag_source("one", ["a"]))
    with DagProcessor(
        settings, store, pool_size=2, import_timeout=2.0, idle_workers_seconds=0.3
    ) as processor:
        processor.refresh()
        pool = processor._pool
        assert pool is not None
        workers = pool.worker_pids
        assert workers and all(pid_alive(pid) for pid in workers)
        deadline = time.monotonic() + 30
        while processor._pool is not None and time.monotonic() < deadline:
            time.sleep(0.1)
            processor.refresh()  # nothing changed
        assert processor._pool is None
        assert wait_gone(workers)
        write(folder / "one.py", dag_source("one", ["a", "b"]))
        result = processor.refresh()
        assert result.parsed_files and processor._pool is not None
    serialized = store.get_serialized_dag("one")
    assert serialized is not None
    assert [t["task_id"] for t in serialized.data["tasks"]] == ["a", "b"]


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def wait_gone(pids: list[int], timeout: float = 10) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not any(pid_alive(pid) for pid in pids):
            return True
        time.sleep(0.05)
    return False
