"""Assets, their events, and the runs those events triggered (data-aware scheduling)."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from airstream.store import rows
from airstream.store import tables as t
from airstream.store.errors import DagRunAlreadyExists, PositionMoved
from airstream.store.records import AssetEvent, DagRun, TaskInstance
from airstream.store.sql.dag_runs import insert_dag_run
from airstream.store.sql.statements import run_key
from airstream.store.sql.transactions import SqlVerbs


class AssetVerbs(SqlVerbs):
    """Asset events, asset-triggered runs and each asset-scheduled DAG's queue position."""

    def add_asset_events(self, events: Sequence[AssetEvent]) -> list[AssetEvent]:
        with self._write() as conn:
            return insert_asset_events(conn, events, self._clock())

    def list_asset_events(
        self,
        assets: Collection[tuple[str, str]] | None = None,
        *,
        after_id: int | None = None,
        up_to_id: int | None = None,
        limit: int | None = None,
    ) -> list[AssetEvent]:
        stmt = _events_select()
        if assets is not None:
            pairs = [sa.and_(t.asset.c.name == n, t.asset.c.uri == u) for n, u in assets]
            stmt = stmt.where(sa.or_(*pairs) if pairs else sa.false())
        if after_id is not None:
            stmt = stmt.where(t.asset_event.c.id > after_id)
        if up_to_id is not None:
            stmt = stmt.where(t.asset_event.c.id <= up_to_id)
        stmt = stmt.order_by(t.asset_event.c.id).limit(limit)
        with self._read() as conn:
            return [_event_from_row(r) for r in conn.execute(stmt).mappings()]

    def latest_asset_event_id(self) -> int:
        with self._read() as conn:
            return int(conn.scalar(sa.select(sa.func.max(t.asset_event.c.id))) or 0)

    def get_asset_watermark(self, dag_id: str) -> int | None:
        c = t.asset_dag_watermark.c
        with self._read() as conn:
            value = conn.scalar(sa.select(c.last_event_id).where(c.dag_id == dag_id))
        return None if value is None else int(value)

    def init_asset_watermark(self, dag_id: str, last_event_id: int) -> int:
        c = t.asset_dag_watermark.c
        try:
            with self._write() as conn:
                found = conn.scalar(sa.select(c.last_event_id).where(c.dag_id == dag_id))
                if found is not None:
                    return int(found)
                conn.execute(
                    t.asset_dag_watermark.insert().values(
                        dag_id=dag_id, last_event_id=last_event_id, updated_at=self._clock()
                    )
                )
        except sa.exc.IntegrityError:
            pass  # another process initialised it first: use its value
        stored = self.get_asset_watermark(dag_id)
        assert stored is not None
        return stored

    def create_asset_triggered_run(
        self,
        run: DagRun,
        tis: Sequence[TaskInstance],
        event_ids: Sequence[int],
        *,
        watermark: int,
        expected_watermark: int,
    ) -> DagRun:
        c = t.asset_dag_watermark.c
        now = self._clock()
        try:
            with self._write() as conn:
                moved = conn.execute(
                    t.asset_dag_watermark.update()
                    .where(c.dag_id == run.dag_id, c.last_event_id == expected_watermark)
                    .values(last_event_id=watermark, updated_at=now)
                )
                if moved.rowcount == 0:
                    raise PositionMoved(f"asset queue of {run.dag_id} moved")
                created = insert_dag_run(conn, run, tis, now)
                link_events(conn, created, event_ids)
        except sa.exc.IntegrityError as exc:
            raise DagRunAlreadyExists(run.dag_id, run.run_id) from exc
        return created

    def list_run_asset_events(self, dag_id: str, run_id: str) -> list[AssetEvent]:
        link = t.dagrun_asset_event
        stmt = (
            _events_select()
            .join(link, link.c.event_id == t.asset_event.c.id)
            .join(t.dag_run, t.dag_run.c.id == link.c.dag_run_id)
            .where(run_key(dag_id, run_id))
            .order_by(t.asset_event.c.id)
        )
        with self._read() as conn:
            return [_event_from_row(r) for r in conn.execute(stmt).mappings()]


def insert_asset_events(
    conn: sa.Connection, events: Sequence[AssetEvent], now: datetime
) -> list[AssetEvent]:
    """Insert events (and their assets when new) in the caller's transaction."""
    stored = []
    for event in events:
        rows.check_json(rows.plain(event.extra), f"extra of the event of asset {event.name!r}")
        asset_id = _asset_id(conn, event, now)
        values: dict[str, Any] = {
            "asset_id": asset_id,
            "extra": rows.plain(event.extra),
            "source_dag_id": event.source_dag_id,
            "source_run_id": event.source_run_id,
            "source_task_id": event.source_task_id,
            "source_map_index": event.source_map_index,
            "timestamp": event.timestamp or now,
        }
        inserted = conn.execute(t.asset_event.insert().values(values)).inserted_primary_key
        assert inserted is not None
        stored.append(
            AssetEvent(
                name=event.name,
                uri=event.uri,
                group=event.group,
                extra=values["extra"],
                source_dag_id=event.source_dag_id,
                source_run_id=event.source_run_id,
                source_task_id=event.source_task_id,
                source_map_index=event.source_map_index,
                timestamp=values["timestamp"],
                asset_id=asset_id,
                id=int(inserted[0]),
            )
        )
    return stored


def link_events(conn: sa.Connection, run: DagRun, event_ids: Sequence[int]) -> None:
    """Record ``event_ids`` as the events that triggered ``run``."""
    if event_ids:
        conn.execute(
            t.dagrun_asset_event.insert(),
            [{"dag_run_id": run.id, "event_id": event_id} for event_id in event_ids],
        )


def _asset_id(conn: sa.Connection, event: AssetEvent, now: datetime) -> int:
    c = t.asset.c
    where = sa.and_(c.name == event.name, c.uri == event.uri)
    found = conn.scalar(sa.select(c.id).where(where))
    if found is not None:
        return int(found)
    values = {"name": event.name, "uri": event.uri, "group": event.group, "created_at": now}
    # A savepoint: a concurrent insert of the same asset must not undo the caller's work.
    try:
        with conn.begin_nested():
            conn.execute(t.asset.insert().values(values))
    except sa.exc.IntegrityError:
        pass
    return int(conn.scalar(sa.select(c.id).where(where)) or 0)


def _events_select() -> sa.Select[Any]:
    return sa.select(
        t.asset_event, t.asset.c.name, t.asset.c.uri, t.asset.c.group.label("asset_group")
    ).join(t.asset, t.asset.c.id == t.asset_event.c.asset_id)


def _event_from_row(row: Mapping[Any, Any]) -> AssetEvent:
    return AssetEvent(
        name=row["name"],
        uri=row["uri"],
        group=row["asset_group"],
        extra=row["extra"] if row["extra"] is not None else {},
        source_dag_id=row["source_dag_id"],
        source_run_id=row["source_run_id"],
        source_task_id=row["source_task_id"],
        source_map_index=row["source_map_index"],
        timestamp=row["timestamp"],
        asset_id=row["asset_id"],
        id=row["id"],
    )
