"""confluent-kafka (librdkafka) against the broker: codecs, idempotence, AdminClient."""

from __future__ import annotations

import uuid

import pytest
from confluent_kafka import (
    Consumer,
    KafkaError,
    KafkaException,
    Producer,
    TopicPartition,
)
from confluent_kafka.admin import (
    AdminClient,
    AlterConfigOpType,
    ConfigEntry,
    ConfigResource,
    NewPartitions,
    NewTopic,
    OffsetSpec,
)


def _produce(broker: str, topic: str, count: int, **config: object) -> list[int]:
    offsets: list[int] = []
    errors: list[object] = []

    def delivered(err: object, msg: object) -> None:
        if err is not None:
            errors.append(err)
        else:
            offsets.append(msg.offset())  # type: ignore[attr-defined]

    producer = Producer({"bootstrap.servers": broker, "acks": "all", **config})
    for i in range(count):
        producer.produce(topic, key=b"k%d" % i, value=b"value-%d" % i, on_delivery=delivered)
        producer.poll(0)
    assert producer.flush(30) == 0
    assert errors == []
    return offsets


def _consume_all(broker: str, topic: str, count: int) -> list[tuple[int, bytes, bytes]]:
    consumer = Consumer(
        {
            "bootstrap.servers": broker,
            "group.id": f"g-{uuid.uuid4()}",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        }
    )
    consumer.subscribe([topic])
    out: list[tuple[int, bytes, bytes]] = []
    misses = 0
    while len(out) < count and misses < 30:
        msg = consumer.poll(1.0)
        if msg is None:
            misses += 1
            continue
        assert msg.error() is None, msg.error()
        out.append((msg.offset(), msg.key(), msg.value()))
    consumer.close()
    return out


@pytest.mark.parametrize("codec", ["none", "gzip", "snappy", "lz4", "zstd"])
def test_codecs_round_trip(broker: str, codec: str) -> None:
    topic = f"codec-{codec}"
    offsets = _produce(broker, topic, 1000, **{"compression.codec": codec, "linger.ms": 20})
    assert sorted(offsets) == list(range(1000))
    got = _consume_all(broker, topic, 1000)
    assert [o for o, _, _ in got] == list(range(1000))
    assert got[123][1:] == (b"k123", b"value-123")


def test_idempotent_producer(broker: str) -> None:
    offsets = _produce(broker, "idem", 2000, **{"enable.idempotence": True, "linger.ms": 5})
    assert sorted(offsets) == list(range(2000))
    got = _consume_all(broker, "idem", 2000)
    assert len(got) == 2000
    assert len({v for _, _, v in got}) == 2000


def test_admin_client_topics_and_configs(broker: str) -> None:
    admin = AdminClient({"bootstrap.servers": broker})
    fs = admin.create_topics(
        [
            NewTopic(
                "adm", num_partitions=2, replication_factor=1, config={"retention.ms": "3600000"}
            )
        ]
    )
    fs["adm"].result(10)
    dup = admin.create_topics([NewTopic("adm", num_partitions=2, replication_factor=1)])
    with pytest.raises(KafkaException) as info:
        dup["adm"].result(10)
    assert info.value.args[0].code() == KafkaError.TOPIC_ALREADY_EXISTS
    bad = admin.create_topics([NewTopic("bad name!", num_partitions=1, replication_factor=1)])
    with pytest.raises(KafkaException) as info:
        bad["bad name!"].result(10)
    assert info.value.args[0].code() == KafkaError.TOPIC_EXCEPTION

    resource = ConfigResource(ConfigResource.Type.TOPIC, "adm")
    configs = admin.describe_configs([resource])[resource].result(10)
    assert configs["retention.ms"].value == "3600000"
    assert not configs["retention.ms"].is_default
    assert configs["segment.bytes"].value == "1073741824"
    assert configs["cleanup.policy"].value == "delete"

    change = ConfigResource(
        ConfigResource.Type.TOPIC,
        "adm",
        incremental_configs=[
            ConfigEntry(
                "max.message.bytes", "2000000", incremental_operation=AlterConfigOpType.SET
            ),
            ConfigEntry("retention.ms", None, incremental_operation=AlterConfigOpType.DELETE),
        ],
    )
    admin.incremental_alter_configs([change])[change].result(10)
    configs = admin.describe_configs([resource])[resource].result(10)
    assert configs["max.message.bytes"].value == "2000000"
    assert configs["retention.ms"].value == "604800000"

    compact = ConfigResource(
        ConfigResource.Type.TOPIC,
        "adm",
        incremental_configs=[
            ConfigEntry("cleanup.policy", "compact", incremental_operation=AlterConfigOpType.SET),
        ],
    )
    with pytest.raises(KafkaException) as info:
        admin.incremental_alter_configs([compact])[compact].result(10)
    assert info.value.args[0].code() == KafkaError.INVALID_CONFIG

    admin.create_partitions([NewPartitions("adm", 4)])["adm"].result(10)
    assert len(admin.list_topics(timeout=10).topics["adm"].partitions) == 4
    admin.delete_topics(["adm"])["adm"].result(10)
    assert "adm" not in admin.list_topics(timeout=10).topics


def test_delete_records_and_list_offsets(broker: str) -> None:
    _produce(broker, "trim", 100)
    admin = AdminClient({"bootstrap.servers": broker})
    tp = TopicPartition("trim", 0, 40)
    result = admin.delete_records([tp])[tp].result(10)
    assert result.low_watermark == 40
    earliest = admin.list_offsets({TopicPartition("trim", 0): OffsetSpec.earliest()})
    latest = admin.list_offsets({TopicPartition("trim", 0): OffsetSpec.latest()})
    assert next(iter(earliest.values())).result(10).offset == 40
    assert next(iter(latest.values())).result(10).offset == 100
    got = _consume_all(broker, "trim", 60)
    assert got[0][0] == 40
    assert len(got) == 60


def test_produce_to_unknown_partition_fails(broker: str) -> None:
    _produce(broker, "onep", 1)
    errors: list[KafkaError] = []
    producer = Producer({"bootstrap.servers": broker, "message.timeout.ms": 3000})
    producer.produce(
        "onep", value=b"x", partition=7, on_delivery=lambda err, msg: errors.append(err)
    )
    producer.flush(10)
    assert errors and errors[0].code() == KafkaError._UNKNOWN_PARTITION
