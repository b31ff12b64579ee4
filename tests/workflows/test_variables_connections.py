"""Variables and connections from the environment and the store; masking in logs."""

from __future__ import annotations

import logging

import pytest

from airstream.workflows.connections import Connection, get_connection
from airstream.workflows.exceptions import AirflowNotFoundException
from airstream.workflows.execution_store import MemoryExecutionStore, use_store
from airstream.workflows.secrets_masker import SecretsMaskingFilter, mask_secret, redact
from airstream.workflows.variables import Variable


def test_variable_sources(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW_VAR_FROM_AIRFLOW", "a")
    monkeypatch.setenv("AIRSTREAM_VAR_FROM_AIRSTREAM", '{"x": [1]}')
    assert Variable.get("from_airflow") == "a"
    assert Variable.get("from_airstream", deserialize_json=True) == {"x": [1]}
    assert Variable.get("missing", default="d") == "d"
    with pytest.raises(KeyError):
        Variable.get("missing")
    with use_store(MemoryExecutionStore(variables={"stored": "s"})):
        assert Variable.get("stored") == "s"
        Variable.set("written", {"k": 1}, serialize_json=True)
        assert Variable.get("written", deserialize_json=True) == {"k": 1}


def test_connection_uri_and_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "AIRFLOW_CONN_MY_PG", "postgresql://us%40er:p%2Fw@db.local:5433/analytics?sslmode=require"
    )
    monkeypatch.setenv(
        "AIRSTREAM_CONN_MY_JSON",
        '{"conn_type": "mysql", "host": "h", "login": "root", "port": 3306, "extra": {"a": 1}}',
    )
    pg = get_connection("my_pg")
    assert (pg.conn_type, pg.host, pg.port, pg.schema) == (
        "postgres",
        "db.local",
        5433,
        "analytics",
    )
    assert (pg.login, pg.password) == ("us@er", "p/w")
    assert pg.extra_dejson == {"sslmode": "require"}
    assert Connection(uri=pg.get_uri()).password == "p/w"
    js = get_connection("my_json")
    assert (js.conn_type, js.port, js.extra_dejson) == ("mysql", 3306, {"a": 1})
    with pytest.raises(AirflowNotFoundException):
        get_connection("nope")
    with use_store(MemoryExecutionStore(connections=[Connection("stored", "sqlite", host="/x")])):
        assert get_connection("stored").host == "/x"


def test_passwords_are_masked_in_log_records() -> None:
    Connection("masked", "postgres", password="hunter2-secret")
    mask_secret({"api_key": "key-12345", "other": "visible"})
    assert redact("pw=hunter2-secret key=key-12345 other=visible") == "pw=*** key=*** other=visible"
    record = logging.LogRecord("t", logging.INFO, "f", 1, "login %s", ("hunter2-secret",), None)
    SecretsMaskingFilter().filter(record)
    assert record.getMessage() == "login ***"
