"""confluent-kafka (librdkafka) consumer groups: rebalancing under load, admin views of groups."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from confluent_kafka import (
    Consumer,
    ConsumerGroupState,
    KafkaError,
    KafkaException,
    Producer,
    TopicPartition,
)
from confluent_kafka.admin import AdminClient, NewTopic

DEADLINE_S = 90
PARTITIONS = 6
#: What a synchronous commit may answer when the group rebalanced under it.
REBALANCE_ERRORS = (
    KafkaError.REBALANCE_IN_PROGRESS,
    KafkaError.ILLEGAL_GENERATION,
    KafkaError.UNKNOWN_MEMBER_ID,
)


@pytest.fixture(autouse=True)
def fast_groups(monkeypatch: pytest.MonkeyPatch) -> None:
    """Shorter group timings than Kafka's defaults, so rebalances take well under a second."""
    monkeypatch.setenv("AIRSTREAM_BROKER_GROUP_INITIAL_REBALANCE_DELAY_MS", "300")
    monkeypatch.setenv("AIRSTREAM_BROKER_GROUP_MIN_SESSION_TIMEOUT_MS", "1000")


def _create_topic(broker: str, name: str, partitions: int) -> None:
    admin = AdminClient({"bootstrap.servers": broker})
    for future in admin.create_topics([NewTopic(name, partitions, 1)]).values():
        future.result(30)


def _wait_until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + DEADLINE_S
    while not condition():
        assert time.monotonic() < deadline, "condition never became true"
        time.sleep(0.05)


class Member(threading.Thread):
    """One group member in its own thread: consume, commit each record synchronously."""

    def __init__(self, broker: str, topic: str, name: str, committed: list[int]) -> None:
        super().__init__(name=name, daemon=True)
        self.consumer = Consumer(
            {
                "bootstrap.servers": broker,
                "group.id": "ledger",
                "client.id": name,
                "enable.auto.commit": False,
                "auto.offset.reset": "earliest",
                "heartbeat.interval.ms": 300,
                "session.timeout.ms": 6000,
            }
        )
        self.topic = topic
        self.committed = committed
        self.stopping = threading.Event()
        self.assigned: set[int] = set()
        self.errors: list[str] = []

    def run(self) -> None:
        # Rebalance callbacks make librdkafka hand partitions over inside poll(), so a record
        # being processed is committed (or refused) before this member rejoins.
        self.consumer.subscribe([self.topic], on_assign=self._on_assign, on_revoke=self._on_revoke)
        try:
            while not self.stopping.is_set():
                message = self.consumer.poll(0.1)
                if message is None:
                    continue
                if message.error():
                    self.errors.append(str(message.error()))
                    continue
                try:
                    self.consumer.commit(message=message, asynchronous=False)
                except KafkaException as exc:
                    # The group moved on (rebalance): the record will be redelivered to its
                    # new owner; it is not part of the committed stream.
                    if exc.args[0].code() not in REBALANCE_ERRORS:
                        self.errors.append(str(exc))
                else:
                    self.committed.append(int(message.value()))
        finally:
            self.consumer.close()  # LeaveGroup

    def _on_assign(self, consumer: Any, partitions: list[TopicPartition]) -> None:
        self.assigned = {tp.partition for tp in partitions}

    def _on_revoke(self, consumer: Any, partitions: list[TopicPartition]) -> None:
        self.assigned = set()

    def stop(self) -> None:
        self.stopping.set()
        self.join(30)


def test_three_consumers_rebalance_without_loss_or_duplicates(broker: str) -> None:
    topic = "ledger-events"
    _create_topic(broker, topic, PARTITIONS)
    producer = Producer({"bootstrap.servers": broker, "acks": "all", "linger.ms": 5})
    sent = 0

    def produce(count: int) -> None:
        nonlocal sent
        for _ in range(count):
            producer.produce(topic, value=b"%d" % sent, partition=sent % PARTITIONS)
            sent += 1
        assert producer.flush(30) == 0

    committed: list[int] = []
    members: list[Member] = []
    try:
        produce(150)
        for name in ("one", "two", "three"):
            member = Member(broker, topic, name, committed)
            members.append(member)
            member.start()
            _wait_until(lambda m=member: bool(m.assigned))  # type: ignore[misc]
            produce(150)
        _wait_until(lambda: sorted(len(m.assigned) for m in members) == [2, 2, 2])
        members[0].stop()  # leaves the group mid-stream
        produce(150)
        _wait_until(lambda: sorted(len(m.assigned) for m in members[1:]) == [3, 3])
        produce(150)
        _wait_until(lambda: len(committed) >= sent)
    finally:
        for member in members:
            member.stop()
    duplicates = [value for value, count in Counter(committed).items() if count > 1]
    assert duplicates == []
    assert sorted(committed) == list(range(sent))
    assert all(not m.errors for m in members), [m.errors for m in members]

    check = Consumer({"bootstrap.servers": broker, "group.id": "ledger"})
    offsets = check.committed([TopicPartition(topic, p) for p in range(PARTITIONS)], timeout=10)
    check.close()
    assert sum(tp.offset for tp in offsets) == sent


def test_admin_lists_describes_and_deletes_groups(broker: str) -> None:
    topic = "admin-groups"
    _create_topic(broker, topic, 2)
    admin = AdminClient({"bootstrap.servers": broker})
    consumer = Consumer(
        {
            "bootstrap.servers": broker,
            "group.id": "watched",
            "client.id": "watcher",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        }
    )
    consumer.subscribe([topic])
    _wait_until(lambda: consumer.poll(0.05) is None and len(consumer.assignment()) == 2)
    consumer.commit(
        offsets=[TopicPartition(topic, 0, 0), TopicPartition(topic, 1, 0)], asynchronous=False
    )

    listed = admin.list_consumer_groups(states={ConsumerGroupState.STABLE}).result(10)
    assert [g.group_id for g in listed.valid] == ["watched"]
    [description] = admin.describe_consumer_groups(["watched"]).values()
    group = description.result(10)
    assert group.state == ConsumerGroupState.STABLE
    assert group.partition_assignor == "range"
    [member] = group.members
    assert member.client_id == "watcher"
    assert {tp.partition for tp in member.assignment.topic_partitions} == {0, 1}

    [deleting] = admin.delete_consumer_groups(["watched"]).values()
    with pytest.raises(KafkaException) as refused:
        deleting.result(10)
    assert refused.value.args[0].code() == KafkaError.NON_EMPTY_GROUP

    consumer.close()
    listed = admin.list_consumer_groups(states={ConsumerGroupState.EMPTY}).result(10)
    assert [g.group_id for g in listed.valid] == ["watched"]
    [deleting] = admin.delete_consumer_groups(["watched"]).values()
    deleting.result(10)
    assert admin.list_consumer_groups().result(10).valid == []
