"""kafka-python against the broker, including the seed's own snippets."""

from __future__ import annotations

import pytest
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import NewPartitions, NewTopic
from kafka.errors import TopicAlreadyExistsError, UnknownTopicOrPartitionError


def test_seed_producer_and_consumer(broker: str) -> None:
    producer = KafkaProducer(bootstrap_servers=broker)
    futures = [producer.send("my_favorite_topic", b"some_message_bytes") for _ in range(100)]
    producer.flush()
    offsets = sorted(f.get(timeout=10).offset for f in futures)
    assert offsets == list(range(100))
    producer.close()

    consumer = KafkaConsumer(
        "my_favorite_topic",
        bootstrap_servers=broker,
        auto_offset_reset="earliest",
        consumer_timeout_ms=5000,
    )
    values = [msg.value for msg in consumer]
    consumer.close()
    assert values == [b"some_message_bytes"] * 100


def test_seed_group_consumer_commits(broker: str) -> None:
    producer = KafkaProducer(bootstrap_servers=broker, acks="all")
    for i in range(20):
        producer.send("grouped", key=str(i).encode(), value=f"v{i}".encode())
    producer.flush()
    producer.close()

    consumer = KafkaConsumer(
        "grouped",
        group_id="my_favorite_group",
        bootstrap_servers=broker,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        consumer_timeout_ms=8000,
    )
    seen = []
    for msg in consumer:
        seen.append(msg.value)
        if len(seen) == 20:
            break
    consumer.commit()
    committed = consumer.committed(TopicPartition("grouped", 0))
    consumer.close()
    assert seen == [f"v{i}".encode() for i in range(20)]
    assert committed == 20


@pytest.mark.parametrize("compression", [None, "gzip", "snappy", "lz4", "zstd"])
def test_compressed_batches_round_trip(broker: str, compression: str | None) -> None:
    producer = KafkaProducer(bootstrap_servers=broker, compression_type=compression, linger_ms=5)
    for i in range(500):
        producer.send("compressed", key=b"k%d" % i, value=b"x" * 50 + b"%d" % i)
    producer.flush()
    producer.close()
    consumer = KafkaConsumer(
        "compressed",
        bootstrap_servers=broker,
        auto_offset_reset="earliest",
        consumer_timeout_ms=5000,
    )
    received = [(m.offset, m.key, m.value) for m in consumer]
    consumer.close()
    assert [r[0] for r in received] == list(range(500))
    assert received[499][1:] == (b"k499", b"x" * 50 + b"499")


def test_admin_create_describe_partitions_delete(broker: str) -> None:
    admin = KafkaAdminClient(bootstrap_servers=broker)
    admin.create_topics([NewTopic("admin-t", num_partitions=3, replication_factor=1)])
    with pytest.raises(TopicAlreadyExistsError):
        admin.create_topics([NewTopic("admin-t", num_partitions=3, replication_factor=1)])
    assert "admin-t" in admin.list_topics()
    admin.create_partitions({"admin-t": NewPartitions(total_count=5)})
    described = admin.describe_topics(["admin-t"])
    assert len(described[0]["partitions"]) == 5
    admin.delete_topics(["admin-t"])
    assert "admin-t" not in admin.list_topics()
    with pytest.raises(UnknownTopicOrPartitionError):
        admin.delete_topics(["admin-t"])
    admin.close()


def test_offsets_for_times_and_end_offsets(broker: str) -> None:
    producer = KafkaProducer(bootstrap_servers=broker)
    for i in range(10):
        producer.send("timed", value=b"%d" % i, timestamp_ms=1_000_000 + i * 1000)
        producer.flush()
    producer.close()
    consumer = KafkaConsumer(bootstrap_servers=broker)
    tp = TopicPartition("timed", 0)
    assert consumer.beginning_offsets([tp]) == {tp: 0}
    assert consumer.end_offsets([tp]) == {tp: 10}
    found = consumer.offsets_for_times({tp: 1_000_000 + 4500})
    assert found[tp].offset == 5
    assert found[tp].timestamp == 1_000_000 + 5000
    assert consumer.offsets_for_times({tp: 9_999_999_999})[tp] is None
    consumer.close()
