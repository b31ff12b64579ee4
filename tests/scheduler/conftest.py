"""Fixtures for the scheduler: a store on SQLite and PostgreSQL, and a running scheduler.

On PostgreSQL each test gets a schema of its own in the ``test`` database (its URL's search
path points there), dropped afterwards, as in tests/store.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from scheduler_harness import SchedulerHarness

POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
DAGS = Path(__file__).parent / "dags"
SCHEDULED_DAGS = Path(__file__).parent / "scheduled_dags"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    schema = f"airstream_sched_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
    admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'airstream.db'}"


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest) -> str:
    """An empty database on each backend."""
    return str(request.getfixturevalue(f"{request.param}_url"))


@pytest.fixture
def harness(database_url: str, tmp_path: Path) -> Iterator[SchedulerHarness]:
    """A store with the test DAGs registered, and a scheduler the test may start."""
    with SchedulerHarness(database_url, tmp_path, DAGS) as opened:
        yield opened


@pytest.fixture
def sqlite_harness(sqlite_url: str, tmp_path: Path) -> Iterator[SchedulerHarness]:
    """The same on SQLite only, for tests of rules that do not depend on the backend."""
    with SchedulerHarness(sqlite_url, tmp_path, DAGS) as opened:
        yield opened


@pytest.fixture
def scheduled_harness(sqlite_url: str, tmp_path: Path) -> Iterator[SchedulerHarness]:
    """DAGs with schedules (start dates in 2024): for tests with an injected clock."""
    with SchedulerHarness(sqlite_url, tmp_path, SCHEDULED_DAGS) as opened:
        yield opened
