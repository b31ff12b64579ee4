"""The streams endpoints against a real airstream broker, over the Kafka protocol."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from api_server_process import ApiServerProcess
from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

TOPIC = "orders"


def _create_topic(bootstrap: str) -> None:
    admin = AdminClient({"bootstrap.servers": bootstrap})
    futures = admin.create_topics(
        [NewTopic(TOPIC, num_partitions=2, replication_factor=1, config={"retention.ms": "60000"})]
    )
    futures[TOPIC].result(timeout=30)


def _produce(bootstrap: str, count: int) -> None:
    producer = Producer({"bootstrap.servers": bootstrap})
    for i in range(count):
        producer.produce(TOPIC, key=f"k{i}".encode(), value=f"order {i}".encode(), partition=0)
    producer.produce(TOPIC, value=b"\xff\x00binary", partition=1, headers=[("h", b"v")])
    assert producer.flush(30) == 0


def _commit(bootstrap: str, group: str, offset: int) -> None:
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group})
    consumer.commit(offsets=[TopicPartition(TOPIC, 0, offset)], asynchronous=False)
    consumer.close()


@pytest.fixture
def streams_api(broker: str, tmp_path: Path) -> Iterator[httpx.Client]:
    _create_topic(broker)
    _produce(broker, 150)
    _commit(broker, "billing", 140)
    server = ApiServerProcess(tmp_path / "home", env={"AIRSTREAM_BOOTSTRAP_SERVERS": broker})
    server.home.mkdir()
    server.start()
    headers = {"Authorization": f"Bearer {server.token('vera')}"}
    with httpx.Client(base_url=f"{server.url}/api/v2/streams", headers=headers) as http:
        yield http
    assert server.stop() == 0


def test_topics_with_watermarks_and_configs(streams_api: httpx.Client) -> None:
    listing = streams_api.get("/topics").json()
    topic = next(t for t in listing["topics"] if t["name"] == TOPIC)
    marks = {p["partition"]: (p["low_watermark"], p["high_watermark"]) for p in topic["partitions"]}
    assert marks == {0: (0, 150), 1: (0, 1)}
    assert topic["configs"]["retention.ms"] == "60000"
    one = streams_api.get(f"/topics/{TOPIC}").json()
    assert one["name"] == TOPIC
    assert streams_api.get("/topics/missing").status_code == 404


def test_recent_records_are_bounded(streams_api: httpx.Client) -> None:
    recent = streams_api.get(f"/topics/{TOPIC}/partitions/0/records", params={"limit": 5}).json()
    assert [r["offset"] for r in recent["records"]] == [145, 146, 147, 148, 149]
    assert recent["records"][-1]["value"] == "order 149"
    assert recent["records"][-1]["key"] == "k149"
    assert recent["high_watermark"] == 150
    most = streams_api.get(f"/topics/{TOPIC}/partitions/0/records", params={"limit": 100})
    assert len(most.json()["records"]) == 100
    too_many = streams_api.get(f"/topics/{TOPIC}/partitions/0/records", params={"limit": 101})
    assert too_many.status_code == 422
    assert streams_api.get(f"/topics/{TOPIC}/partitions/7/records").status_code == 404


def test_binary_values_as_base64(streams_api: httpx.Client) -> None:
    params = {"encoding": "base64"}
    record = streams_api.get(f"/topics/{TOPIC}/partitions/1/records", params=params).json()[
        "records"
    ][0]
    assert base64.b64decode(record["value"]) == b"\xff\x00binary"
    assert record["key"] is None
    assert record["headers"] == [{"key": "h", "value": base64.b64encode(b"v").decode()}]


def test_consumer_groups_with_lag(streams_api: httpx.Client) -> None:
    groups = streams_api.get("/groups").json()["groups"]
    assert "billing" in [g["group_id"] for g in groups]
    billing = streams_api.get("/groups/billing").json()
    assert billing["members"] == []
    assert billing["offsets"] == [
        {
            "topic": TOPIC,
            "partition": 0,
            "committed_offset": 140,
            "end_offset": 150,
            "lag": 10,
            "member_id": None,
        }
    ]
    assert billing["total_lag"] == 10
    assert streams_api.get("/groups/nobody").status_code == 404


def test_unreachable_broker_is_503(tmp_path: Path) -> None:
    server = ApiServerProcess(tmp_path, env={"AIRSTREAM_BOOTSTRAP_SERVERS": "127.0.0.1:1"})
    server.start()
    try:
        headers = {"Authorization": f"Bearer {server.token('admin')}"}
        response = httpx.get(f"{server.url}/api/v2/streams/topics", headers=headers, timeout=60)
        assert response.status_code == 503
        assert "127.0.0.1:1" in response.json()["detail"]
    finally:
        assert server.stop() == 0


def test_group_members_and_their_partitions(streams_api: httpx.Client, broker: str) -> None:
    consumer = Consumer({"bootstrap.servers": broker, "group.id": "live", "client.id": "dashboard"})
    consumer.subscribe([TOPIC])
    try:
        # Poll until the group coordinator has handed out the partitions.
        for _ in range(60):
            consumer.poll(0.5)
            if consumer.assignment():
                break
        assert consumer.assignment()
        live = streams_api.get("/groups/live").json()
        assert live["state"] == "STABLE"
        [member] = live["members"]
        assert member["client_id"] == "dashboard"
        assigned = sorted((a["topic"], a["partition"]) for a in member["assignments"])
        assert assigned == [(TOPIC, 0), (TOPIC, 1)]
        assert {o["member_id"] for o in live["offsets"]} == {member["member_id"]}
    finally:
        consumer.close()
