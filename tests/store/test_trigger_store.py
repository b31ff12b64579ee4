"""The store's contract for asset events, topic trigger positions and job heartbeats,
run against SQLite, PostgreSQL and MariaDB alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from airstream.store import DagRunAlreadyExists, MetadataStore
from airstream.store.errors import PositionMoved
from airstream.store.records import (
    AssetEvent,
    DagRun,
    DagRunType,
    Job,
    JobType,
    TaskInstance,
    TopicPositionMove,
)

T0 = datetime(2024, 1, 1, tzinfo=UTC)


def asset_run(dag_id: str, n: int) -> DagRun:
    return DagRun(
        dag_id=dag_id,
        run_id=f"asset_triggered__{n}",
        run_type=DagRunType.ASSET_TRIGGERED,
        logical_date=T0 + timedelta(minutes=n),
        conf={"n": n},
    )


def test_asset_events_round_trip_and_filter(store: MetadataStore) -> None:
    stored = store.add_asset_events(
        [
            AssetEvent(
                "orders",
                "s3://b/orders",
                extra={"rows": 3},
                source_dag_id="etl",
                source_run_id="r1",
                source_task_id="load",
                timestamp=T0,
            ),
            AssetEvent("users", "s3://b/users"),
            AssetEvent("orders", "s3://b/orders", extra={"rows": 4}),
        ]
    )
    ids = [e.id for e in stored]
    assert ids == sorted(ids) and None not in ids
    assert stored[0].asset_id == stored[2].asset_id != stored[1].asset_id
    assert store.latest_asset_event_id() == ids[-1]

    orders = store.list_asset_events([("orders", "s3://b/orders")])
    assert [e.extra for e in orders] == [{"rows": 3}, {"rows": 4}]
    first = orders[0]
    assert (first.source_dag_id, first.source_run_id, first.source_task_id) == ("etl", "r1", "load")
    assert first.timestamp == T0 and first.source_map_index == -1
    assert [e.id for e in store.list_asset_events(after_id=ids[0])] == ids[1:]
    assert [e.id for e in store.list_asset_events(after_id=ids[0], up_to_id=ids[1])] == ids[1:2]
    assert store.list_asset_events([]) == []


def test_asset_triggered_run_moves_the_watermark_once(store: MetadataStore) -> None:
    events = store.add_asset_events([AssetEvent("a", "a"), AssetEvent("b", "b")])
    assert store.get_asset_watermark("consumer") is None
    assert store.init_asset_watermark("consumer", 0) == 0
    assert store.init_asset_watermark("consumer", 99) == 0  # the first value stays

    ti = TaskInstance(dag_id="consumer", run_id="asset_triggered__1", task_id="t")
    run = store.create_asset_triggered_run(
        asset_run("consumer", 1),
        [ti],
        [e.id for e in events if e.id],
        watermark=events[-1].id or 0,
        expected_watermark=0,
    )
    assert run.id is not None
    assert store.get_asset_watermark("consumer") == events[-1].id
    assert [e.name for e in store.list_run_asset_events("consumer", run.run_id)] == ["a", "b"]
    assert [t.task_id for t in store.list_run_tis("consumer", run.run_id)] == ["t"]

    with pytest.raises(PositionMoved):  # a second scheduler with the old watermark
        store.create_asset_triggered_run(
            asset_run("consumer", 2), [], [], watermark=5, expected_watermark=0
        )
    assert store.get_dag_run("consumer", "asset_triggered__2") is None


def test_topic_positions_move_with_their_run_or_not_at_all(store: MetadataStore) -> None:
    assert store.get_topic_positions("d", "orders") == {}
    store.move_topic_positions(
        "d", "orders", [TopicPositionMove(0, None, 5), TopicPositionMove(1, None, 0)]
    )
    assert store.get_topic_positions("d", "orders") == {0: 5, 1: 0}
    assert store.get_topic_positions("other", "orders") == {}

    run = asset_run("d", 1)
    event = AssetEvent("orders", "kafka://h:1/orders", extra={"payload": {"records": [1]}})
    ti = TaskInstance(dag_id="d", run_id=run.run_id, task_id="t")
    created = store.move_topic_positions(
        "d", "orders", [TopicPositionMove(0, 5, 8)], run=run, tis=[ti], events=[event]
    )
    assert created is not None and created.conf == {"n": 1}
    assert store.get_topic_positions("d", "orders") == {0: 8, 1: 0}
    linked = store.list_run_asset_events("d", run.run_id)
    assert [e.extra for e in linked] == [{"payload": {"records": [1]}}]

    # A stale expectation (a second consumer, or a replay after a crash) stores nothing.
    for stale in (
        [TopicPositionMove(1, 0, 3), TopicPositionMove(0, 5, 9)],
        [TopicPositionMove(1, None, 3)],
    ):
        with pytest.raises(PositionMoved):
            store.move_topic_positions("d", "orders", stale, run=asset_run("d", 2), tis=[])
    assert store.get_topic_positions("d", "orders") == {0: 8, 1: 0}
    assert store.get_dag_run("d", "asset_triggered__2") is None

    with pytest.raises(DagRunAlreadyExists):
        store.move_topic_positions("d", "orders", [TopicPositionMove(1, 0, 1)], run=run)
    assert store.get_topic_positions("d", "orders") == {0: 8, 1: 0}


def test_heartbeats_by_job_type(store: MetadataStore) -> None:
    assert store.latest_heartbeats() == {}
    scheduler = store.record_heartbeat(Job(JobType.SCHEDULER, "host", 10))
    assert scheduler.id is not None and scheduler.latest_heartbeat is not None
    first = store.latest_heartbeats()["scheduler"]
    again = store.record_heartbeat(scheduler)
    assert again.id == scheduler.id and again.latest_heartbeat is not None
    assert again.latest_heartbeat >= first
    store.record_heartbeat(Job(JobType.DAG_PROCESSOR, "host", 11))
    beats = store.latest_heartbeats()
    assert set(beats) == {"scheduler", "dag_processor"}
    assert beats["scheduler"] == again.latest_heartbeat
    assert all(b.tzinfo is not None for b in beats.values())
