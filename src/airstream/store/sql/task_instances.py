"""Task instances: creation, compare-and-set updates, their tries and reschedules."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from airstream.store import rows
from airstream.store import tables as t
from airstream.store.base import ExpectedTiState
from airstream.store.errors import NotFound, TaskInstanceAlreadyExists
from airstream.store.queries import Page, TaskInstanceQuery
from airstream.store.records import (
    TASK_INSTANCE_MUTABLE_FIELDS,
    DagRun,
    TaskInstance,
    TaskInstanceKey,
    TaskInstanceState,
    TaskReschedule,
)
from airstream.store.sql.statements import (
    claim_ti_bound,
    clear_ti_xcoms_bound,
    get_run_bound,
    get_ti_bound,
    in_,
    list_run_tis_bound,
    paged,
    run_key,
    run_key_params,
    state_shape,
    ti_key,
    ti_key_params,
    ti_state_in,
    tis_in_states_bound,
    update_ti_bound,
    update_ti_params,
)
from airstream.store.sql.transactions import SqlVerbs
from airstream.store.upsert import upsert


class TaskInstanceVerbs(SqlVerbs):
    """Task instances: creation, compare-and-set updates, their tries and reschedules."""

    def create_tis(self, tis: Sequence[TaskInstance]) -> list[TaskInstance]:
        try:
            with self._write() as conn:
                return insert_tis(conn, tis, self._clock())
        except sa.exc.IntegrityError as exc:
            raise duplicate_tis_error(tis) from exc

    def save_ti(self, ti: TaskInstance) -> TaskInstance:
        values = rows.ti_values(ti) | {
            "id": ti.id or str(uuid.uuid4()),
            "updated_at": self._clock(),
        }
        key_columns = ["dag_id", "task_id", "run_id", "map_index"]
        with self._write() as conn:
            require_runs(conn, {(ti.dag_id, ti.run_id)})
            upsert(conn, t.task_instance, values, key_columns, [c for c in values if c != "id"])
            row = conn.execute(sa.select(t.task_instance).where(ti_key(t.task_instance, ti.key)))
            return rows.ti_from_row(row.mappings().one())

    def get_ti(self, key: TaskInstanceKey) -> TaskInstance | None:
        with self._read() as conn:
            row = conn.execute(get_ti_bound(), ti_key_params(key)).mappings().first()
        return rows.ti_from_row(row) if row else None

    def list_tis(
        self,
        query: TaskInstanceQuery | None = None,
        page: Page | None = None,
        fields: Collection[str] | None = None,
    ) -> list[TaskInstance]:
        if fields is not None:
            return self._list_ti_fields(query or TaskInstanceQuery(), page, _read_columns(fields))
        stmt = sa.select(t.task_instance).where(*_ti_conditions(query or TaskInstanceQuery()))
        page = page or Page()
        if page.order_by is None:
            stmt = _default_page(stmt, page)
        else:
            stmt = paged(stmt, t.task_instance, page, "id")
        with self._read() as conn:
            return [rows.ti_from_row(r) for r in conn.execute(stmt).mappings()]

    def list_run_tis(
        self, dag_id: str, run_id: str, fields: Collection[str] | None = None
    ) -> list[TaskInstance]:
        names = _read_columns(fields or t.task_instance.c.keys())
        with self._read() as conn:
            result = conn.execute(list_run_tis_bound(names), run_key_params(dag_id, run_id))
            return _partial_tis(names, result)

    def _list_ti_fields(
        self, query: TaskInstanceQuery, page: Page | None, names: tuple[str, ...]
    ) -> list[TaskInstance]:
        page = page or Page()
        if (
            query.states is not None
            and query == TaskInstanceQuery(states=query.states)
            and (page == Page())
        ):
            # The scheduler's every pass (its concurrency limits): one statement, built once.
            stmt = tis_in_states_bound(state_shape(query.states), names)
        else:
            table = t.task_instance
            stmt = sa.select(*(table.c[name] for name in names)).where(*_ti_conditions(query))
            order = page.order_by
            stmt = paged(stmt, table, page, "id") if order else _default_page(stmt, page)
        with self._read() as conn:
            return _partial_tis(names, conn.execute(stmt))

    def count_tis(self, query: TaskInstanceQuery | None = None) -> int:
        return self._count(
            sa.select(t.task_instance.c.id).where(*_ti_conditions(query or TaskInstanceQuery()))
        )

    def update_ti(
        self,
        key: TaskInstanceKey,
        fields: Mapping[str, Any],
        expected: ExpectedTiState = None,
    ) -> bool:
        values = ti_update_values(fields, self._clock())
        stmt = update_ti_bound(tuple(values), _shape(expected))
        with self._write() as conn:
            result = conn.execute(stmt, update_ti_params(key, values))
        return result.rowcount > 0

    def start_attempt(
        self, key: TaskInstanceKey, fields: Mapping[str, Any], *, resuming: bool = False
    ) -> tuple[TaskInstance, DagRun] | None:
        # One transaction for what a task process does before running its task (claim,
        # read the row and its run, clear the previous try's XComs): one commit, not four.
        values = ti_update_values({**fields, "state": TaskInstanceState.RUNNING}, self._clock())
        with self._write() as conn:
            claim = claim_ti_bound(tuple(values), resuming)
            if conn.execute(claim, update_ti_params(key, values)).rowcount == 0:
                return None
            row = conn.execute(get_ti_bound(), ti_key_params(key)).mappings().one()
            params = run_key_params(key.dag_id, key.run_id)
            run = conn.execute(get_run_bound(), params).mappings().one()
            if not resuming:
                params = {"run_pk": run["id"], "k_task_id": key.task_id}
                conn.execute(clear_ti_xcoms_bound(), params | {"k_map_index": key.map_index})
        return rows.ti_from_row(row), rows.dag_run_from_row(run)

    def update_tis_state(
        self,
        changes: Sequence[tuple[TaskInstanceKey, ExpectedTiState]],
        new: TaskInstanceState,
        **fields: Any,
    ) -> list[bool]:
        # One transaction (one commit, one fsync) for the whole batch: the scheduler queues
        # dozens of instances at once, and a commit each was most of its pass.
        if not changes:
            return []
        values = ti_update_values({**fields, "state": new}, self._clock())
        columns = tuple(values)
        changed = []
        with self._write() as conn:
            for key, expected in changes:
                stmt = update_ti_bound(columns, _shape(expected))
                changed.append(conn.execute(stmt, update_ti_params(key, values)).rowcount > 0)
        return changed

    def delete_tis(self, keys: Iterable[TaskInstanceKey]) -> int:
        deleted = 0
        with self._write() as conn:
            for key in keys:
                for table in (t.xcom, t.task_instance_history):
                    conn.execute(table.delete().where(ti_key(table, key)))
                stmt = t.task_instance.delete().where(ti_key(t.task_instance, key))
                deleted += conn.execute(stmt).rowcount
        return deleted

    def record_ti_try(self, key: TaskInstanceKey) -> TaskInstance:
        history = t.task_instance_history
        with self._write() as conn:
            stmt = sa.select(t.task_instance).where(ti_key(t.task_instance, key))
            row = conn.execute(stmt).mappings().first()
            if row is None:
                raise NotFound(f"no task instance {tuple(key)}")
            values = dict(row)
            values["task_instance_id"] = values.pop("id")
            conn.execute(
                history.delete().where(
                    ti_key(history, key), history.c.try_number == values["try_number"]
                )
            )
            conn.execute(history.insert().values(values))
        return rows.ti_from_row(row)

    def list_ti_tries(self, key: TaskInstanceKey) -> list[TaskInstance]:
        history = t.task_instance_history
        stmt = sa.select(history).where(ti_key(history, key)).order_by(history.c.try_number)
        with self._read() as conn:
            return [rows.ti_history_from_row(r) for r in conn.execute(stmt).mappings()]

    def add_task_reschedule(self, reschedule: TaskReschedule) -> TaskReschedule:
        key = TaskInstanceKey(
            reschedule.dag_id, reschedule.run_id, reschedule.task_id, reschedule.map_index
        )
        values = {name: getattr(reschedule, name) for name in rows.field_names(TaskReschedule)}
        for name in ("id", "dag_id", "run_id", "task_id", "map_index"):
            del values[name]
        if values["duration"] is None:
            values["duration"] = (reschedule.end_date - reschedule.start_date).total_seconds()
        with self._write() as conn:
            ti_id = conn.scalar(sa.select(t.task_instance.c.id).where(ti_key(t.task_instance, key)))
            if ti_id is None:
                raise NotFound(f"no task instance {tuple(key)}")
            result = conn.execute(t.task_reschedule.insert().values(values | {"ti_id": ti_id}))
            new_id = result.inserted_primary_key[0] if result.inserted_primary_key else None
        return dataclasses.replace(reschedule, id=new_id, duration=values["duration"])

    def list_task_reschedules(
        self, key: TaskInstanceKey, try_number: int | None = None
    ) -> list[TaskReschedule]:
        ti, tr = t.task_instance, t.task_reschedule
        stmt = (
            sa.select(tr, ti.c.dag_id, ti.c.run_id, ti.c.task_id, ti.c.map_index)
            .join(ti, ti.c.id == tr.c.ti_id)
            .where(ti_key(ti, key))
            .order_by(tr.c.id)
        )
        if try_number is not None:
            stmt = stmt.where(tr.c.try_number == try_number)
        with self._read() as conn:
            return [rows.task_reschedule_from_row(r) for r in conn.execute(stmt).mappings()]

    def clear_task_reschedules(self, key: TaskInstanceKey) -> int:
        ti_ids = sa.select(t.task_instance.c.id).where(ti_key(t.task_instance, key))
        with self._write() as conn:
            stmt = t.task_reschedule.delete().where(t.task_reschedule.c.ti_id.in_(ti_ids))
            return conn.execute(stmt).rowcount


_TI_DEFAULT_ORDER = ("dag_id", "run_id", "task_id", "map_index")
_TI_KEY_FIELDS = _TI_DEFAULT_ORDER


def _ti_conditions(query: TaskInstanceQuery) -> list[Any]:
    c = t.task_instance.c
    conditions = in_(c.dag_id, query.dag_ids) + in_(c.run_id, query.run_ids)
    conditions += in_(c.task_id, query.task_ids) + in_(c.map_index, query.map_indexes)
    conditions += in_(c.pool, query.pools) + in_(c.queue, query.queues)
    if query.states is not None:
        conditions.append(ti_state_in(query.states))
    if query.updated_since is not None:
        conditions.append(c.updated_at >= query.updated_since)
    return conditions


def _default_page(stmt: sa.Select[Any], page: Page) -> sa.Select[Any]:
    stmt = stmt.order_by(*(t.task_instance.c[c] for c in _TI_DEFAULT_ORDER))
    return stmt.offset(page.offset).limit(page.limit)


def _partial_tis(names: tuple[str, ...], result: Iterable[Sequence[Any]]) -> list[TaskInstance]:
    return [rows.ti_from_row(dict(zip(names, row, strict=True))) for row in result]


def _read_columns(fields: Collection[str]) -> tuple[str, ...]:
    """The key's columns, then ``fields`` (checked), in a stable order (one statement each)."""
    unknown = set(fields) - set(t.task_instance.c.keys())
    if unknown:
        raise ValueError(f"no task instance column(s): {', '.join(sorted(unknown))}")
    return _TI_KEY_FIELDS + tuple(sorted(set(fields) - set(_TI_KEY_FIELDS)))


