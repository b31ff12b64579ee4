"""Where variables and connections are looked up: the environment first, then the store.

This is Airflow's secrets-backend order (environment variables, then the metastore), with
airstream's own prefix tried before Airflow's:

- variable ``my_key``: ``AIRSTREAM_VAR_MY_KEY``, ``AIRFLOW_VAR_MY_KEY``, then ``variable``;
- connection ``my_db``: ``AIRSTREAM_CONN_MY_DB``, ``AIRFLOW_CONN_MY_DB`` (a URI, or JSON when it
  starts with ``{``), then ``connection``.

Task code, templates and operators call :func:`get_variable` and :func:`get_connection`
only, so they all agree on the order.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from airstream.store.base import MetadataStore
from airstream.store.connection_uri import connection_from_text
from airstream.store.records import Connection

VARIABLE_ENV_PREFIXES = ("AIRSTREAM_VAR_", "AIRFLOW_VAR_")
CONNECTION_ENV_PREFIXES = ("AIRSTREAM_CONN_", "AIRFLOW_CONN_")


def _from_env(prefixes: tuple[str, ...], name: str, env: Mapping[str, str]) -> str | None:
    for prefix in prefixes:
        value = env.get(prefix + name.upper())
        if value is not None:
            return value
    return None


def get_variable(
    key: str, store: MetadataStore | None, env: Mapping[str, str] | None = None
) -> str | None:
    """The variable's text, or ``None`` if neither the environment nor the store has it."""
    value = _from_env(VARIABLE_ENV_PREFIXES, key, os.environ if env is None else env)
    if value is not None:
        return value
    stored = store.get_variable(key) if store is not None else None
    return stored.val if stored is not None else None


def get_connection(
    conn_id: str, store: MetadataStore | None, env: Mapping[str, str] | None = None
) -> Connection | None:
    """The connection, or ``None``; a malformed environment value raises InvalidConnectionUri."""
    text = _from_env(CONNECTION_ENV_PREFIXES, conn_id, os.environ if env is None else env)
    if text is not None:
        return connection_from_text(conn_id, text)
    return store.get_connection(conn_id) if store is not None else None
