"""DAG runs: creation with a unique run id, listing, compare-and-set of their state."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from airstream.store import rows
from airstream.store import tables as t
from airstream.store.base import ExpectedRunState
from airstream.store.errors import AlreadyExists, DagRunAlreadyExists
from airstream.store.queries import DagRunQuery, Page
from airstream.store.records import DAG_RUN_MUTABLE_FIELDS, DagRun, DagRunState, TaskInstance
from airstream.store.sql.statements import get_run_bound, in_, paged, run_key, run_key_params
from airstream.store.sql.task_instances import duplicate_tis_error, insert_tis, require_runs
from airstream.store.sql.transactions import SqlVerbs


class DagRunVerbs(SqlVerbs):
    """DAG runs: creation with a unique run id, listing, compare-and-set of their state."""

    def create_dag_run(self, run: DagRun, tis: Sequence[TaskInstance] = ()) -> DagRun:
        try:
            with self._write() as conn:
                return insert_dag_run(conn, run, tis, self._clock())
        except sa.exc.IntegrityError as exc:
            if self.get_dag_run(run.dag_id, run.run_id) is not None:
                raise DagRunAlreadyExists(run.dag_id, run.run_id) from exc
            raise duplicate_tis_error(tis) from exc

    def create_dag_runs(self, runs: Sequence[DagRun], tis: Sequence[TaskInstance] = ()) -> int:
        if not runs and not tis:
            return 0
        now = self._clock()
        run_values = []
        for run in runs:
            values = rows.dag_run_values(run) | {"updated_at": now}
            values["run_after"] = run.run_after or run.logical_date or now
            if run.state == DagRunState.QUEUED and run.queued_at is None:
                values["queued_at"] = now
            run_values.append(values)
        ti_values = [
            rows.ti_values(ti) | {"id": ti.id or str(uuid.uuid4()), "updated_at": now} for ti in tis
        ]
        try:
            with self._write() as conn:
                if run_values:
                    conn.execute(t.dag_run.insert(), run_values)
                if ti_values:
                    # Every run must exist: one query per run would defeat the batch.
                    require_runs(conn, {(ti.dag_id, ti.run_id) for ti in tis} - _keys(runs))
                    conn.execute(t.task_instance.insert(), ti_values)
        except sa.exc.IntegrityError as exc:
            raise AlreadyExists(
                f"a run or task instance of the batch already exists: {exc}"
            ) from exc
        return len(runs)

    def get_dag_run(self, dag_id: str, run_id: str) -> DagRun | None:
        with self._read() as conn:
            row = conn.execute(get_run_bound(), run_key_params(dag_id, run_id)).mappings().first()
        return rows.dag_run_from_row(row) if row else None

    def list_dag_runs(
        self, query: DagRunQuery | None = None, page: Page | None = None
    ) -> list[DagRun]:
        stmt = sa.select(t.dag_run).where(*_dag_run_conditions(query or DagRunQuery()))
        stmt = paged(stmt, t.dag_run, page, "-run_after")
        with self._read() as conn:
            return [rows.dag_run_from_row(r) for r in conn.execute(stmt).mappings()]

    def latest_dag_runs(self, dag_ids: Collection[str], per_dag: int) -> dict[str, list[DagRun]]:
        if not dag_ids or per_dag <= 0:
            return {}
        # One statement for a whole page of DAGs: number each DAG's runs newest first and
        # keep the first ``per_dag`` (window functions: SQLite 3.25+, PostgreSQL, MariaDB).
        c = t.dag_run.c
        position = (
            sa.func.row_number()
            .over(partition_by=c.dag_id, order_by=(c.run_after.desc(), c.id.desc()))
            .label("position")
        )
        numbered = sa.select(t.dag_run, position).where(c.dag_id.in_(list(dag_ids))).subquery()
        stmt = (
            sa.select(*(numbered.c[column.name] for column in t.dag_run.c))
            .where(numbered.c.position <= per_dag)
            .order_by(numbered.c.dag_id, numbered.c.position)
        )
        found: dict[str, list[DagRun]] = {}
        with self._read() as conn:
            for row in conn.execute(stmt).mappings():
                run = rows.dag_run_from_row(row)
                found.setdefault(run.dag_id, []).append(run)
        return found

    def count_dag_runs(self, query: DagRunQuery | None = None) -> int:
        return self._count(
            sa.select(t.dag_run.c.id).where(*_dag_run_conditions(query or DagRunQuery()))
        )

    def update_dag_run(
        self,
        dag_id: str,
        run_id: str,
        fields: Mapping[str, Any],
        expected: ExpectedRunState = None,
    ) -> bool:
        unknown = set(fields) - DAG_RUN_MUTABLE_FIELDS
        if unknown:
            raise ValueError(f"cannot update DAG run field(s): {', '.join(sorted(unknown))}")
        values = {name: rows.plain(value) for name, value in fields.items()}
        if "conf" in values:
            rows.check_json(values["conf"], f"conf of DAG run {run_id!r}")
        stmt = t.dag_run.update().where(run_key(dag_id, run_id))
        if expected is not None:
            states = [expected] if isinstance(expected, DagRunState) else list(expected)
            stmt = stmt.where(t.dag_run.c.state.in_([s.value for s in states]))
        with self._write() as conn:
            result = conn.execute(stmt.values(values | {"updated_at": self._clock()}))
        return result.rowcount > 0

    def delete_dag_run(self, dag_id: str, run_id: str) -> bool:
        with self._write() as conn:
            for table in (t.xcom, t.task_instance_history, t.task_instance):
                conn.execute(
                    table.delete().where(table.c.dag_id == dag_id, table.c.run_id == run_id)
                )
            result = conn.execute(t.dag_run.delete().where(run_key(dag_id, run_id)))
        return result.rowcount > 0


def insert_dag_run(
    conn: sa.Connection, run: DagRun, tis: Sequence[TaskInstance], now: datetime
) -> DagRun:
    """Insert a run and its task instances in the caller's transaction; returns the run."""
    values = rows.dag_run_values(run)
    values["run_after"] = run.run_after or run.logical_date or now
    if run.state == DagRunState.QUEUED and run.queued_at is None:
        values["queued_at"] = now
    values["updated_at"] = now
    inserted = conn.execute(t.dag_run.insert().values(values)).inserted_primary_key
    new_id = inserted[0] if inserted else None
    row = conn.execute(sa.select(t.dag_run).where(t.dag_run.c.id == new_id))
    created = rows.dag_run_from_row(row.mappings().one())
    insert_tis(conn, [_in_run(ti, run) for ti in tis], now)
    return created


def _dag_run_conditions(query: DagRunQuery) -> list[Any]:
    c = t.dag_run.c
    conditions = in_(c.dag_id, query.dag_ids) + in_(c.run_id, query.run_ids)
    conditions += in_(c.state, query.states) + in_(c.run_type, query.run_types)
    bounds = (
        (c.logical_date, query.logical_date_gte, query.logical_date_lte),
        (c.run_after, query.run_after_gte, query.run_after_lte),
    )
    for column, low, high in bounds:
        if low is not None:
            conditions.append(column >= low)
        if high is not None:
            conditions.append(column <= high)
    if query.updated_since is not None:
        conditions.append(c.updated_at >= query.updated_since)
    return conditions


def _keys(runs: Sequence[DagRun]) -> set[tuple[str, str]]:
    return {(run.dag_id, run.run_id) for run in runs}


def _in_run(ti: TaskInstance, run: DagRun) -> TaskInstance:
    if (ti.dag_id, ti.run_id) != (run.dag_id, run.run_id):
        raise ValueError(f"task instance {ti.task_id!r} is not in run {run.run_id!r}")
    return ti
