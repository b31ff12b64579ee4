"""The store verbs the console added: recent runs per DAG, changes since a time, bulk runs.

On SQLite here; the verbs are written in portable SQLAlchemy (window functions exist on
PostgreSQL and MariaDB too) and the store's contract suite covers the rest of the store.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from airstream.store import MetadataStore, open_store
from airstream.store.errors import AlreadyExists
from airstream.store.queries import DagRunQuery, TaskInstanceQuery
from airstream.store.records import DagModel, DagRun, DagRunState, TaskInstance, TaskInstanceState

START = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[MetadataStore]:
    with open_store(f"sqlite:///{tmp_path / 'airstream.db'}") as opened:
        yield opened


def _runs(dag_id: str, count: int) -> list[DagRun]:
    return [
        DagRun(dag_id, f"run_{n:03d}", state=DagRunState.SUCCESS, run_after=START + timedelta(n))
        for n in range(count)
    ]


def test_latest_runs_of_a_page_of_dags(store: MetadataStore) -> None:
    for dag_id in ("a", "b", "c"):
        store.upsert_dag(DagModel(dag_id))
    store.create_dag_runs(_runs("a", 8) + _runs("b", 2))
    latest = store.latest_dag_runs(["a", "b", "c"], 3)
    assert {dag: [r.run_id for r in runs] for dag, runs in latest.items()} == {
        "a": ["run_007", "run_006", "run_005"],
        "b": ["run_001", "run_000"],
    }
    assert store.latest_dag_runs([], 3) == {}


def test_bulk_runs_with_their_task_instances(store: MetadataStore) -> None:
    store.upsert_dag(DagModel("a"))
    runs = _runs("a", 3)
    tis = [TaskInstance("a", run.run_id, "t") for run in runs]
    assert store.create_dag_runs(runs, tis) == 3
    assert store.count_tis(TaskInstanceQuery(dag_ids=["a"])) == 3
    with pytest.raises(AlreadyExists):
        store.create_dag_runs(runs[:1])
    assert store.count_dag_runs() == 3


def test_changes_since_a_time(store: MetadataStore) -> None:
    store.upsert_dag(DagModel("a"))
    run = _runs("a", 1)[0]
    store.create_dag_runs([run], [TaskInstance("a", run.run_id, "t")])
    [ti] = store.list_tis()
    assert ti.updated_at is not None
    since = ti.updated_at + timedelta(microseconds=1)
    assert store.list_dag_runs(DagRunQuery(updated_since=since)) == []
    assert store.list_tis(TaskInstanceQuery(updated_since=since)) == []
    assert len(store.list_tis(TaskInstanceQuery(updated_since=ti.updated_at))) == 1
    store.update_ti_state(ti.key, TaskInstanceState.RUNNING)
    [changed] = store.list_tis(TaskInstanceQuery(dag_ids=["a"], updated_since=since))
    assert changed.state == TaskInstanceState.RUNNING
    assert store.list_tis(TaskInstanceQuery(dag_ids=["b"], updated_since=since)) == []
    assert store.list_dag_runs(DagRunQuery(updated_since=since)) == []
