"""The broker command's lifecycle: clean stop, restart, and kill -9 after acks=all."""

from __future__ import annotations

import signal
import uuid
from pathlib import Path

from confluent_kafka import Consumer, Producer, TopicPartition

from broker_process import BrokerProcess


def _produce_acked(bootstrap: str, topic: str, count: int) -> list[tuple[int, int]]:
    acked: list[tuple[int, int]] = []

    def delivered(err: object, msg: object) -> None:
        assert err is None, err
        acked.append((msg.partition(), msg.offset()))  # type: ignore[attr-defined]

    producer = Producer({"bootstrap.servers": bootstrap, "acks": "all", "linger.ms": 2})
    for i in range(count):
        producer.produce(topic, value=b"record-%d" % i, partition=i % 3, on_delivery=delivered)
        producer.poll(0)
    assert producer.flush(30) == 0
    return acked


def _commit(bootstrap: str, group: str, offsets: list[TopicPartition]) -> None:
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group})
    consumer.commit(offsets=offsets, asynchronous=False)
    consumer.close()


def _committed(bootstrap: str, group: str, tps: list[TopicPartition]) -> list[int]:
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group})
    result = [tp.offset for tp in consumer.committed(tps, timeout=10)]
    consumer.close()
    return result


def _read_all(bootstrap: str, topic: str, partition: int) -> list[bytes]:
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"r-{uuid.uuid4()}",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        }
    )
    consumer.assign([TopicPartition(topic, partition, 0)])
    out: list[bytes] = []
    misses = 0
    while misses < 3:
        msg = consumer.poll(1.0)
        if msg is None or msg.error():
            misses += 1
            continue
        out.append(msg.value())
    consumer.close()
    return out


def _create(bootstrap: str, topic: str, partitions: int) -> None:
    from confluent_kafka.admin import AdminClient, NewTopic

    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([NewTopic(topic, num_partitions=partitions, replication_factor=1)])[
        topic
    ].result(10)


def test_sigterm_exits_zero_and_restart_keeps_everything(broker_process: BrokerProcess) -> None:
    bootstrap = broker_process.bootstrap
    _create(bootstrap, "keep", 3)
    acked = _produce_acked(bootstrap, "keep", 300)
    tps = [TopicPartition("keep", p, 10 + p) for p in range(3)]
    _commit(bootstrap, "keepers", tps)

    assert broker_process.stop(signal.SIGTERM) == 0
    broker_process.start()

    assert _committed(bootstrap, "keepers", [TopicPartition("keep", p) for p in range(3)]) == [
        10,
        11,
        12,
    ]
    for partition in range(3):
        values = _read_all(bootstrap, "keep", partition)
        assert len(values) == sum(1 for p, _ in acked if p == partition)
    more = _produce_acked(bootstrap, "keep", 3)
    assert sorted(offset for _, offset in more) == [100, 100, 100]


def test_kill_9_keeps_acknowledged_records_and_offsets(broker_process: BrokerProcess) -> None:
    bootstrap = broker_process.bootstrap
    _create(bootstrap, "crash", 3)
    acked = _produce_acked(bootstrap, "crash", 3000)
    _commit(bootstrap, "crashers", [TopicPartition("crash", p, 500 + p) for p in range(3)])

    broker_process.kill()
    broker_process.start()

    for partition in range(3):
        values = _read_all(bootstrap, "crash", partition)
        expected = sorted(o for p, o in acked if p == partition)
        assert len(values) >= len(expected)
        assert values[: len(expected)] == [b"record-%d" % (o * 3 + partition) for o in expected]
    assert _committed(bootstrap, "crashers", [TopicPartition("crash", p) for p in range(3)]) == [
        500,
        501,
        502,
    ]


def test_page_cache_mode_serves_and_flushes_on_stop(tmp_path: Path) -> None:
    process = BrokerProcess(tmp_path / "fast", "--durability", "page-cache")
    bootstrap = process.start()
    try:
        _create(bootstrap, "fast", 3)
        acked = _produce_acked(bootstrap, "fast", 600)
        assert process.stop(signal.SIGTERM) == 0  # a clean stop flushes everything
        process.start()
        for partition in range(3):
            assert len(_read_all(bootstrap, "fast", partition)) == sum(
                1 for p, _ in acked if p == partition
            )
    finally:
        process.stop()
