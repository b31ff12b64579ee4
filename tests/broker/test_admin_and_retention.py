"""Admin APIs not covered elsewhere, acks=0, and retention enforced by the running broker."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic
from kafka import KafkaConsumer, KafkaProducer
from kio.schema.errors import ErrorCode
from raw_client import RawClient, create_topic, make_batch, produce

from broker_process import BrokerProcess


def test_acks_zero_records_arrive(broker: str) -> None:
    producer = KafkaProducer(bootstrap_servers=broker, acks=0)
    for i in range(100):
        producer.send("fire-and-forget", b"%d" % i)
    producer.flush()
    producer.close()
    consumer = KafkaConsumer(
        "fire-and-forget",
        bootstrap_servers=broker,
        auto_offset_reset="earliest",
        consumer_timeout_ms=5000,
    )
    values = [m.value for m in consumer]
    consumer.close()
    assert values == [b"%d" % i for i in range(100)]


def test_describe_cluster_and_broker_configs(broker: str) -> None:
    admin = AdminClient({"bootstrap.servers": broker})
    cluster = admin.describe_cluster().result(10)
    assert [node.port for node in cluster.nodes] == [int(broker.rsplit(":", 1)[1])]
    assert cluster.controller.id == cluster.nodes[0].id
    assert cluster.cluster_id
    resource = ConfigResource(ConfigResource.Type.BROKER, str(cluster.nodes[0].id))
    configs = admin.describe_configs([resource])[resource].result(10)
    assert configs["auto.create.topics.enable"].value == "true"
    assert configs["num.partitions"].value == "1"


def test_alter_configs_replaces_the_topic_overrides(broker: str) -> None:
    client = RawClient(broker)
    create_topic(client, "altered", {"retention.ms": "1000"})
    altered = client.request(
        33,
        2,
        {
            "resources": [
                {
                    "resource_type": 2,
                    "resource_name": "altered",
                    "configs": [{"name": "segment.bytes", "value": "1048576"}],
                }
            ],
            "validate_only": False,
        },
    )
    assert altered.responses[0].error_code == ErrorCode.none
    described = client.request(
        32,
        4,
        {
            "resources": [
                {"resource_type": 2, "resource_name": "altered", "configuration_keys": None}
            ],
            "include_synonyms": False,
            "include_documentation": False,
        },
    )
    configs = {c.name: (c.value, c.config_source) for c in described.results[0].configs}
    assert configs["segment.bytes"] == ("1048576", 1)  # DYNAMIC_TOPIC_CONFIG
    assert configs["retention.ms"] == ("604800000", 5)  # replaced: back to DEFAULT_CONFIG
    bad = client.request(
        33,
        2,
        {
            "resources": [
                {
                    "resource_type": 2,
                    "resource_name": "altered",
                    "configs": [{"name": "retention.ms", "value": "soon"}],
                }
            ],
            "validate_only": False,
        },
    )
    assert bad.responses[0].error_code == ErrorCode.invalid_config
    assert "retention.ms" in bad.responses[0].error_message
    client.close()


def test_offset_for_leader_epoch(broker: str) -> None:
    client = RawClient(broker)
    create_topic(client, "epochs")
    for _ in range(3):
        produce(client, "epochs", bytes(make_batch(count=2)))
    response = client.request(
        23,
        4,
        {
            "replica_id": -1,
            "topics": [
                {
                    "topic": "epochs",
                    "partitions": [
                        {"partition": 0, "current_leader_epoch": 0, "leader_epoch": 0},
                        {"partition": 0, "current_leader_epoch": 5, "leader_epoch": 0},
                        {"partition": 3, "current_leader_epoch": 0, "leader_epoch": 0},
                    ],
                }
            ],
        },
    )
    ok, future_epoch, missing = response.topics[0].partitions
    assert (ok.error_code, ok.leader_epoch, ok.end_offset) == (ErrorCode.none, 0, 6)
    assert future_epoch.error_code == ErrorCode.unknown_leader_epoch
    assert missing.error_code == ErrorCode.unknown_topic_or_partition
    client.close()


def test_retention_runs_in_the_background(tmp_path: Path) -> None:
    process = BrokerProcess(
        tmp_path / "data", env={"AIRSTREAM_BROKER_LOG_RETENTION_CHECK_INTERVAL_MS": "100"}
    )
    bootstrap = process.start()
    try:
        admin = AdminClient({"bootstrap.servers": bootstrap})
        admin.create_topics(
            [
                NewTopic(
                    "short-lived",
                    1,
                    1,
                    config={
                        "retention.ms": "1",
                        "segment.bytes": "2000",
                    },
                )
            ]
        )["short-lived"].result(10)
        producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 0})
        for i in range(40):
            producer.produce("short-lived", b"x" * 200 + b"%d" % i)
            producer.flush(10)
        consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": str(uuid.uuid4())})
        tp = TopicPartition("short-lived", 0)
        low = 0
        for _ in range(200):  # the retention loop deletes closed segments every 100 ms
            low, high = consumer.get_watermark_offsets(tp, timeout=10)
            if low > 0:
                break
            time.sleep(0.05)
        consumer.close()
        assert high == 40
        assert low > 0
    finally:
        assert process.stop() == 0
