"""Conversions between table rows and the records of :mod:`airstream.store.records`.

Where a record and its column disagree on a name or a representation, this is the one
place that knows: ``DagModel.schedule`` is ``dag.timetable_summary``, ``TaskInstanceState.NONE``
is SQL ``NULL``, enums are stored as their plain string values, mappings as JSON.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import json
from collections.abc import Mapping, Sequence
from typing import Any

from airstream.store.records import (
    Connection,
    DagModel,
    DagRun,
    DagRunState,
    DagRunTriggeredBy,
    DagRunType,
    LogEvent,
    ParseImportError,
    Pool,
    SerializedDag,
    TaskInstance,
    TaskInstanceState,
    TaskReschedule,
    Variable,
    XComEntry,
)

#: Record field name -> column name, where they differ.
DAG_COLUMN_NAMES = {"schedule": "timetable_summary"}


def field_names(record_type: type) -> list[str]:
    return list(_field_names(record_type))


@functools.cache
def _field_names(record_type: type) -> tuple[str, ...]:
    # dataclasses.fields() is slow enough to matter when thousands of rows are converted.
    return tuple(f.name for f in dataclasses.fields(record_type))


@functools.cache
def _columns(
    record_type: type, renames: tuple[tuple[str, str], ...]
) -> tuple[tuple[str, str], ...]:
    names = dict(renames)
    return tuple((name, names.get(name, name)) for name in _field_names(record_type))


def plain(value: Any) -> Any:
    """A value the database driver accepts: enums as strings, mappings as plain dicts."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    return value


def ti_state_value(state: TaskInstanceState | str | None) -> str | None:
    if state is None or state == TaskInstanceState.NONE:
        return None
    return TaskInstanceState(state).value


def check_json(value: Any, what: str) -> None:
    """Fail early, with the field named, instead of deep inside the driver."""
    try:
        json.dumps(value)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{what} is not JSON-serializable: {exc}") from None


# -- records -> column values ----------------------------------------------------------------


def dag_values(dag: DagModel) -> dict[str, Any]:
    values = {
        DAG_COLUMN_NAMES.get(name, name): getattr(dag, name) for name in field_names(DagModel)
    }
    del values["tags"]
    return values


def dag_run_values(run: DagRun) -> dict[str, Any]:
    values = {name: plain(getattr(run, name)) for name in field_names(DagRun)}
    del values["id"]
    check_json(values["conf"], f"conf of DAG run {run.run_id!r}")
    return values


def ti_values(ti: TaskInstance) -> dict[str, Any]:
    values = {name: plain(getattr(ti, name)) for name in field_names(TaskInstance)}
    values["state"] = ti_state_value(ti.state)
    for name in ("rendered_fields", "next_kwargs"):
        check_json(values[name], f"{name} of task instance {ti.task_id!r}")
    return values


def ti_changes(fields: Mapping[str, Any]) -> dict[str, Any]:
    values = {name: plain(value) for name, value in fields.items()}
    if "state" in values:
        values["state"] = ti_state_value(fields["state"])
    for name in ("rendered_fields", "next_kwargs"):
        if name in values:
            check_json(values[name], name)
    return values


def connection_values(conn: Connection) -> dict[str, Any]:
    values = {name: getattr(conn, name) for name in field_names(Connection)}
    values["conn_type"] = values["conn_type"] or ""
    values["is_encrypted"] = False
    values["is_extra_encrypted"] = False
    return values


# -- rows -> records -------------------------------------------------------------------------


def _pick(
    record_type: type, row: Mapping[Any, Any], renames: Mapping[str, str] | None = None
) -> dict[str, Any]:
    # One plain dict first: lookups on a SQLAlchemy RowMapping cost far more than on a dict.
    data = dict(row)
    columns = _columns(record_type, tuple(sorted((renames or {}).items())))
    return {name: data[column] for name, column in columns if column in data}


def dag_from_row(row: Mapping[Any, Any], tags: Sequence[str]) -> DagModel:
    values = _pick(DagModel, row, DAG_COLUMN_NAMES)
    values["tags"] = tuple(sorted(tags))
    return DagModel(**values)


def serialized_dag_from_row(row: Mapping[Any, Any]) -> SerializedDag:
    return SerializedDag(**_pick(SerializedDag, row))


def import_error_from_row(row: Mapping[Any, Any]) -> ParseImportError:
    return ParseImportError(**_pick(ParseImportError, row))


def dag_run_from_row(row: Mapping[Any, Any]) -> DagRun:
    values = _pick(DagRun, row)
    values["state"] = DagRunState(values["state"])
    values["run_type"] = DagRunType(values["run_type"])
    if values["triggered_by"] is not None:
        values["triggered_by"] = DagRunTriggeredBy(values["triggered_by"])
    values["conf"] = values["conf"] if values["conf"] is not None else {}
    return DagRun(**values)


#: Stored state values to states (a dict: calling an Enum costs microseconds a row).
_TI_STATES: dict[str | None, TaskInstanceState] = {s.value: s for s in TaskInstanceState} | {
    None: TaskInstanceState.NONE
}


def ti_from_row(row: Mapping[Any, Any]) -> TaskInstance:
    values = _pick(TaskInstance, row)
    state = values["state"]
    values["state"] = _TI_STATES.get(state) or TaskInstanceState(state)  # unknown: ValueError
    values["hostname"] = values.get("hostname") or ""  # absent: a partial read
    values["unixname"] = values.get("unixname") or ""
    return TaskInstance(**values)


def ti_history_from_row(row: Mapping[Any, Any]) -> TaskInstance:
    values = dict(row)
    values["id"] = values.pop("task_instance_id")
    return ti_from_row(values)


def xcom_from_row(row: Mapping[Any, Any]) -> XComEntry:
    return XComEntry(**_pick(XComEntry, row))


def variable_from_row(row: Mapping[Any, Any]) -> Variable:
    values = _pick(Variable, row)
    values["val"] = values["val"] if values["val"] is not None else ""
    return Variable(**values)


def connection_from_row(row: Mapping[Any, Any]) -> Connection:
    return Connection(**_pick(Connection, row))


def pool_from_row(row: Mapping[Any, Any]) -> Pool:
    return Pool(**_pick(Pool, row))


def task_reschedule_from_row(row: Mapping[Any, Any]) -> TaskReschedule:
    return TaskReschedule(**_pick(TaskReschedule, row))


def log_event_from_row(row: Mapping[Any, Any]) -> LogEvent:
    return LogEvent(**_pick(LogEvent, row))
