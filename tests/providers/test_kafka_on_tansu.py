"""The Kafka operators and sensors against Tansu, another Kafka-compatible broker: what they
do must not depend on the broker being airstream's own.

Tansu auto-creates topics with several partitions, so the topics here are created first with
one, which keeps the record order the assertions compare.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from confluent_kafka.admin import AdminClient, NewTopic
from kafka_testing import committed_offset, connection_json, produce, read_topic, run_dag

from tansu_process import tansu_broker


@pytest.fixture(scope="module")
def tansu() -> Iterator[str]:
    with tansu_broker() as bootstrap:
        yield bootstrap


@pytest.fixture
def on_tansu(tansu: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("AIRFLOW_CONN_KAFKA_DEFAULT", connection_json(tansu))
    return tansu


def create_topic(bootstrap: str, name: str) -> None:
    admin = AdminClient({"bootstrap.servers": bootstrap})
    for future in admin.create_topics([NewTopic(name, 1, 1)]).values():
        future.result(timeout=30)


def test_produce_then_consume(on_tansu: str, tmp_path: Path) -> None:
    create_topic(on_tansu, "tansu-orders")
    out = tmp_path / "consumed.txt"
    conf = {"topic": "tansu-orders", "count": 5, "out": str(out)}
    run = run_dag("kafka_produce_consume", conf)
    assert run.exit_code == 0, run.output
    assert (run.state("produce"), run.state("consume")) == ("success", "success")
    expected = [(f"key-{i}", f"record-{i}") for i in range(5)]
    assert read_topic(on_tansu, "tansu-orders", 5) == expected
    assert out.read_text().splitlines() == [f"{k}={v}" for k, v in expected]
    assert committed_offset(on_tansu, "tansu-orders") == 5


def test_await_message_sensor(on_tansu: str, tmp_path: Path) -> None:
    create_topic(on_tansu, "sensor-events")
    produce(on_tansu, "sensor-events", ["noise-1", "the-one", "after"])
    seen = tmp_path / "seen.txt"
    run = run_dag("kafka_await_message", {"wanted": "the-one", "seen": str(seen)})
    assert run.exit_code == 0, run.output
    assert "return_value: matched:the-one" in run.output
    assert seen.read_text().splitlines() == ["noise-1", "the-one"]
    assert committed_offset(on_tansu, "sensor-events") == 2
