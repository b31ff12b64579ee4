"""``dags test`` with the metadata database on PostgreSQL (its own schema per test)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from dag_cli import run_dag

from airstream.store import open_store

POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@pytest.fixture
def postgres_url(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    schema = f"airstream_wf_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    url = f"{POSTGRES}?options=-csearch_path%3D{schema}"
    monkeypatch.setenv("AIRSTREAM_DATABASE_URL", url)
    yield url
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
    admin.dispose()


def test_mapping_and_sensors_on_postgres(postgres_url: str) -> None:
    assert run_dag("mapping").exit_code == 0
    sensors = run_dag("sensors")
    assert sensors.state("reschedule_python") == "success"
    assert sensors.tries[("reschedule_python", -1)] == 1
    with open_store(postgres_url) as store:
        run_id = "manual__2024-01-01T00:00:00+00:00"
        tis = store.list_run_tis("mapping", run_id)
        assert sorted(ti.map_index for ti in tis if ti.task_id == "add") == [0, 1, 2]
        total = store.get_xcom("mapping", run_id, "sum_added")
        assert total is not None and total.value == 36
        assert store.get_dag_run("sensors", run_id).state == "failed"  # type: ignore[union-attr]
