"""Several processes sharing one database: SQLite settings and atomic state transitions."""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from airstream.store import open_store, schema
from airstream.store.engine import create_store_engine, normalize_url
from airstream.store.records import DagRun, TaskInstance, TaskInstanceKey, TaskInstanceState
from airstream.store.sql import SqlMetadataStore


def test_sqlite_connections_use_wal_foreign_keys_and_busy_timeout(sqlite_url: str) -> None:
    engine = create_store_engine(sqlite_url)
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
    finally:
        engine.dispose()


def test_sqlite_parent_directory_is_created(tmp_path: Path) -> None:
    path = tmp_path / "fresh" / "home" / "airstream.db"
    open_store(f"sqlite:///{path}").close()
    assert path.is_file()


def test_urls_get_airstreams_drivers() -> None:
    assert normalize_url("postgresql://u@h/db").drivername == "postgresql+psycopg"
    assert normalize_url("postgres://u@h/db").drivername == "postgresql+psycopg"
    mysql = normalize_url("mysql://root@h/db")
    assert mysql.drivername == "mysql+pymysql" and mysql.query["charset"] == "utf8mb4"
    assert normalize_url("postgresql+psycopg2://u@h/db").drivername == "postgresql+psycopg2"


RACE_FOR_THE_TASK = """
import sys
from airstream.store import open_store, schema
from airstream.store.sql import SqlMetadataStore
from airstream.store.records import TaskInstanceKey, TaskInstanceState
store = open_store(sys.argv[1])
sys.stdin.readline()  # start together
key = TaskInstanceKey("race", "r1", "t")
won = store.update_ti_state(
    key, TaskInstanceState.RUNNING, expected=TaskInstanceState.QUEUED, hostname=sys.argv[2]
)
print("won" if won else "lost")
store.close()
"""


def test_only_one_process_wins_a_compare_and_set(database_url: str) -> None:
    store = open_store(database_url)
    store.create_dag_run(DagRun(dag_id="race", run_id="r1"))
    store.create_tis([TaskInstance("race", "r1", "t", state=TaskInstanceState.QUEUED)])
    racers = [
        subprocess.Popen(
            [sys.executable, "-c", RACE_FOR_THE_TASK, database_url, f"host{i}"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(6)
    ]
    for racer in racers:
        assert racer.stdin is not None
        racer.stdin.write("go\n")
        racer.stdin.flush()
    results = [racer.communicate(timeout=60) for racer in racers]
    outcomes = [out.strip() for out, _ in results]
    assert sorted(outcomes) == ["lost"] * 5 + ["won"], [err for _, err in results]
    ti = store.get_ti(TaskInstanceKey("race", "r1", "t"))
    assert ti is not None and ti.state is TaskInstanceState.RUNNING
    assert ti.hostname == f"host{outcomes.index('won')}"
    store.close()


def test_read_only_transactions_do_not_block_a_writer(sqlite_url: str) -> None:
    store = open_store(sqlite_url)
    engine = create_store_engine(sqlite_url)
    try:
        with engine.connect() as reader:
            reader.execute(sa.text("SELECT count(*) FROM dag_run")).scalar()  # holds a snapshot
            store.set_variable("k", "v")  # WAL: the writer is not blocked by the reader
        stored = store.get_variable("k")
        assert stored is not None and stored.val == "v"
    finally:
        engine.dispose()
        store.close()


def test_threads_share_one_store(database_url: str) -> None:
    store = open_store(database_url)
    store.create_dag_run(DagRun(dag_id="threads", run_id="r"))

    def work(worker: int) -> None:
        for i in range(10):
            store.set_variable(f"v{worker}", str(i))
            store.create_tis([TaskInstance("threads", "r", f"t{worker}_{i}")])

    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(work, range(6)))
    assert store.count_tis() == 60
    assert {v.key: v.val for v in store.list_variables()} == {f"v{w}": "9" for w in range(6)}
    store.close()


def test_the_clock_is_injected(sqlite_url: str) -> None:
    fixed = datetime(2030, 5, 6, 7, 8, 9, tzinfo=UTC)
    engine = create_store_engine(sqlite_url)
    schema.upgrade(engine)
    store = SqlMetadataStore(engine, clock=lambda: fixed)
    run = store.create_dag_run(DagRun(dag_id="clock", run_id="r"))
    assert (run.queued_at, run.run_after, run.updated_at) == (fixed, fixed, fixed)
    store.close()