def ti_update_values(fields: Mapping[str, Any], updated_at: datetime) -> dict[str, Any]:
    """The column values of an update of ``fields`` (checked), stamped ``updated_at``."""
    unknown = set(fields) - TASK_INSTANCE_MUTABLE_FIELDS
    if unknown:
        raise ValueError(f"cannot update task instance field(s): {', '.join(sorted(unknown))}")
    return rows.ti_changes(fields) | {"updated_at": updated_at}


def _shape(expected: ExpectedTiState) -> tuple[str, ...] | None:
    return None if expected is None else state_shape(expected)


def insert_tis(
    conn: sa.Connection, tis: Sequence[TaskInstance], now: datetime
) -> list[TaskInstance]:
    """Insert task instances in the caller's transaction and return them as stored."""
    if not tis:
        return []
    run_keys = {(ti.dag_id, ti.run_id) for ti in tis}
    require_runs(conn, run_keys)
    created = [
        rows.ti_values(ti) | {"id": ti.id or str(uuid.uuid4()), "updated_at": now} for ti in tis
    ]
    conn.execute(t.task_instance.insert(), created)
    # Read back per run rather than by a (possibly huge) list of ids.
    stored: dict[str, TaskInstance] = {}
    for dag_id, run_id in run_keys:
        stmt = sa.select(t.task_instance).where(
            t.task_instance.c.dag_id == dag_id, t.task_instance.c.run_id == run_id
        )
        stored |= {row["id"]: rows.ti_from_row(row) for row in conn.execute(stmt).mappings()}
    return [stored[values["id"]] for values in created]


def require_runs(conn: sa.Connection, run_keys: set[tuple[str, str]]) -> None:
    for dag_id, run_id in sorted(run_keys):
        if conn.scalar(sa.select(t.dag_run.c.id).where(run_key(dag_id, run_id))) is None:
            raise NotFound(f"no DAG run {run_id!r} for DAG {dag_id!r}")


def duplicate_tis_error(tis: Sequence[TaskInstance]) -> TaskInstanceAlreadyExists:
    keys = ", ".join(str(tuple(ti.key)) for ti in tis[:5])
    return TaskInstanceAlreadyExists(f"task instance(s) already exist among {keys}")
