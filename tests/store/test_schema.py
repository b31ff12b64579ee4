"""Migrations: idempotent, concurrent-safe, checkable, and dropping only our own tables."""

from __future__ import annotations

import subprocess
import sys

import pytest
import sqlalchemy as sa

from airstream.store import SchemaNotReady, open_store, tables
from airstream.store import schema as store_schema
from airstream.store.engine import create_store_engine


def test_migrate_is_idempotent_and_matches_the_tables(database_url: str) -> None:
    engine = create_store_engine(database_url)
    try:
        assert store_schema.schema_status(engine).current is None
        first = store_schema.upgrade(engine)
        second = store_schema.upgrade(engine)
        assert first.up_to_date and second == first
        assert store_schema.differences(engine) == []
        with engine.connect() as conn:
            pools = conn.execute(sa.text("SELECT pool, slots FROM slot_pool")).all()
        assert [tuple(p) for p in pools] == [("default_pool", 128)]
    finally:
        engine.dispose()


def test_open_without_migrate_requires_db_migrate(database_url: str) -> None:
    with pytest.raises(SchemaNotReady, match="airstream db migrate"):
        open_store(database_url, migrate=False)
    open_store(database_url).close()
    open_store(database_url, migrate=False).close()


def test_drop_all_leaves_other_tables_alone(database_url: str) -> None:
    engine = create_store_engine(database_url)
    try:
        store_schema.upgrade(engine)
        with engine.begin() as conn:
            conn.execute(sa.text("CREATE TABLE not_ours (id INTEGER)"))
        store_schema.drop_all(engine)
        names = set(sa.inspect(engine).get_table_names())
        assert names == {"not_ours"}
        assert store_schema.schema_status(engine).current is None
    finally:
        engine.dispose()


OPEN_AND_REPORT = """
import sys
from airstream.store import open_store
store = open_store(sys.argv[1])
print(len(store.list_pools()))
store.close()
"""


def test_concurrent_first_opens_migrate_once(database_url: str) -> None:
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", OPEN_AND_REPORT, database_url],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    results = [p.communicate(timeout=60) for p in processes]
    assert [p.returncode for p in processes] == [0] * 4, [err for _, err in results]
    assert [out.strip() for out, _ in results] == ["1"] * 4


def test_upgrade_from_the_first_revision_keeps_data(database_url: str) -> None:
    engine = create_store_engine(database_url)
    try:
        store_schema.upgrade(engine, "0001")
        assert store_schema.schema_status(engine).current == "0001"
        with engine.begin() as conn:
            conn.execute(tables.variable.insert().values(key="k", val="v", is_encrypted=False))
        status = store_schema.upgrade(engine)
        assert status.up_to_date and status.current != "0001"
        assert store_schema.differences(engine) == []
    finally:
        engine.dispose()
    store = open_store(database_url, migrate=False)
    variable = store.get_variable("k")
    assert variable is not None and variable.val == "v"
    store.close()


def test_a_schema_newer_than_this_airstream_is_refused(database_url: str) -> None:
    open_store(database_url).close()
    engine = create_store_engine(database_url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
        with pytest.raises(SchemaNotReady, match="newer than this airstream"):
            store_schema.upgrade(engine)
    finally:
        engine.dispose()
    with pytest.raises(SchemaNotReady):
        open_store(database_url, migrate=False)


def test_the_head_is_known_without_alembic() -> None:
    """The fast check (no Alembic import) must agree with Alembic about the newest revision."""
    assert store_schema.newest_migration_file_revision() == store_schema.head_revision()


def test_opening_a_current_database_does_not_import_alembic(tmp_path: object) -> None:
    code = (
        "import sys\n"
        "from airstream.store import open_store\n"
        f"url = 'sqlite:///{tmp_path}/fast.db'\n"
        "open_store(url).close()\n"  # creates the schema: Alembic needed
        "assert 'alembic' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    again = (
        "import sys\n"
        "from airstream.store import open_store\n"
        f"open_store('sqlite:///{tmp_path}/fast.db').close()\n"
        "assert not any(m.split('.')[0] == 'alembic' for m in sys.modules), 'alembic imported'\n"
    )
    subprocess.run([sys.executable, "-c", again], check=True)


def test_a_service_migrates_a_fresh_database_in_a_child(tmp_path: object) -> None:
    code = (
        "import sys\n"
        "from airstream.store import open_store\n"
        f"store = open_store('sqlite:///{tmp_path}/fresh.db', migrate_in_child=True)\n"
        "assert store.get_pool('default_pool') is not None\n"
        "assert not any(m.split('.')[0] == 'alembic' for m in sys.modules), 'alembic imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
