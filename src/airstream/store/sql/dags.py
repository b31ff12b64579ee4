"""DAG rows, their tags and serialized form, and the import errors of DAG files."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from airstream.store import rows
from airstream.store import tables as t
from airstream.store.queries import DagQuery, Page
from airstream.store.records import DagModel, ParseImportError, SerializedDag
from airstream.store.sql.statements import in_, paged
from airstream.store.sql.transactions import SqlVerbs
from airstream.store.upsert import upsert

#: Columns owned by users (pause), the scheduler (next run) or import-error tracking: set
#: from the record when a DAG is first stored, never overwritten by re-parsing it.
_KEPT_ON_REPARSE = frozenset(
    {
        "dag_id",
        "is_paused",
        "has_import_errors",
        "next_dagrun",
        "next_dagrun_data_interval_start",
        "next_dagrun_data_interval_end",
        "next_dagrun_create_after",
    }
)


class DagVerbs(SqlVerbs):
    """DAG rows, their tags and serialized form, and the import errors of DAG files."""

    def upsert_dag(self, dag: DagModel, serialized: Mapping[str, Any] | None = None) -> None:
        self.upsert_dags([(dag, serialized)])

    def upsert_dags(self, dags: Sequence[tuple[DagModel, Mapping[str, Any] | None]]) -> None:
        # One transaction for a whole parsing pass: a commit per DAG is what makes storing
        # hundreds of DAGs slow (each one an fsync on SQLite).
        if not dags:
            return
        with self._write() as conn:
            for dag, serialized in dags:
                self._upsert_one(conn, dag, serialized)

    def _upsert_one(
        self, conn: sa.Connection, dag: DagModel, serialized: Mapping[str, Any] | None
    ) -> None:
        values = {**rows.dag_values(dag), "is_stale": False}
        parsed = [c for c in values if c not in _KEPT_ON_REPARSE]
        upsert(conn, t.dag, values, ["dag_id"], parsed)
        conn.execute(t.dag_tag.delete().where(t.dag_tag.c.dag_id == dag.dag_id))
        if dag.tags:
            tag_rows = [{"dag_id": dag.dag_id, "name": tag} for tag in sorted(set(dag.tags))]
            conn.execute(t.dag_tag.insert(), tag_rows)
        if serialized is not None:
            self._write_serialized(conn, dag.dag_id, serialized)

    def _write_serialized(
        self, conn: sa.Connection, dag_id: str, serialized: Mapping[str, Any]
    ) -> None:
        data = rows.plain(serialized)
        rows.check_json(data, f"serialized DAG {dag_id!r}")
        dag_hash = hashlib.md5(
            json.dumps(data, sort_keys=True).encode(), usedforsecurity=False
        ).hexdigest()
        stored = conn.scalar(
            sa.select(t.serialized_dag.c.dag_hash).where(t.serialized_dag.c.dag_id == dag_id)
        )
        if stored != dag_hash:
            values = {"dag_id": dag_id, "data": data, "dag_hash": dag_hash}
            values["last_updated"] = self._clock()
            upsert(conn, t.serialized_dag, values, ["dag_id"], ["data", "dag_hash", "last_updated"])

    def get_dag(self, dag_id: str) -> DagModel | None:
        found = self.list_dags(DagQuery(dag_ids=[dag_id], include_stale=True))
        return found[0] if found else None

    def list_dags(
        self,
        query: DagQuery | None = None,
        page: Page | None = None,
        fields: Collection[str] | None = None,
    ) -> list[DagModel]:
        columns = list(t.dag.c) if fields is None else _dag_columns(fields)
        stmt = sa.select(*columns).where(*_dag_conditions(query or DagQuery()))
        stmt = paged(stmt, t.dag, page, "dag_id", rows.DAG_COLUMN_NAMES)
        with self._read() as conn:
            found = conn.execute(stmt).mappings().all()
            with_tags = fields is None or "tags" in fields
            tags = self._tags_of(conn, [row["dag_id"] for row in found]) if with_tags else {}
        return [rows.dag_from_row(row, tags.get(row["dag_id"], ())) for row in found]

    @staticmethod
    def _tags_of(conn: sa.Connection, dag_ids: Sequence[str]) -> dict[str, list[str]]:
        tags: dict[str, list[str]] = {}
        if dag_ids:
            stmt = sa.select(t.dag_tag.c.dag_id, t.dag_tag.c.name)
            for dag_id, name in conn.execute(stmt.where(t.dag_tag.c.dag_id.in_(dag_ids))):
                tags.setdefault(dag_id, []).append(name)
        return tags

    def count_dags(self, query: DagQuery | None = None) -> int:
        return self._count(sa.select(t.dag.c.dag_id).where(*_dag_conditions(query or DagQuery())))

    def set_paused(self, dag_id: str, is_paused: bool) -> bool:
        return self.update_dag(dag_id, {"is_paused": is_paused})

    def update_dag(self, dag_id: str, fields: Mapping[str, Any]) -> bool:
        values = {rows.DAG_COLUMN_NAMES.get(k, k): v for k, v in fields.items()}
        unknown = set(values) - set(t.dag.c.keys()) | ({"dag_id", "tags"} & set(values))
        if unknown:
            raise ValueError(f"cannot update DAG column(s): {', '.join(sorted(unknown))}")
        with self._write() as conn:
            result = conn.execute(t.dag.update().where(t.dag.c.dag_id == dag_id).values(values))
        return result.rowcount > 0

    def mark_stale_dags(
        self, alive_dag_ids: Collection[str], filelocs: Collection[str] | None = None
    ) -> list[str]:
        conditions = [t.dag.c.is_stale.is_(False), t.dag.c.dag_id.not_in(list(alive_dag_ids))]
        if filelocs is not None:
            conditions.append(t.dag.c.fileloc.in_(list(filelocs)))
        with self._write() as conn:
            stale = list(conn.scalars(sa.select(t.dag.c.dag_id).where(*conditions)))
            if stale:
                conn.execute(t.dag.update().where(t.dag.c.dag_id.in_(stale)).values(is_stale=True))
        return sorted(stale)

    def delete_dag(self, dag_id: str) -> bool:
        with self._write() as conn:
            for table in (t.xcom, t.task_instance_history, t.task_instance, t.dag_run):
                conn.execute(table.delete().where(table.c.dag_id == dag_id))
            for table in (t.serialized_dag, t.dag_tag):
                conn.execute(table.delete().where(table.c.dag_id == dag_id))
            result = conn.execute(t.dag.delete().where(t.dag.c.dag_id == dag_id))
        return result.rowcount > 0

    def get_serialized_dag(self, dag_id: str) -> SerializedDag | None:
        stmt = sa.select(t.serialized_dag).where(t.serialized_dag.c.dag_id == dag_id)
        with self._read() as conn:
            row = conn.execute(stmt).mappings().first()
        return rows.serialized_dag_from_row(row) if row else None

    def replace_import_error(
        self,
        filename: str,
        stacktrace: str | None,
        timestamp: datetime,
        bundle_name: str | None = None,
    ) -> None:
        with self._write() as conn:
            conn.execute(t.import_error.delete().where(t.import_error.c.filename == filename))
            if stacktrace is not None:
                values = {"filename": filename, "stacktrace": stacktrace, "timestamp": timestamp}
                conn.execute(t.import_error.insert().values(values | {"bundle_name": bundle_name}))
            conn.execute(
                t.dag.update()
                .where(t.dag.c.fileloc == filename)
                .values(has_import_errors=stacktrace is not None)
            )

    def list_import_errors(self, page: Page | None = None) -> list[ParseImportError]:
        stmt = paged(sa.select(t.import_error), t.import_error, page, "filename")
        with self._read() as conn:
            return [rows.import_error_from_row(r) for r in conn.execute(stmt).mappings()]

    def clear_import_errors(self, filenames: Collection[str] | None = None) -> int:
        stmt = t.import_error.delete()
        if filenames is not None:
            stmt = stmt.where(t.import_error.c.filename.in_(list(filenames)))
        with self._write() as conn:
            return conn.execute(stmt).rowcount


def _dag_columns(fields: Collection[str]) -> list[sa.Column[Any]]:
    """``dag_id`` and the columns of the :class:`DagModel` ``fields`` (``tags`` has none)."""
    known = set(rows.field_names(DagModel))
    unknown = set(fields) - known
    if unknown:
        raise ValueError(f"no DAG field(s): {', '.join(sorted(unknown))}")
    names = {rows.DAG_COLUMN_NAMES.get(f, f) for f in fields if f != "tags"} - {"dag_id"}
    return [t.dag.c.dag_id, *(t.dag.c[name] for name in sorted(names))]


def _dag_conditions(query: DagQuery) -> list[Any]:
    conditions = in_(t.dag.c.dag_id, query.dag_ids)
    if query.dag_id_pattern:
        pattern = query.dag_id_pattern.lower()
        conditions.append(sa.func.lower(t.dag.c.dag_id).contains(pattern, autoescape=True))
    if query.paused is not None:
        conditions.append(t.dag.c.is_paused.is_(query.paused))
    if not query.include_stale:
        conditions.append(t.dag.c.is_stale.is_(False))
    if query.tags is not None:
        tagged = sa.select(t.dag_tag.c.dag_id).where(t.dag_tag.c.name.in_(list(query.tags)))
        conditions.append(t.dag.c.dag_id.in_(tagged))
    if query.fileloc is not None:
        conditions.append(t.dag.c.fileloc == query.fileloc)
    if query.skip_schedule is not None:
        summary = t.dag.c.timetable_summary
        kept = [summary.is_(None), summary != query.skip_schedule]
        if query.except_dag_ids:
            kept.append(t.dag.c.dag_id.in_(list(query.except_dag_ids)))
        conditions.append(sa.or_(*kept))
    return conditions
