"""Fixtures of the Kafka provider tests (defined in kafka_testing, beside this file)."""

from kafka_testing import kafka_airstream_home, kafka_default  # noqa: F401 - fixtures
