"""Connections: how to reach an external system, by ``conn_id``.

Looked up, in order, in ``AIRSTREAM_CONN_<ID>`` / ``AIRFLOW_CONN_<ID>`` environment variables
(a URI or JSON, as in Airflow) and then the metadata store. Passwords are masked in task logs.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

from airstream.workflows.exceptions import AirflowNotFoundException
from airstream.workflows.execution_store import active_store
from airstream.workflows.secrets_masker import mask_secret

ENV_PREFIXES = ("AIRSTREAM_CONN_", "AIRFLOW_CONN_")


class Connection:
    """A connection's fields, as Airflow names them."""

    def __init__(
        self,
        conn_id: str | None = None,
        conn_type: str | None = None,
        description: str | None = None,
        host: str | None = None,
        login: str | None = None,
        password: str | None = None,
        schema: str | None = None,
        port: int | None = None,
        extra: str | dict[str, Any] | None = None,
        uri: str | None = None,
    ) -> None:
        self.conn_id = conn_id or ""
        self.conn_type = conn_type
        self.description = description
        self.host = host
        self.login = login
        self.password = password
        self.schema = schema
        self.port = port
        self.extra = json.dumps(extra) if isinstance(extra, dict) else extra
        if uri:
            self._parse_uri(uri)
        if self.password:
            mask_secret(self.password)

    def _parse_uri(self, uri: str) -> None:
        parts = urlsplit(uri)
        conn_type = parts.scheme.replace("-", "_")
        self.conn_type = "postgres" if conn_type == "postgresql" else conn_type
        self.host = unquote(parts.hostname) if parts.hostname else None
        self.schema = unquote(parts.path[1:]) if parts.path.startswith("/") else None
        self.login = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.port = parts.port
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        if "__extra__" in query:
            self.extra = query["__extra__"]
        elif query:
            self.extra = json.dumps(query)

    @classmethod
    def from_json(cls, value: str, conn_id: str | None = None) -> Connection:
        data = json.loads(value)
        extra = data.pop("extra", None)
        port = data.pop("port", None)
        return cls(conn_id=conn_id, extra=extra, port=int(port) if port else None, **data)

    @property
    def extra_dejson(self) -> dict[str, Any]:
        if not self.extra:
            return {}
        try:
            value = json.loads(self.extra)
        except ValueError:
            return {}
        if isinstance(value, dict):
            mask_secret(value)
            return value
        return {}

    def get_uri(self) -> str:
        uri = f"{(self.conn_type or '').replace('_', '-')}://"
        if self.login or self.password:
            uri += quote(self.login or "", safe="")
            if self.password:
                uri += ":" + quote(self.password, safe="")
            uri += "@"
        uri += quote(self.host or "", safe="")
        if self.port:
            uri += f":{self.port}"
        if self.schema:
            uri += "/" + quote(self.schema, safe="")
        extra = self.extra_dejson
        if extra:
            simple = all(isinstance(v, str) for v in extra.values())
            uri += "?" + (urlencode(extra) if simple else urlencode({"__extra__": self.extra}))
        return uri

    def to_dict(self) -> dict[str, Any]:
        return {
            "conn_id": self.conn_id,
            "conn_type": self.conn_type,
            "description": self.description,
            "host": self.host,
            "login": self.login,
            "password": self.password,
            "schema": self.schema,
            "port": self.port,
            "extra": self.extra,
        }

    @classmethod
    def get(cls, conn_id: str) -> Connection:
        return get_connection(conn_id)

    def __repr__(self) -> str:
        return f"Connection({self.conn_id!r}, conn_type={self.conn_type!r}, host={self.host!r})"


def connection_from_env(conn_id: str, env: Mapping[str, str] | None = None) -> Connection | None:
    env = os.environ if env is None else env
    for prefix in ENV_PREFIXES:
        value = env.get(prefix + conn_id.upper())
        if value is None:
            continue
        value = value.strip()
        if value.startswith("{"):
            return Connection.from_json(value, conn_id=conn_id)
        return Connection(conn_id=conn_id, uri=value)
    return None


def get_connection(conn_id: str) -> Connection:
    """The connection ``conn_id`` from the environment or the active store."""
    conn = connection_from_env(conn_id)
    store = active_store()
    if conn is None and store is not None:
        conn = store.get_connection(conn_id)
    if conn is None:
        raise AirflowNotFoundException(f"The conn_id `{conn_id}` isn't defined")
    if conn.password:
        mask_secret(conn.password)
    return conn
