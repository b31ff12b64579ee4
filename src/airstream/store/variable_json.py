"""Variables to and from Airflow's JSON export format.

The file is one object: ``{"key": value}``, or ``{"key": {"value": value, "description":
"..."}}`` for a variable with a description. A value that is not a string is stored as its
JSON text (so ``Variable.get(key, deserialize_json=True)`` gives it back), and exporting
turns stored JSON text back into JSON, as ``airflow variables export`` does.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping
from typing import Any

from airstream.store.base import MetadataStore
from airstream.store.records import Variable


class OnExistingKey(enum.StrEnum):
    """``--action-on-existing-key`` of ``variables import``."""

    OVERWRITE = "overwrite"
    FAIL = "fail"
    SKIP = "skip"


class VariableImportError(ValueError):
    """The import file is not a JSON object of variables, or a key exists under ``fail``."""


def export_variables(store: MetadataStore) -> dict[str, Any]:
    """Every stored variable in the export format."""
    return {var.key: _export_entry(var) for var in store.list_variables()}


def _export_entry(var: Variable) -> Any:
    try:
        value: Any = json.loads(var.val)
    except ValueError:
        value = var.val
    if var.description:
        return {"value": value, "description": var.description}
    return value


def parse_variables(data: Any) -> list[Variable]:
    """Variables from a parsed import file (see the module docstring)."""
    if not isinstance(data, Mapping):
        raise VariableImportError("a variables file must hold one JSON object of key: value")
    parsed = []
    for key, entry in data.items():
        description = None
        if isinstance(entry, Mapping) and set(entry) in ({"value"}, {"value", "description"}):
            entry, description = entry["value"], entry.get("description")
        text = entry if isinstance(entry, str) else json.dumps(entry)
        parsed.append(Variable(key=str(key), val=text, description=description))
    return parsed


def import_variables(
    store: MetadataStore, data: Any, on_existing: OnExistingKey = OnExistingKey.OVERWRITE
) -> list[str]:
    """Store the variables of ``data``; returns the keys written (skipped ones left out)."""
    variables = parse_variables(data)
    existing = {v.key for v in variables if store.get_variable(v.key) is not None}
    if existing and on_existing == OnExistingKey.FAIL:
        raise VariableImportError(f"variable(s) already exist: {', '.join(sorted(existing))}")
    written = []
    for var in variables:
        if var.key in existing and on_existing == OnExistingKey.SKIP:
            continue
        store.set_variable(var.key, var.val, var.description)
        written.append(var.key)
    return written
