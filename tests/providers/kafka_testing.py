"""Helpers for the Kafka provider tests: run a DAG of tests/providers/dags, produce records,
read a topic and a group's committed offsets with confluent-kafka, and fixtures using them."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from confluent_kafka import OFFSET_BEGINNING, Consumer, Producer, TopicPartition

_TESTS = Path(__file__).resolve().parents[1]
DAGS = Path(__file__).resolve().parent / "dags"
if str(_TESTS / "dags") not in sys.path:
    sys.path.append(str(_TESTS / "dags"))

from dag_cli import CliRun, run_cli  # noqa: E402

GROUP = "provider-tests"


@pytest.fixture(autouse=True)
def kafka_airstream_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Each test has its own AIRSTREAM_HOME; the DAG folder is tests/providers/dags."""
    home = tmp_path / "airstream-home"
    home.mkdir()
    monkeypatch.setenv("AIRSTREAM_HOME", str(home))
    monkeypatch.setenv("AIRSTREAM_DAGS_FOLDER", str(DAGS))
    for name in ("AIRFLOW_CONN_KAFKA_DEFAULT", "AIRSTREAM_CONN_KAFKA_DEFAULT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("AIRSTREAM_BOOTSTRAP_SERVERS", raising=False)
    yield home


def connection_json(bootstrap: str, **extra: str) -> str:
    config = {
        "bootstrap.servers": bootstrap,
        "group.id": GROUP,
        "auto.offset.reset": "earliest",
        "enable.auto.commit": "false",
        **extra,
    }
    return json.dumps({"conn_type": "kafka", "extra": config})


@pytest.fixture
def kafka_default(broker: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """``kafka_default`` defined as Airflow users do: AIRFLOW_CONN_KAFKA_DEFAULT (JSON)."""
    monkeypatch.setenv("AIRFLOW_CONN_KAFKA_DEFAULT", connection_json(broker))
    return broker


def run_dag(dag_id: str, conf: dict[str, object]) -> CliRun:
    return run_cli("dags", "test", dag_id, "2024-01-01", "-c", json.dumps(conf))


def produce(bootstrap: str, topic: str, values: list[str]) -> None:
    producer = Producer({"bootstrap.servers": bootstrap})
    for i, value in enumerate(values):
        producer.produce(topic, key=f"key-{i}", value=value)
    assert producer.flush(30) == 0


def read_topic(bootstrap: str, topic: str, count: int) -> list[tuple[str, str]]:
    """The first ``count`` records of ``topic`` (one partition) as (key, value) text, read
    from the start without a group (no group join to wait for)."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "reader"})
    try:
        consumer.assign([TopicPartition(topic, 0, OFFSET_BEGINNING)])
        records: list[tuple[str, str]] = []
        while len(records) < count:
            batch = consumer.consume(num_messages=count - len(records), timeout=20)
            assert batch, f"only {len(records)} of {count} records on {topic}"
            for m in batch:
                assert m.error() is None, m.error()
                records.append((m.key().decode(), m.value().decode()))
        return records
    finally:
        consumer.close()


def committed_offset(bootstrap: str, topic: str, group: str = GROUP) -> int:
    """The offset ``group`` committed on partition 0 of ``topic`` (negative: none)."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group})
    try:
        (partition,) = consumer.committed([TopicPartition(topic, 0)], timeout=20)
        assert partition.error is None
        return int(partition.offset)
    finally:
        consumer.close()
