"""Pieces of SQL statements shared by the verbs: paging, ``IN`` filters and row keys."""

from __future__ import annotations

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
    states = [expected] if isinstance(expected, TaskInstanceState) else list(expected)
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
