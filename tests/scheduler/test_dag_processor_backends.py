"""The DAG processor's store-writing path on SQLite and PostgreSQL alike.

On PostgreSQL each test gets a schema of its own in the ``test`` database (as the store's
contract tests do), dropped afterwards.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from airstream.config import CoreSettings, DatabaseSettings, Settings
from airstream.scheduler.processor import DagProcessor
from airstream.store import MetadataStore, open_store

POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"

DAG_FILE = """\
from datetime import datetime, timedelta
from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG({dag_id!r}, schedule=timedelta(days=1), start_date=datetime(2024, 1, 1),
         tags=["t1", "t2"], description="d", max_active_runs=3):
    a = BashOperator(task_id="a", bash_command="echo a")
    b = BashOperator(task_id="b", bash_command="echo b", retries={retries})
    a >> b
"""


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'airstream.db'}"
        return
    admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    schema = f"airstream_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    path = tmp_path / "dags"
    path.mkdir()
    return path


@pytest.fixture
def store(database_url: str) -> Iterator[MetadataStore]:
    opened = open_store(database_url)
    yield opened
    opened.close()


@pytest.fixture
def processor(
    tmp_path: Path, folder: Path, database_url: str, store: MetadataStore
) -> Iterator[DagProcessor]:
    settings = Settings(
        home=tmp_path / "home",
        core=CoreSettings(dags_folder=folder, load_examples=False),
        database=DatabaseSettings(url=database_url),
    )
    with DagProcessor(settings, store, pool_size=2, import_timeout=5) as dag_processor:
        yield dag_processor


def test_pass_stores_rows_errors_and_stale_marks(
    folder: Path, store: MetadataStore, processor: DagProcessor
) -> None:
    for index in range(20):
        (folder / f"dag_{index:02}.py").write_text(
            DAG_FILE.format(dag_id=f"d{index:02}", retries=1)
        )
    (folder / "broken.py").write_text("from airflow import DAG\nDAG('broken'\n")

    result = processor.refresh()

    assert len(result.stored_dag_ids) == 20
    assert store.count_dags() == 20
    model = store.get_dag("d07")
    assert model is not None
    assert model.tags == ("t1", "t2")
    assert model.max_active_runs == 3
    assert model.schedule == "1 day, 0:00:00"
    serialized = store.get_serialized_dag("d07")
    assert serialized is not None
    assert [t["retries"] for t in serialized.data["tasks"]] == [0, 1]
    (error,) = store.list_import_errors()
    assert error.filename == str(folder / "broken.py")
    assert "SyntaxError" in error.stacktrace

    (folder / "dag_03.py").unlink()
    (folder / "dag_05.py").write_text(DAG_FILE.format(dag_id="d05", retries=4))
    (folder / "broken.py").write_text(DAG_FILE.format(dag_id="fixed", retries=0))
    second = processor.refresh()

    assert second.stale_dag_ids == ["d03"]
    assert sorted(second.stored_dag_ids) == ["d05", "fixed"]
    assert store.list_import_errors() == []
    changed = store.get_serialized_dag("d05")
    assert changed is not None
    assert [t["retries"] for t in changed.data["tasks"]] == [0, 4]
    assert store.count_dags() == 20
