"""kafka-python consumer groups against the broker: commit and resume, join/leave, eviction."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import NewTopic

if TYPE_CHECKING:
    from broker_process import BrokerProcess

#: Generous bound for loops that wait for a rebalance; tests never assert on elapsed time.
DEADLINE_S = 60


@pytest.fixture(autouse=True)
def fast_groups(monkeypatch: pytest.MonkeyPatch) -> None:
    """Shorter group timings than Kafka's defaults, so rebalances take well under a second."""
    monkeypatch.setenv("AIRSTREAM_BROKER_GROUP_INITIAL_REBALANCE_DELAY_MS", "300")
    monkeypatch.setenv("AIRSTREAM_BROKER_GROUP_MIN_SESSION_TIMEOUT_MS", "1000")


def _create_topic(bootstrap: str, name: str, partitions: int) -> None:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    admin.create_topics([NewTopic(name, num_partitions=partitions, replication_factor=1)])
    admin.close()


def _produce(bootstrap: str, topic: str, count: int, partitions: int) -> None:
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
    for i in range(count):
        producer.send(topic, value=b"%d" % i, partition=i % partitions)
    producer.flush()
    producer.close()


def _consumer(bootstrap: str, *topics: str, **config: object) -> KafkaConsumer:
    settings: dict[str, object] = {
        "bootstrap_servers": bootstrap,
        "group_id": "billing",
        "auto_offset_reset": "earliest",
        "enable_auto_commit": False,
        "heartbeat_interval_ms": 200,
        "session_timeout_ms": 3000,
    }
    settings.update(config)
    return KafkaConsumer(*topics, **settings)


def _wait_until(condition: Callable[[], bool], *consumers: KafkaConsumer) -> None:
    """Poll every consumer (rebalances happen inside poll; records are dropped) until true."""
    deadline = time.monotonic() + DEADLINE_S
    while not condition():
        assert time.monotonic() < deadline, "condition never became true"
        for consumer in consumers:
            consumer.poll(timeout_ms=50)


def _take(consumer: KafkaConsumer, count: int) -> list[tuple[int, int]]:
    """Consume exactly ``count`` records as (partition, offset) and return them."""
    taken: list[tuple[int, int]] = []
    deadline = time.monotonic() + DEADLINE_S
    while len(taken) < count:
        assert time.monotonic() < deadline, f"only {len(taken)} of {count} records arrived"
        batches = consumer.poll(timeout_ms=200, max_records=count - len(taken))
        for records in batches.values():
            taken.extend((r.partition, r.offset) for r in records)
    return taken


def test_commit_restart_and_resume(broker_process: BrokerProcess) -> None:
    bootstrap = broker_process.bootstrap
    _create_topic(bootstrap, "orders", 2)
    _produce(bootstrap, "orders", 20, 2)

    first = _consumer(bootstrap, "orders")
    consumed = _take(first, 10)
    first.commit()
    positions = {tp.partition: first.position(tp) for tp in first.assignment()}
    first.close()  # LeaveGroup
    assert len(consumed) == 10 and sum(positions.values()) == 10

    broker_process.stop()
    broker_process.start()

    second = _consumer(bootstrap, "orders")
    for partition, position in positions.items():
        assert second.committed(TopicPartition("orders", partition)) == position
    rest = _take(second, 10)
    second.commit()
    second.close()
    assert sorted(consumed + rest) == sorted((i % 2, i // 2) for i in range(20))


@pytest.fixture
def admin(broker: str) -> Iterator[KafkaAdminClient]:
    client = KafkaAdminClient(bootstrap_servers=broker)
    yield client
    client.close()


def _group(admin: KafkaAdminClient, group_id: str) -> dict[str, Any]:
    description: dict[str, Any] = admin.describe_groups([group_id])[group_id]
    return description


def test_members_join_and_leave(broker: str, admin: KafkaAdminClient) -> None:
    _create_topic(broker, "events", 4)
    a = _consumer(broker, "events", group_id="joiners")
    _wait_until(lambda: len(a.assignment()) == 4, a)
    b = _consumer(broker, "events", group_id="joiners")
    _wait_until(lambda: len(a.assignment()) == 2 and len(b.assignment()) == 2, a, b)
    assert a.assignment() | b.assignment() == {TopicPartition("events", p) for p in range(4)}
    description = _group(admin, "joiners")
    assert description["group_state"] == "Stable"
    assert description["protocol_type"] == "consumer"
    assert description["protocol_data"] == "range"
    assert len(description["members"]) == 2

    b.close()  # sends LeaveGroup: a takes everything back without waiting for a timeout
    _wait_until(lambda: len(a.assignment()) == 4, a)
    assert len(_group(admin, "joiners")["members"]) == 1
    a.close()
    assert _group(admin, "joiners")["group_state"] == "Empty"
    listed = {g["group_id"]: g["group_state"] for g in admin.list_groups()}
    assert listed == {"joiners": "Empty"}


CRASHING_MEMBER = textwrap.dedent(
    """
    import sys, time
    from kafka import KafkaConsumer
    consumer = KafkaConsumer(
        "evict", bootstrap_servers=sys.argv[1], group_id="evictions",
        session_timeout_ms=1500, heartbeat_interval_ms=300, enable_auto_commit=False,
    )
    while not consumer.assignment():
        consumer.poll(timeout_ms=100)
    print("assigned", len(consumer.assignment()), flush=True)
    while True:
        consumer.poll(timeout_ms=100)
    """
)


def test_session_timeout_evicts_a_killed_member(broker: str, admin: KafkaAdminClient) -> None:
    _create_topic(broker, "evict", 2)
    survivor = _consumer(broker, "evict", group_id="evictions", session_timeout_ms=1500)
    _wait_until(lambda: len(survivor.assignment()) == 2, survivor)
    crashing = subprocess.Popen(
        [sys.executable, "-c", CRASHING_MEMBER, broker], stdout=subprocess.PIPE, text=True
    )
    try:
        assert crashing.stdout is not None
        # The survivor must keep polling for the rebalance to include the newcomer.
        _wait_until(lambda: len(survivor.assignment()) == 1, survivor)
        assert crashing.stdout.readline().strip() == "assigned 1"
        assert len(_group(admin, "evictions")["members"]) == 2
        crashing.send_signal(signal.SIGKILL)  # no LeaveGroup: only the session timeout tells
        crashing.wait()
        _wait_until(lambda: len(survivor.assignment()) == 2, survivor)
        assert len(_group(admin, "evictions")["members"]) == 1
    finally:
        if crashing.poll() is None:
            crashing.kill()
            crashing.wait()
        if crashing.stdout is not None:
            crashing.stdout.close()
        survivor.close()


def test_committed_offsets_survive_broker_kill_9(broker_process: BrokerProcess) -> None:
    bootstrap = broker_process.bootstrap
    _create_topic(bootstrap, "ledger", 1)
    _produce(bootstrap, "ledger", 5, 1)
    partition = TopicPartition("ledger", 0)
    # Manual assignment: a "simple" consumer that only stores offsets in the group.
    consumer = _consumer(bootstrap, group_id="durable")
    consumer.assign([partition])
    assert len(_take(consumer, 5)) == 5
    consumer.commit()  # answered only once the offset is on disk
    consumer.close()

    broker_process.kill()
    broker_process.start()

    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    groups = {g["group_id"]: g["group_state"] for g in admin.list_groups()}
    admin.close()
    assert groups == {"durable": "Empty"}
    resumed = _consumer(bootstrap, group_id="durable")
    assert resumed.committed(partition) == 5
    resumed.close()
