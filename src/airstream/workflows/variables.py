"""Variables: global key/value settings read by DAGs and templates (``var.value.x``).

Looked up in ``AIRSTREAM_VAR_<KEY>`` / ``AIRFLOW_VAR_<KEY>`` environment variables, then the
metadata store. Values of keys that look secret (``*password*``, ``*secret*``, ...) are masked.
"""

from __future__ import annotations

import json
import os
from typing import Any

from airstream.workflows.execution_store import active_store
from airstream.workflows.secrets_masker import mask_secret, should_hide_value_for_key

ENV_PREFIXES = ("AIRSTREAM_VAR_", "AIRFLOW_VAR_")
_NOTSET: Any = object()


def get_variable_raw(key: str) -> str | None:
    for prefix in ENV_PREFIXES:
        value = os.environ.get(prefix + key.upper())
        if value is not None:
            return value
    store = active_store()
    return store.get_variable(key) if store is not None else None


class Variable:
    """Airflow's ``Variable``: ``Variable.get(key)``, ``Variable.set(key, value)``."""

    @classmethod
    def get(
        cls,
        key: str,
        default: Any = _NOTSET,
        deserialize_json: bool = False,
        *,
        default_var: Any = _NOTSET,
    ) -> Any:
        """The value of ``key``; ``default`` (Airflow 2 spelling: ``default_var``) if unset."""
        if default is _NOTSET:
            default = default_var
        raw = get_variable_raw(key)
        if raw is None:
            if default is _NOTSET:
                raise KeyError(f"Variable {key} does not exist")
            return default
        if should_hide_value_for_key(key):
            mask_secret(raw)
        return json.loads(raw) if deserialize_json else raw

    @classmethod
    def set(
        cls, key: str, value: Any, description: str | None = None, serialize_json: bool = False
    ) -> None:
        store = active_store()
        if store is None:
            raise RuntimeError("Variable.set needs a metadata store; none is active")
        text = json.dumps(value, indent=2) if serialize_json else str(value)
        store.set_variable(key, text)


class VariableAccessor:
    """``var.value.x`` / ``var.json.x`` in templates."""

    def __init__(self, deserialize_json: bool) -> None:
        self._json = deserialize_json

    def __getattr__(self, key: str) -> Any:
        if key.startswith("__"):
            raise AttributeError(key)
        return Variable.get(key, deserialize_json=self._json)

    def get(self, key: str, default: Any = _NOTSET) -> Any:
        return Variable.get(key, default, deserialize_json=self._json)

    def __repr__(self) -> str:
        return f"<VariableAccessor json={self._json}>"


class ConnectionAccessor:
    """``conn.my_db.host`` in templates."""

    def __getattr__(self, conn_id: str) -> Any:
        if conn_id.startswith("__"):
            raise AttributeError(conn_id)
        from airstream.workflows.connections import get_connection

        return get_connection(conn_id)

    def get(self, conn_id: str, default: Any = None) -> Any:
        from airstream.workflows.connections import get_connection
        from airstream.workflows.exceptions import AirflowNotFoundException

        try:
            return get_connection(conn_id)
        except AirflowNotFoundException:
            return default
