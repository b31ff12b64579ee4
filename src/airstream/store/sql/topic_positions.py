"""Topic-triggered DAGs' positions, moved in the same transaction as the run they pay for."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from airstream.store import tables as t
from airstream.store.errors import DagRunAlreadyExists, PositionMoved
from airstream.store.records import AssetEvent, DagRun, TaskInstance, TopicPositionMove
from airstream.store.sql.assets import insert_asset_events, link_events
from airstream.store.sql.dag_runs import insert_dag_run
from airstream.store.sql.transactions import SqlVerbs


class TopicPositionVerbs(SqlVerbs):
    """Per (DAG, topic, partition) the next offset to process; moved only by compare-and-set."""

    def get_topic_positions(self, dag_id: str, topic: str) -> dict[int, int]:
        c = t.topic_trigger_position.c
        stmt = sa.select(c.partition, c.next_offset).where(c.dag_id == dag_id, c.topic == topic)
        with self._read() as conn:
            return {int(p): int(o) for p, o in conn.execute(stmt)}

    def move_topic_positions(
        self,
        dag_id: str,
        topic: str,
        moves: Sequence[TopicPositionMove],
        run: DagRun | None = None,
        tis: Sequence[TaskInstance] = (),
        events: Sequence[AssetEvent] = (),
    ) -> DagRun | None:
        now = self._clock()
        try:
            with self._write() as conn:
                for move in moves:
                    _move(conn, dag_id, topic, move, now)
                if run is None:
                    return None
                created = insert_dag_run(conn, run, tis, now)
                stored = insert_asset_events(conn, events, now)
                link_events(conn, created, [e.id for e in stored if e.id is not None])
                return created
        except sa.exc.IntegrityError as exc:
            if run is not None and self._run_exists(run):
                raise DagRunAlreadyExists(run.dag_id, run.run_id) from exc
            # A position inserted by someone else between our read and our insert.
            raise PositionMoved(f"positions of {dag_id} on {topic} moved") from exc

    def _run_exists(self, run: DagRun) -> bool:
        c = t.dag_run.c
        stmt = sa.select(c.id).where(c.dag_id == run.dag_id, c.run_id == run.run_id)
        with self._read() as conn:
            return conn.scalar(stmt) is not None


def _move(
    conn: sa.Connection, dag_id: str, topic: str, move: TopicPositionMove, now: object
) -> None:
    c = t.topic_trigger_position.c
    if move.expected is None:
        conn.execute(
            t.topic_trigger_position.insert().values(
                dag_id=dag_id,
                topic=topic,
                partition=move.partition,
                next_offset=move.offset,
                updated_at=now,
            )
        )
        return
    result = conn.execute(
        t.topic_trigger_position.update()
        .where(
            c.dag_id == dag_id,
            c.topic == topic,
            c.partition == move.partition,
            c.next_offset == move.expected,
        )
        .values(next_offset=move.offset, updated_at=now)
    )
    if result.rowcount == 0:
        raise PositionMoved(
            f"position of {dag_id} on {topic}[{move.partition}] is not {move.expected}"
        )
