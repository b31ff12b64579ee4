"""``dag.test(variable_file_path=..., conn_file_path=...)``: settings from local files.

As Airflow's local-filesystem secrets backend: a ``.json``, ``.yaml``/``.yml`` or ``.env``
file maps keys to variable values or connections (a URI or a dict of connection fields).
For the duration of the test they are exposed as ``AIRFLOW_VAR_*`` / ``AIRFLOW_CONN_*``
environment variables, which variable and connection lookups already read first.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from airstream.workflows.exceptions import AirflowException


def read_settings_file(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The key → value mapping of a ``.json``, ``.yaml``/``.yml`` or ``.env`` file."""
    file = Path(path)
    text = file.read_text()
    suffix = file.suffix.lower()
    if suffix == ".json":
        data = json.loads(text) if text.strip() else {}
    elif suffix in (".yaml", ".yml"):
        import yaml

        data = yaml.safe_load(text) or {}
    elif suffix == ".env":
        data = _parse_env(text)
    else:
        raise AirflowException(
            f"Unsupported file format {suffix!r} for {file}: use .json/.yaml/.env"
        )
    if not isinstance(data, dict):
        raise AirflowException(f"{file} must hold a mapping of keys to values")
    return data


def _parse_env(text: str) -> dict[str, str]:
    values: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        if not sep:
            raise AirflowException(f"Invalid line {number}: expected KEY=VALUE")
        values[key.strip()] = value.strip()
    return values


def _variable_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _connection_text(value: Any) -> str:
    if isinstance(value, dict) and "conn_uri" in value:
        return str(value["conn_uri"])
    return value if isinstance(value, str) else json.dumps(value)


@contextlib.contextmanager
def local_settings(
    variable_file_path: str | None = None, conn_file_path: str | None = None
) -> Iterator[None]:
    """Expose the files' variables and connections while the block runs."""
    updates: dict[str, str] = {}
    if variable_file_path:
        for key, value in read_settings_file(variable_file_path).items():
            updates[f"AIRFLOW_VAR_{key.upper()}"] = _variable_text(value)
    if conn_file_path:
        for key, value in read_settings_file(conn_file_path).items():
            updates[f"AIRFLOW_CONN_{key.upper()}"] = _connection_text(value)
    saved = {name: os.environ.get(name) for name in updates}
    os.environ.update(updates)
    try:
        yield
    finally:
        for name, old in saved.items():
            if old is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = old
