"""DAG runs: creation with a unique run id, listing, compare-and-set of their state."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from airstream.store import rows
from airstream.store import tables as t
from airstream.store.base import ExpectedRunState
from airstream.store.errors import DagRunAlreadyExists
from airstream.store.queries import DagRunQuery, Page
from airstream.store.records import DAG_RUN_MUTABLE_FIELDS, DagRun, DagRunState, TaskInstance
from airstream.store.sql.statements import in_, paged, run_key
from airstream.store.sql.task_instances import duplicate_tis_error, insert_tis
from airstream.store.sql.transactions import SqlVerbs


class DagRunVerbs(SqlVerbs):
    """DAG runs: creation with a unique run id, listing, compare-and-set of their state."""

    def create_dag_run(self, run: DagRun, tis: Sequence[TaskInstance] = ()) -> DagRun:
        values = rows.dag_run_values(run)
        now = self._clock()
        values["run_after"] = run.run_after or run.logical_date or now
        if run.state == DagRunState.QUEUED and run.queued_at is None:
            values["queued_at"] = now
        values["updated_at"] = now
        try:
            with self._write() as conn:
                inserted = conn.execute(t.dag_run.insert().values(values)).inserted_primary_key
                new_id = inserted[0] if inserted else None
                row = conn.execute(sa.select(t.dag_run).where(t.dag_run.c.id == new_id))
                created = rows.dag_run_from_row(row.mappings().one())
                insert_tis(conn, [_in_run(ti, run) for ti in tis], now)
        except sa.exc.IntegrityError as exc:
            if self.get_dag_run(run.dag_id, run.run_id) is not None:
                raise DagRunAlreadyExists(run.dag_id, run.run_id) from exc
            raise duplicate_tis_error(tis) from exc
        return created

    def get_dag_run(self, dag_id: str, run_id: str) -> DagRun | None:
        stmt = sa.select(t.dag_run).where(run_key(dag_id, run_id))
        with self._read() as conn:
            row = conn.execute(stmt).mappings().first()
        return rows.dag_run_from_row(row) if row else None

    def list_dag_runs(
        self, query: DagRunQuery | None = None, page: Page | None = None
    ) -> list[DagRun]:
        stmt = sa.select(t.dag_run).where(*_dag_run_conditions(query or DagRunQuery()))
        stmt = paged(stmt, t.dag_run, page, "-run_after")
        with self._read() as conn:
            return [rows.dag_run_from_row(r) for r in conn.execute(stmt).mappings()]

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
    return conditions


def _in_run(ti: TaskInstance, run: DagRun) -> TaskInstance:
    if (ti.dag_id, ti.run_id) != (run.dag_id, run.run_id):
        raise ValueError(f"task instance {ti.task_id!r} is not in run {run.run_id!r}")
    return ti
