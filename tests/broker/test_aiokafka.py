"""aiokafka against the broker."""

from __future__ import annotations

import asyncio

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition


async def _round_trip(broker: str) -> list[tuple[int, bytes | None, bytes | None]]:
    producer = AIOKafkaProducer(bootstrap_servers=broker, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        for i in range(50):
            await producer.send_and_wait("aio", key=b"%d" % i, value=b"v%d" % i)
        batch = producer.create_batch()
        for i in range(50, 100):
            batch.append(key=b"%d" % i, value=b"v%d" % i, timestamp=None)
        await (await producer.send_batch(batch, "aio", partition=0))
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer(
        "aio",
        bootstrap_servers=broker,
        group_id="aio-group",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    out = []
    try:
        while len(out) < 100:
            batches = await consumer.getmany(timeout_ms=5000)
            assert batches, "no records within 5 s"
            for records in batches.values():
                out.extend((r.offset, r.key, r.value) for r in records)
        await consumer.commit()
        committed = await consumer.committed(TopicPartition("aio", 0))
    finally:
        await consumer.stop()
    assert committed == 100
    return out


def test_aiokafka_produce_consume_commit(broker: str) -> None:
    out = asyncio.run(_round_trip(broker))
    assert [o for o, _, _ in out] == list(range(100))
    assert out[77][1:] == (b"77", b"v77")
