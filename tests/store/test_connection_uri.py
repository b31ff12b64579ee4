"""Airflow's connection URI and JSON forms, parsed and written back."""

from __future__ import annotations

import json

import pytest

from airstream.store.connection_uri import (
    connection_from_json,
    connection_from_text,
    connection_from_uri,
    connection_to_uri,
)
from airstream.store.errors import InvalidConnectionUri
from airstream.store.records import Connection


def test_parse_full_uri_like_airflow() -> None:
    conn = connection_from_uri(
        "pg",
        "postgresql://user%40corp:p%40ss%2Fword@db.example.com:5433/ware%2Fhouse?sslmode=require&x=",
    )
    assert conn == Connection(
        conn_id="pg",
        conn_type="postgres",
        host="db.example.com",
        login="user@corp",
        password="p@ss/word",
        port=5433,
        schema="ware/house",
        extra='{"sslmode": "require", "x": ""}',
    )
    assert conn.extra_dejson == {"sslmode": "require", "x": ""}


@pytest.mark.parametrize(
    "conn",
    [
        Connection("a", "postgres", host="h", login="l", password="p:w@/?", port=1, schema="s"),
        Connection("b", "google_cloud_platform", extra='{"nested": {"k": [1, 2]}}'),
        Connection("c", "http", host="https://api.example.com", extra='{"timeout": "10"}'),
        Connection("d", "sqlite", host="/tmp/x.db"),
        Connection("e", "mysql", port=3306),
        Connection("f", "http", password="only"),
        Connection("g", "fs", extra='{"path": "/data", "n": 1}'),
    ],
    ids=lambda c: c.conn_id,
)
def test_uri_round_trip(conn: Connection) -> None:
    uri = connection_to_uri(conn)
    parsed = connection_from_uri(conn.conn_id, uri)
    assert parsed.extra_dejson == conn.extra_dejson
    assert parsed == Connection(**{**conn.__dict__, "extra": parsed.extra})


def test_uri_shapes_match_airflow() -> None:
    assert connection_to_uri(Connection("x", "google_cloud_platform")) == "google-cloud-platform://"
    nested = connection_to_uri(Connection("x", "aws", extra='{"a": {"b": 1}}'))
    assert nested.startswith("aws:///?__extra__=")
    port_only = Connection("x", "mysql", port=3306)
    assert connection_to_uri(port_only) == "mysql://@:3306"
    assert connection_to_uri(Connection("x", "http", host="https://h", port=1)) == (
        "http://https://h:1"
    )
    assert connection_from_uri("x", "my-type://h").conn_type == "my_type"


def test_bad_uris_are_rejected() -> None:
    with pytest.raises(InvalidConnectionUri):
        connection_from_uri("x", "no-scheme-here")
    with pytest.raises(InvalidConnectionUri):
        connection_from_uri("x", "a://b://c://d")
    with pytest.raises(InvalidConnectionUri):
        connection_from_uri("x", "postgres://h:notaport/db")


def test_json_form() -> None:
    text = json.dumps(
        {"conn_type": "postgresql", "host": "h", "port": "5432", "extra": {"sslmode": "require"}}
    )
    conn = connection_from_json("pg", text)
    assert (conn.conn_type, conn.port, conn.extra_dejson) == (
        "postgres",
        5432,
        {"sslmode": "require"},
    )
    assert conn.to_json_dict() == {
        "conn_type": "postgres",
        "host": "h",
        "port": 5432,
        "extra": {"sslmode": "require"},
    }
    assert connection_from_text("pg", " " + text) == conn
    assert connection_from_text("pg", "postgres://h:5432").host == "h"
    with pytest.raises(InvalidConnectionUri, match="unknown"):
        connection_from_json("pg", '{"hots": "typo"}')
    with pytest.raises(InvalidConnectionUri):
        connection_from_json("pg", "[1]")
