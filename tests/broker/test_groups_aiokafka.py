"""aiokafka consumer groups: consume and commit, leave, and a second member resumes."""

from __future__ import annotations

import asyncio

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

DEADLINE_S = 60


@pytest.fixture(autouse=True)
def fast_groups(monkeypatch: pytest.MonkeyPatch) -> None:
    """Shorter group timings than Kafka's defaults, so rebalances take well under a second."""
    monkeypatch.setenv("AIRSTREAM_BROKER_GROUP_INITIAL_REBALANCE_DELAY_MS", "300")
    monkeypatch.setenv("AIRSTREAM_BROKER_GROUP_MIN_SESSION_TIMEOUT_MS", "1000")


async def _setup(broker: str, topic: str, count: int) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=broker)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, num_partitions=3, replication_factor=1)])
    finally:
        await admin.close()
    producer = AIOKafkaProducer(bootstrap_servers=broker, acks="all")
    await producer.start()
    try:
        for i in range(count):
            await producer.send(topic, b"%d" % i, partition=i % 3)
        await producer.flush()
    finally:
        await producer.stop()


def _consumer(broker: str, topic: str) -> AIOKafkaConsumer:
    return AIOKafkaConsumer(
        topic,
        bootstrap_servers=broker,
        group_id="async-readers",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        heartbeat_interval_ms=200,
        session_timeout_ms=3000,
    )


async def _take(consumer: AIOKafkaConsumer, count: int) -> list[int]:
    values: list[int] = []
    async with asyncio.timeout(DEADLINE_S):
        while len(values) < count:
            batches = await consumer.getmany(timeout_ms=200, max_records=count - len(values))
            values.extend(int(r.value) for records in batches.values() for r in records)
    return values


async def _group_commit_and_resume(broker: str) -> None:
    topic = "async-orders"
    await _setup(broker, topic, 30)
    first = _consumer(broker, topic)
    await first.start()
    try:
        head = await _take(first, 12)
        await first.commit()
        assert first.assignment() == {TopicPartition(topic, p) for p in range(3)}
        committed = {p: await first.committed(TopicPartition(topic, p)) for p in range(3)}
    finally:
        await first.stop()  # LeaveGroup
    assert sum(o or 0 for o in committed.values()) == 12

    second = _consumer(broker, topic)
    await second.start()
    try:
        tail = await _take(second, 18)
        await second.commit()
    finally:
        await second.stop()
    assert sorted(head + tail) == list(range(30))


def test_group_commit_and_resume(broker: str) -> None:
    asyncio.run(_group_commit_and_resume(broker))


async def _two_members_share_partitions(broker: str) -> None:
    topic = "async-shared"
    await _setup(broker, topic, 0)
    a, b = _consumer(broker, topic), _consumer(broker, topic)
    await a.start()
    await b.start()
    try:
        async with asyncio.timeout(DEADLINE_S):
            while len(a.assignment()) + len(b.assignment()) != 3 or not (
                a.assignment() and b.assignment()
            ):
                await asyncio.sleep(0.05)
        assert a.assignment().isdisjoint(b.assignment())
        await b.stop()
        async with asyncio.timeout(DEADLINE_S):
            while len(a.assignment()) != 3:
                await asyncio.sleep(0.05)
    finally:
        await a.stop()


def test_two_members_share_and_hand_back_partitions(broker: str) -> None:
    asyncio.run(_two_members_share_partitions(broker))
