"""Fixtures: a fresh metadata database per test, on SQLite, PostgreSQL and MariaDB.

Isolation on the shared servers: on PostgreSQL each test gets its own schema in the ``test``
database (the search path of its URL points there); on MariaDB its own database. Both are
dropped afterwards; nothing else is touched.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from airstream.store import MetadataStore, open_store

POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
MYSQL_URL = "mysql+pymysql://root@127.0.0.1:3306/test"

BACKENDS = ["sqlite", "postgres", "mysql"]


@pytest.fixture(scope="session")
def postgres_admin() -> Iterator[sa.Engine]:
    engine = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    yield engine
    engine.dispose()


def postgres_schema_url(schema: str) -> str:
    return f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"


@pytest.fixture
def postgres_url(postgres_admin: sa.Engine) -> Iterator[str]:
    """A URL whose tables live in a schema of their own, dropped after the test."""
    schema = f"airstream_test_{uuid.uuid4().hex[:12]}"
    with postgres_admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    yield postgres_schema_url(schema)
    with postgres_admin.connect() as conn:
        conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(scope="session")
def mysql_admin() -> Iterator[sa.Engine]:
    engine = sa.create_engine(MYSQL_URL, isolation_level="AUTOCOMMIT")
    yield engine
    engine.dispose()


@pytest.fixture
def mysql_url(mysql_admin: sa.Engine) -> Iterator[str]:
    """A URL of a database of its own on the MariaDB server, dropped after the test."""
    database = f"airstream_test_{uuid.uuid4().hex[:12]}"
    with mysql_admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE `{database}` CHARACTER SET utf8mb4")
    yield MYSQL_URL.replace("/test", f"/{database}")
    with mysql_admin.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE `{database}`")


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'airstream.db'}"


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest) -> str:
    """An empty database on each backend."""
    return str(request.getfixturevalue(f"{request.param}_url"))


@pytest.fixture
def store(database_url: str) -> Iterator[MetadataStore]:
    """A migrated, empty store on each backend."""
    opened = open_store(database_url)
    yield opened
    opened.close()
