"""Kafka connections and hooks: config from connections, kafka_default, admin/produce/consume."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from confluent_kafka import Consumer, Producer
from kafka_testing import connection_json

from airstream import compat
from airstream.providers.kafka.connection import client_config, kafka_connection
from airstream.providers.kafka.hooks import (
    KafkaAdminClientHook,
    KafkaBaseHook,
    KafkaConsumerHook,
    KafkaProducerHook,
)
from airstream.workflows.exceptions import AirflowException, AirflowNotFoundException


def test_kafka_default_falls_back_to_airstream_bootstrap_servers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AIRSTREAM_BOOTSTRAP_SERVERS", "broker-a:9093,broker-b:9093")
    config = client_config(kafka_connection("kafka_default"))
    assert config["bootstrap.servers"] == "broker-a:9093,broker-b:9093"
    assert config["group.id"] == "airstream"
    assert config["enable.auto.commit"] == "false"


def test_kafka_default_falls_back_to_the_broker_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AIRSTREAM_BROKER_HOST", "0.0.0.0")
    monkeypatch.setenv("AIRSTREAM_BROKER_PORT", "19092")
    conn = KafkaBaseHook().get_connection("kafka_default")
    assert conn.conn_type == "kafka"
    assert conn.extra_dejson["bootstrap.servers"] == "127.0.0.1:19092"


def test_a_defined_connection_wins_and_a_uri_host_is_the_bootstrap_server(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AIRSTREAM_BOOTSTRAP_SERVERS", "not-used:1")
    monkeypatch.setenv("AIRSTREAM_CONN_KAFKA_DEFAULT", "kafka://kafka.example:9092?group.id=etl")
    config = client_config(kafka_connection("kafka_default"))
    assert config == {"bootstrap.servers": "kafka.example:9092", "group.id": "etl"}


def test_other_connections_must_exist_and_name_a_broker(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(AirflowNotFoundException, match="kafka_other"):
        kafka_connection("kafka_other")
    monkeypatch.setenv("AIRFLOW_CONN_KAFKA_EMPTY", json.dumps({"conn_type": "kafka"}))
    with pytest.raises(ValueError, match=r"bootstrap.servers'\] must be provided"):
        client_config(kafka_connection("kafka_empty"))


def test_callbacks_by_dotted_path_need_the_allowlist(monkeypatch: pytest.MonkeyPatch) -> None:
    path = "airstream.providers.kafka.hooks.error_callback"
    extra = {"bootstrap.servers": "h:1", "error_cb": path}
    monkeypatch.setenv("AIRFLOW_CONN_KAFKA_CB", json.dumps({"conn_type": "kafka", "extra": extra}))
    with pytest.raises(ValueError, match="Refusing to resolve Kafka callback error_cb"):
        client_config(kafka_connection("kafka_cb"))
    monkeypatch.setenv("AIRFLOW__APACHE_KAFKA__CALLBACK_ALLOWLIST", f"x.y, {path}")
    from airstream.providers.kafka.hooks import error_callback

    assert client_config(kafka_connection("kafka_cb"))["error_cb"] is error_callback


def test_consumer_hook_refuses_a_connection_without_group_id(
    broker: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_KAFKA_NOGROUP", connection_json(broker, **{"group.id": ""}))
    with pytest.raises(AirflowException, match=r"'kafka_nogroup' has no 'group\.id'"):
        KafkaConsumerHook(["t"], kafka_config_id="kafka_nogroup").get_consumer()


def test_admin_producer_and_consumer_hooks_against_the_broker(
    kafka_default: str, caplog: pytest.LogCaptureFixture
) -> None:
    admin = KafkaAdminClientHook()
    admin.create_topic([("hooked", 3, 1)])
    admin.create_topic([("hooked", 3, 1)])  # already there: a warning, not an error
    assert "The topic hooked already exists." in caplog.text
    assert len(admin.get_conn.list_topics(timeout=10).topics["hooked"].partitions) == 3
    assert KafkaBaseHook().test_connection() == (True, "Connection successful.")

    producer = KafkaProducerHook().get_producer()
    assert isinstance(producer, Producer)
    producer.produce("hooked", key=b"k", value=b"v", partition=1)
    assert producer.flush(30) == 0

    consumer = KafkaConsumerHook(topics="hooked").get_consumer()
    assert isinstance(consumer, Consumer)
    try:
        (message,) = consumer.consume(num_messages=1, timeout=30)
        assert (message.partition(), message.key(), message.value()) == (1, b"k", b"v")
    finally:
        consumer.close()

    admin.delete_topic(["hooked"])
    assert "hooked" not in admin.get_conn.list_topics(timeout=10).topics


@pytest.fixture
def airflow_names() -> Iterator[None]:
    assert compat.install()
    yield
    compat.uninstall()


def test_the_provider_import_paths_name_the_same_classes(airflow_names: None) -> None:
    from airflow.providers.apache.kafka.hooks.base import KafkaBaseHook as Base
    from airflow.providers.apache.kafka.hooks.client import KafkaAdminClientHook as Admin
    from airflow.providers.apache.kafka.hooks.consume import KafkaConsumerHook as ConsumerHook
    from airflow.providers.apache.kafka.hooks.produce import KafkaProducerHook as ProducerHook
    from airflow.providers.apache.kafka.operators.consume import ConsumeFromTopicOperator
    from airflow.providers.apache.kafka.operators.produce import ProduceToTopicOperator
    from airflow.providers.apache.kafka.sensors.kafka import (
        AwaitMessageSensor,
        AwaitMessageTriggerFunctionSensor,
    )

    from airstream.providers.kafka import hooks, operators, sensors

    assert (Base, Admin, ConsumerHook, ProducerHook) == (
        hooks.KafkaBaseHook,
        hooks.KafkaAdminClientHook,
        hooks.KafkaConsumerHook,
        hooks.KafkaProducerHook,
    )
    assert ProduceToTopicOperator is operators.ProduceToTopicOperator
    assert ConsumeFromTopicOperator is operators.ConsumeFromTopicOperator
    assert AwaitMessageSensor is sensors.AwaitMessageSensor
    assert AwaitMessageTriggerFunctionSensor is sensors.AwaitMessageTriggerFunctionSensor
