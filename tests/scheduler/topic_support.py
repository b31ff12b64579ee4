"""Helpers of the topic-trigger tests: DAG files written per test, producing, reading runs."""

from __future__ import annotations

import textwrap
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewPartitions, NewTopic
from test_crash_recovery import wait_until

from airstream.store import MetadataStore
from airstream.store import records as rec
from airstream.store.queries import DagRunQuery

HEADER = """
from datetime import datetime, timedelta

from airstream import DAG, Topic
from airstream.operators.empty import EmptyOperator
"""


def write_dag(folder: Path, name: str, body: str, header: str = HEADER) -> Path:
    """A DAG file ``name.py`` in ``folder`` (dedented ``body`` after the imports)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.py"
    path.write_text(textwrap.dedent(header) + textwrap.dedent(body))
    return path


def new_topic(bootstrap: str, partitions: int = 2) -> str:
    name = f"orders-{uuid.uuid4().hex[:8]}"
    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([NewTopic(name, num_partitions=partitions, replication_factor=1)])[
        name
    ].result(30)
    wait_until(lambda: _partition_count(admin, name) == partitions, f"topic {name}")
    return name


def add_partitions(bootstrap: str, topic: str, total: int) -> None:
    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.create_partitions([NewPartitions(topic, total)])[topic].result(30)


def _partition_count(admin: AdminClient, topic: str) -> int:
    found = admin.list_topics(topic, timeout=10).topics.get(topic)
    return 0 if found is None or found.error is not None else len(found.partitions)


def produce(bootstrap: str, topic: str, records: list[dict[str, Any]]) -> list[tuple[int, int]]:
    """Produce ``records`` (``key``/``value``/``headers``/``partition``); their positions."""
    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5})
    delivered: dict[int, tuple[int, int]] = {}

    def on_delivery(index: int) -> Callable[[Any, Any], None]:
        def delivered_to(err: Any, msg: Any) -> None:
            assert err is None, err
            delivered[index] = (msg.partition(), msg.offset())

        return delivered_to

    for index, record in enumerate(records):
        producer.produce(topic, on_delivery=on_delivery(index), **record)
    assert producer.flush(30) == 0
    return [delivered[i] for i in range(len(records))]


def topic_runs(store: MetadataStore, dag_id: str) -> list[rec.DagRun]:
    runs = store.list_dag_runs(DagRunQuery(dag_ids=[dag_id]))
    return sorted(runs, key=lambda r: r.id or 0)


def run_records(store: MetadataStore, dag_id: str) -> list[dict[str, Any]]:
    """Every record carried by the DAG's runs, in run order."""
    return [r for run in topic_runs(store, dag_id) for r in run.conf["records"]]


def positions_of(records: list[dict[str, Any]]) -> list[tuple[int, int]]:
    return [(r["partition"], r["offset"]) for r in records]


def wait_for_records(
    store: MetadataStore, dag_id: str, count: int, timeout: float = 60
) -> list[dict[str, Any]]:
    """The DAG's run records once they number at least ``count``."""
    wait_until(lambda: len(run_records(store, dag_id)) >= count, f"{count} records", timeout)
    return run_records(store, dag_id)
