"""XCom entries of a task instance: list them and read one (as JSON or as text)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from fastapi import APIRouter, Depends
from fastapi.encoders import jsonable_encoder

from airstream.store import MetadataStore
from airstream.store.records import DagRun, XComEntry
from airstream.web.api.dag_runs import require_run
from airstream.web.api.dags import dag_display_name, require_dag
from airstream.web.auth import requires
from airstream.web.dependencies import PagingDep, StoreDep
from airstream.web.errors import not_found
from airstream.web.roles import Role
from airstream.web.schemas import (
    XComCollectionResponse,
    XComResponse,
    XComResponseNative,
    XComResponseString,
)
from airstream.workflows import xcom_serialization

router = APIRouter(
    prefix="/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/xcomEntries",
    tags=["XCom"],
    dependencies=[Depends(requires(Role.VIEWER))],
)


def _fields(entry: XComEntry, run: DagRun | None, dag_name: str) -> dict[str, object]:
    run_after = (run.run_after or run.logical_date) if run else None
    return {
        "key": entry.key,
        "timestamp": entry.timestamp or datetime.now(UTC),
        "logical_date": run.logical_date if run else None,
        "map_index": entry.map_index,
        "task_id": entry.task_id,
        "dag_id": entry.dag_id,
        "run_id": entry.run_id,
        "dag_display_name": dag_name,
        "task_display_name": entry.task_id,
        "run_after": run_after or entry.timestamp or datetime.now(UTC),
    }


@router.get("")
def get_xcom_entries(
    dag_id: str,
    dag_run_id: str,
    task_id: str,
    store: StoreDep,
    paging: PagingDep,
    xcom_key: str | None = None,
    map_index: int | None = None,
) -> XComCollectionResponse:
    """XCom entries of a task instance (``~`` for every task of the run)."""
    require_dag(store, dag_id)
    run = require_run(store, dag_id, dag_run_id)
    entries = store.list_xcoms(
        dag_id, dag_run_id, None if task_id == "~" else task_id, xcom_key, map_index
    )
    name = dag_display_name(store, dag_id)
    page = entries[paging.offset : paging.offset + paging.limit]
    return XComCollectionResponse(
        xcom_entries=[XComResponse(**_fields(e, run, name)) for e in page],  # type: ignore[arg-type]
        total_entries=len(entries),
    )


@router.get("/{xcom_key}")
def get_xcom_entry(
    dag_id: str,
    dag_run_id: str,
    task_id: str,
    xcom_key: str,
    store: StoreDep,
    map_index: int = -1,
    deserialize: bool = False,
    stringify: bool = False,
) -> XComResponseNative | XComResponseString:
    """One XCom entry; ``stringify`` gives its value as text, else as JSON."""
    entry = _require_entry(store, dag_id, dag_run_id, task_id, xcom_key, map_index)
    run = store.get_dag_run(dag_id, dag_run_id)
    fields = _fields(entry, run, dag_display_name(store, dag_id))
    # Values JSON cannot hold (dates, tuples, ...) are stored tagged: show the real value.
    value = xcom_serialization.deserialize(entry.value)
    if stringify:
        if isinstance(value, str):
            text = value
        elif value == entry.value:
            text = json.dumps(entry.value)
        else:
            text = str(value)
        return XComResponseString(**fields, value=text)  # type: ignore[arg-type]
    return XComResponseNative(**fields, value=jsonable_encoder(value))  # type: ignore[arg-type]


def _require_entry(
    store: MetadataStore, dag_id: str, run_id: str, task_id: str, key: str, map_index: int
) -> XComEntry:
    entry = store.get_xcom(dag_id, run_id, task_id, key, map_index)
    if entry is None:
        raise not_found(f"XCom entry with key: `{key}`")
    return entry
