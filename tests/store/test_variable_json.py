"""Airflow's variables export format, both ways."""

from __future__ import annotations

import pytest

from airstream.store import MetadataStore, open_store
from airstream.store.variable_json import (
    OnExistingKey,
    VariableImportError,
    export_variables,
    import_variables,
)


@pytest.fixture
def sqlite_store(sqlite_url: str) -> MetadataStore:
    return open_store(sqlite_url)


def test_import_then_export_round_trips(sqlite_store: MetadataStore) -> None:
    data = {
        "plain": "text",
        "number": 3,
        "nested": {"a": [1, 2]},
        "described": {"value": "v", "description": "what it is"},
    }
    assert sorted(import_variables(sqlite_store, data)) == sorted(data)
    number = sqlite_store.get_variable("number")
    assert number is not None and number.val == "3"
    described = sqlite_store.get_variable("described")
    assert described is not None and described.description == "what it is"
    assert export_variables(sqlite_store) == data


def test_existing_keys_policy(sqlite_store: MetadataStore) -> None:
    sqlite_store.set_variable("k", "old")
    with pytest.raises(VariableImportError, match="k"):
        import_variables(sqlite_store, {"k": "new", "other": "x"}, OnExistingKey.FAIL)
    assert sqlite_store.get_variable("other") is None
    assert import_variables(sqlite_store, {"k": "new", "other": "x"}, OnExistingKey.SKIP) == [
        "other"
    ]
    kept = sqlite_store.get_variable("k")
    assert kept is not None and kept.val == "old"
    with pytest.raises(VariableImportError):
        import_variables(sqlite_store, ["not", "an", "object"])
