"""Bad input over a raw socket: precise Kafka error codes, closed connections where Kafka
closes them, and a broker that keeps serving everyone else."""

from __future__ import annotations

import struct

import pytest
from kio.index import load_response_schema
from kio.schema.errors import ErrorCode
from kio.serial import entity_reader
from raw_client import (
    RawClient,
    assert_still_serving,
    create_topic,
    fetch,
    make_batch,
    produce,
)


def test_api_versions_unknown_version_kip511(broker: str) -> None:
    client = RawClient(broker)
    client.send_frame(struct.pack(">hhih", 18, 99, 7, 3) + b"raw")
    frame = client.recv_frame()
    assert frame is not None
    assert struct.unpack_from(">i", frame)[0] == 7
    response, _ = entity_reader(load_response_schema(18, 0))(frame, 4)
    assert response.error_code == ErrorCode.unsupported_version
    keys = {k.api_key for k in response.api_keys}
    assert {0, 1, 2, 3, 8, 9, 10, 11, 12, 13, 14, 18, 19, 20, 22, 32} <= keys
    client.close()


@pytest.mark.parametrize(
    "payload",
    [
        struct.pack(">hhih", 999, 0, 1, -1),  # unknown API key
        struct.pack(">hhih", 0, 1, 1, -1),  # Produce v1: removed in Kafka 4, not served
        struct.pack(">hhi", 3, 12, 1) + b"\x00\x03ab",  # truncated Metadata request
        b"\x00",  # shorter than any header
    ],
    ids=["unknown-api-key", "unsupported-version", "truncated-body", "tiny-frame"],
)
def test_malformed_requests_close_the_connection(broker: str, payload: bytes) -> None:
    client = RawClient(broker)
    client.send_frame(payload)
    assert client.recv_frame() is None
    client.close()
    assert_still_serving(broker)


def test_absurd_frame_size_closes_the_connection(broker: str) -> None:
    client = RawClient(broker)
    client.sock.sendall(struct.pack(">i", 200 * 1024 * 1024) + b"\x00" * 100)
    assert client.is_closed_by_peer()
    client.close()
    assert_still_serving(broker)


def test_corrupt_batch_is_refused(broker: str) -> None:
    client = RawClient(broker)
    assert create_topic(client, "corrupt").error_code == ErrorCode.none
    batch = make_batch()
    batch[-1] ^= 0xFF  # inside the CRC-covered part
    assert produce(client, "corrupt", bytes(batch)).error_code == ErrorCode.corrupt_message
    truncated = bytes(make_batch())[:-5]
    assert produce(client, "corrupt", truncated).error_code == ErrorCode.corrupt_message
    good = produce(client, "corrupt", bytes(make_batch()))
    assert good.error_code == ErrorCode.none
    assert good.base_offset == 0  # the refused batches left nothing behind
    client.close()


def test_oversized_batch_is_refused(broker: str) -> None:
    client = RawClient(broker)
    assert create_topic(client, "small", {"max.message.bytes": "1000"}).error_code == 0
    big = bytes(make_batch(count=5, value_size=400))
    assert produce(client, "small", big).error_code == ErrorCode.message_too_large
    assert produce(client, "small", bytes(make_batch())).error_code == ErrorCode.none
    client.close()


def test_unknown_topic_partition_and_invalid_names(broker: str) -> None:
    client = RawClient(broker)
    assert produce(client, "never-created", bytes(make_batch())).error_code == (
        ErrorCode.unknown_topic_or_partition
    )
    metadata = client.request(
        3,
        12,
        {
            "topics": [{"name": "bad/name", "topic_id": None}],
            "allow_auto_topic_creation": True,
            "include_topic_authorized_operations": False,
        },
    )
    assert metadata.topics[0].error_code == ErrorCode.invalid_topic_exception
    created = create_topic(client, "x" * 250)
    assert created.error_code == ErrorCode.invalid_topic_exception
    assert created.error_message
    fetched = fetch(client, "never-created", 0)
    assert fetched.error_code == ErrorCode.unknown_topic_or_partition
    client.close()


def test_invalid_acks_and_offset_out_of_range(broker: str) -> None:
    client = RawClient(broker)
    create_topic(client, "acks")
    assert produce(client, "acks", bytes(make_batch()), acks=5).error_code == (
        ErrorCode.invalid_required_acks
    )
    assert fetch(client, "acks", 42).error_code == ErrorCode.offset_out_of_range
    client.close()


def test_produce_version_rules(broker: str) -> None:
    client = RawClient(broker)
    create_topic(client, "rules")
    two = bytes(make_batch()) + bytes(make_batch())
    refused = produce(client, "rules", two)
    assert refused.error_code == ErrorCode.invalid_record
    zstd = bytes(make_batch(compression=4))
    assert produce(client, "rules", zstd, version=5).error_code == (
        ErrorCode.unsupported_compression_type
    )
    accepted = produce(client, "rules", zstd, version=7)
    assert accepted.error_code == ErrorCode.none
    assert accepted.base_offset == 0
    client.close()
