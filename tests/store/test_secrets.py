"""Environment first, then the store, for variables and connections."""

from __future__ import annotations

import pytest

from airstream.store import InvalidConnectionUri, MetadataStore
from airstream.store.records import Connection
from airstream.store.secrets import get_connection, get_variable


@pytest.fixture
def sqlite_store(sqlite_url: str) -> MetadataStore:
    from airstream.store import open_store

    return open_store(sqlite_url)


def test_variable_lookup_order(sqlite_store: MetadataStore) -> None:
    sqlite_store.set_variable("region", "stored")
    assert get_variable("region", sqlite_store, env={}) == "stored"
    assert get_variable("region", sqlite_store, env={"AIRFLOW_VAR_REGION": "airflow"}) == "airflow"
    both = {"AIRFLOW_VAR_REGION": "airflow", "AIRSTREAM_VAR_REGION": "airstream"}
    assert get_variable("region", sqlite_store, env=both) == "airstream"
    assert get_variable("missing", sqlite_store, env={}) is None
    assert get_variable("region", None, env={}) is None


def test_connection_lookup_order(sqlite_store: MetadataStore) -> None:
    sqlite_store.set_connection(Connection("my_db", "postgres", host="stored"))
    stored = get_connection("my_db", sqlite_store, env={})
    assert stored is not None and stored.host == "stored"
    env = {"AIRFLOW_CONN_MY_DB": "mysql://u:p@from-env:3306/s"}
    from_env = get_connection("my_db", sqlite_store, env=env)
    assert from_env is not None
    assert (from_env.conn_type, from_env.host, from_env.password) == ("mysql", "from-env", "p")
    env["AIRSTREAM_CONN_MY_DB"] = '{"conn_type": "http", "host": "json-host"}'
    from_json = get_connection("my_db", sqlite_store, env=env)
    assert from_json is not None and from_json.host == "json-host"
    assert get_connection("nope", sqlite_store, env={}) is None
    with pytest.raises(InvalidConnectionUri):
        get_connection("bad", None, env={"AIRFLOW_CONN_BAD": "not a uri"})


def test_reads_the_process_environment_by_default(
    sqlite_store: MetadataStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIRFLOW_VAR_FROM_PROCESS", "yes")
    assert get_variable("from_process", sqlite_store) == "yes"
