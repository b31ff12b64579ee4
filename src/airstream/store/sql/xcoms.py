"""XComs: JSON values pushed by task instances, keyed by run, task, map index and key."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from airstream.store import rows
from airstream.store import tables as t
from airstream.store.errors import NotFound
from airstream.store.records import XComEntry
from airstream.store.sql.statements import run_key
from airstream.store.sql.transactions import SqlVerbs
from airstream.store.upsert import upsert


class XComVerbs(SqlVerbs):
    """XComs: JSON values pushed by task instances, keyed by run, task, map index and key."""

    def set_xcom(self, entry: XComEntry) -> None:
        rows.check_json(entry.value, f"XCom {entry.key!r} of task {entry.task_id!r}")
        with self._write() as conn:
            run_pk = conn.scalar(
                sa.select(t.dag_run.c.id).where(run_key(entry.dag_id, entry.run_id))
            )
            if run_pk is None:
                raise NotFound(f"no DAG run {entry.run_id!r} for DAG {entry.dag_id!r}")
            values = {name: getattr(entry, name) for name in rows.field_names(XComEntry)}
            values |= {"dag_run_id": run_pk, "timestamp": entry.timestamp or self._clock()}
            conflict = ["dag_run_id", "task_id", "map_index", "key"]
            upsert(conn, t.xcom, values, conflict, ["value", "timestamp"])

    def get_xcom(
        self, dag_id: str, run_id: str, task_id: str, key: str = "return_value", map_index: int = -1
    ) -> XComEntry | None:
        found = self.list_xcoms(dag_id, run_id, task_id, key, map_index)
        return found[0] if found else None

    def list_xcoms(
        self,
        dag_id: str,
        run_id: str,
        task_id: str | None = None,
        key: str | None = None,
        map_index: int | None = None,
    ) -> list[XComEntry]:
        stmt = sa.select(t.xcom).where(*_xcom_conditions(dag_id, run_id, task_id, map_index))
        if key is not None:
            stmt = stmt.where(t.xcom.c.key == key)
        stmt = stmt.order_by(t.xcom.c.task_id, t.xcom.c.map_index, t.xcom.c.key)
        with self._read() as conn:
            return [rows.xcom_from_row(r) for r in conn.execute(stmt).mappings()]

    def clear_xcoms(
        self, dag_id: str, run_id: str, task_id: str | None = None, map_index: int | None = None
    ) -> int:
        conditions = _xcom_conditions(dag_id, run_id, task_id, map_index)
        # Every new try clears its XComs, and there are rarely any: look before taking the
        # write lock, which the task processes of a busy scheduler otherwise queue on.
        with self._read() as conn:
            if conn.scalar(sa.select(t.xcom.c.dag_id).where(*conditions).limit(1)) is None:
                return 0
        with self._write() as conn:
            return conn.execute(t.xcom.delete().where(*conditions)).rowcount


def _xcom_conditions(
    dag_id: str, run_id: str, task_id: str | None, map_index: int | None
) -> list[Any]:
    conditions = [t.xcom.c.dag_id == dag_id, t.xcom.c.run_id == run_id]
    if task_id is not None:
        conditions.append(t.xcom.c.task_id == task_id)
    if map_index is not None:
        conditions.append(t.xcom.c.map_index == map_index)
    return conditions
