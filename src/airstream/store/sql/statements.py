"""Pieces of SQL statements shared by the verbs: paging, ``IN`` filters and row keys.

The hot verbs (a task process runs a handful per attempt, the scheduler one per task) use
statements built once per shape with bind parameters (``*_bound``) and execute them with a
dict of values: building a SQLAlchemy statement and its cache key costs several times more
than executing it, and in a freshly forked task process it also touches (and so copies)
pages of memory inherited from the zygote.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Mapping
from typing import Any

import sqlalchemy as sa

from airstream.store import rows
from airstream.store import tables as t
from airstream.store.queries import Page
from airstream.store.records import TaskInstanceKey, TaskInstanceState


def paged(
    stmt: sa.Select[Any],
    table: sa.Table,
    page: Page | None,
    default_order: str,
    renames: Mapping[str, str] | None = None,
) -> sa.Select[Any]:
    """Order by a column (``-`` for descending; the primary key breaks ties) and slice."""
    page = page or Page()
    order = page.order_by or default_order
    name = order.lstrip("-")
    column_name = (renames or {}).get(name, name)
    if column_name not in table.c:
        raise ValueError(f"cannot order {table.name} by {name!r}")
    descending = order.startswith("-")
    for column in (table.c[column_name], *table.primary_key.columns):
        stmt = stmt.order_by(column.desc() if descending else column.asc())
    return stmt.offset(page.offset).limit(page.limit)


def in_(column: sa.ColumnElement[Any], values: Collection[Any] | None) -> list[Any]:
    if values is None:
        return []
    return [column.in_([rows.plain(v) for v in values])]


def ti_state_in(expected: TaskInstanceState | Collection[TaskInstanceState]) -> Any:
    """``state IN (...)``, with ``NONE`` meaning ``state IS NULL``."""
    return _ti_state_in(state_shape(expected))


def state_shape(expected: TaskInstanceState | Collection[TaskInstanceState]) -> tuple[str, ...]:
    """The states of an ``expected`` argument as a hashable, ordered key."""
    states = [expected] if isinstance(expected, TaskInstanceState) else list(expected)
    return tuple(sorted({TaskInstanceState(s).value for s in states}))


def _ti_state_in(shape: tuple[str, ...]) -> Any:
    states = [TaskInstanceState(value) for value in shape]
    column = t.task_instance.c.state
    values = [s.value for s in states if s != TaskInstanceState.NONE]
    if TaskInstanceState.NONE in states:
        return sa.or_(column.in_(values), column.is_(None))
    return column.in_(values)


def run_key(dag_id: str, run_id: str) -> Any:
    return sa.and_(t.dag_run.c.dag_id == dag_id, t.dag_run.c.run_id == run_id)


def ti_key(table: sa.Table, key: TaskInstanceKey) -> Any:
    return sa.and_(
        table.c.dag_id == key.dag_id,
        table.c.run_id == key.run_id,
        table.c.task_id == key.task_id,
        table.c.map_index == key.map_index,
    )


#: Bind parameter names of a task instance's key in the ``*_bound`` statements.
TI_KEY_PARAMS = ("k_dag_id", "k_run_id", "k_task_id", "k_map_index")


def ti_key_params(key: TaskInstanceKey) -> dict[str, Any]:
    return dict(zip(TI_KEY_PARAMS, key, strict=True))


def run_key_params(dag_id: str, run_id: str) -> dict[str, Any]:
    return {"k_dag_id": dag_id, "k_run_id": run_id}


def _key_bound(table: sa.Table, names: tuple[str, ...]) -> Any:
    columns = ("dag_id", "run_id", "task_id", "map_index")[: len(names)]
    pairs = zip(columns, names, strict=True)
    return sa.and_(*(table.c[c] == sa.bindparam(n, type_=table.c[c].type) for c, n in pairs))


@functools.cache
def get_ti_bound() -> sa.Select[Any]:
    return sa.select(t.task_instance).where(_key_bound(t.task_instance, TI_KEY_PARAMS))


@functools.cache
def get_run_bound() -> sa.Select[Any]:
    return sa.select(t.dag_run).where(_key_bound(t.dag_run, ("k_dag_id", "k_run_id")))


@functools.cache
def update_ti_bound(columns: tuple[str, ...], expected: tuple[str, ...] | None) -> sa.Update:
    """``UPDATE task_instance SET <columns> WHERE <key> [AND state IN <expected>]``; the
    new values are bound as ``v_<column>``."""
    table = t.task_instance
    stmt = table.update().where(_key_bound(table, TI_KEY_PARAMS))
    if expected is not None:
        stmt = stmt.where(_ti_state_in(expected))
    return stmt.values({c: sa.bindparam(f"v_{c}", type_=table.c[c].type) for c in columns})


def update_ti_params(key: TaskInstanceKey, values: Mapping[str, Any]) -> dict[str, Any]:
    params = ti_key_params(key)
    params.update({f"v_{name}": value for name, value in values.items()})
    return params


@functools.cache
def claim_ti_bound(columns: tuple[str, ...], resuming: bool) -> sa.Update:
    """:func:`update_ti_bound` from ``queued``, also counting the new try in SQL (no read
    first) unless ``resuming``."""
    stmt = update_ti_bound(columns, (TaskInstanceState.QUEUED.value,))
    if resuming:
        return stmt
    return stmt.values(try_number=t.task_instance.c.try_number + 1)


@functools.cache
def clear_ti_xcoms_bound() -> sa.Delete:
    """Delete a task instance's XComs by its run's primary key (the XCom key's prefix)."""
    c = t.xcom.c
    return t.xcom.delete().where(
        c.dag_run_id == sa.bindparam("run_pk"),
        c.task_id == sa.bindparam("k_task_id", type_=c.task_id.type),
        c.map_index == sa.bindparam("k_map_index"),
    )


@functools.cache
def list_run_tis_bound(columns: tuple[str, ...]) -> sa.Select[Any]:
    """``columns`` of every task instance of a run, by task id and map index."""
    table = t.task_instance
    return (
        sa.select(*(table.c[name] for name in columns))
        .where(_key_bound(table, ("k_dag_id", "k_run_id")))
        .order_by(table.c.task_id, table.c.map_index)
    )


@functools.cache
def tis_in_states_bound(states: tuple[str, ...], columns: tuple[str, ...]) -> sa.Select[Any]:
    """``columns`` of every task instance in one of ``states``, in the default order."""
    table = t.task_instance
    return (
        sa.select(*(table.c[name] for name in columns))
        .where(_ti_state_in(states))
        .order_by(table.c.dag_id, table.c.run_id, table.c.task_id, table.c.map_index)
    )
