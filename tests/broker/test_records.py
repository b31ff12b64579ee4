"""Record batch v2 handling, byte for byte, on batches built by kafka-python's encoder."""

from __future__ import annotations

import struct

import crc32c
import pytest
from kafka.record.default_records import DefaultRecordBatch, DefaultRecordBatchBuilder

from airstream.broker.errors import RETRIABLE, BrokerError, ErrorCode
from airstream.broker.records import (
    HEADER_SIZE,
    parse_header,
    record_times,
    set_log_append_time,
    split_batches,
    stamped_header,
    stored_prefix,
    validate_batch,
    write_offset,
)

CODECS = {"none": 0, "gzip": 1, "snappy": 2, "lz4": 3, "zstd": 4}
MAX = 1 << 20


def make(
    count: int = 5,
    *,
    codec: int = 0,
    producer_id: int = -1,
    sequence: int = -1,
    timestamp: int = 1_700_000_000_000,
) -> bytes:
    builder = DefaultRecordBatchBuilder(
        magic=2, compression_type=codec, is_transactional=False, producer_id=producer_id,
        producer_epoch=0 if producer_id >= 0 else -1, base_sequence=sequence,
        batch_size=1 << 30,
    )  # fmt: skip
    for i in range(count):
        # Padding makes every codec worth it: the encoder stores tiny batches uncompressed.
        builder.append(i, timestamp=timestamp + 10 * i, key=b"k%d" % i, value=value(i),
                       headers=[])  # fmt: skip
    return bytes(builder.build())


def value(i: int) -> bytes:
    return b"value-%d-" % i + b"x" * 200


def patched(batch: bytes, at: int, fmt: str, value: int, *, fix_crc: bool = True) -> bytes:
    """``batch`` with one field overwritten and (optionally) a correct CRC again."""
    buf = bytearray(batch)
    struct.pack_into(fmt, buf, at, value)
    if fix_crc:
        struct.pack_into(">I", buf, 17, crc32c.crc32c(bytes(buf[21:])))
    return bytes(buf)


def code_of(batch: bytes, max_bytes: int = MAX) -> ErrorCode:
    with pytest.raises(BrokerError) as caught:
        validate_batch(memoryview(batch), max_bytes)
    return caught.value.code


@pytest.mark.parametrize("codec", CODECS.values(), ids=list(CODECS))
def test_valid_batches_of_every_codec_pass_and_parse(codec: int) -> None:
    batch = make(7, codec=codec, producer_id=42, sequence=9)
    header = validate_batch(memoryview(batch), MAX)
    assert header.size == len(batch)
    assert header.codec == codec
    assert header.records_count == 7
    assert header.last_offset_delta == 6
    assert header.producer_id == 42
    assert (header.base_sequence, header.last_sequence) == (9, 15)
    assert header.base_timestamp == 1_700_000_000_000
    assert header.max_timestamp == 1_700_000_000_060


def test_split_batches_gives_zero_copy_views_of_each_batch() -> None:
    parts = [make(1), make(3, codec=1), make(2)]
    blob = b"".join(parts)
    views = split_batches(blob)
    assert [bytes(v) for v in views] == parts
    assert all(v.obj is blob for v in views)
    assert split_batches(b"") == []


@pytest.mark.parametrize(
    "blob",
    [
        make(3)[:-1],  # cut inside the last batch
        make(3) + b"\x00" * 5,  # a tail too short for a header
        make(3) + struct.pack(">qi", 0, 2),  # a length too small to reach the magic byte
        make(3) + struct.pack(">qi", 0, 1 << 30) + b"\x00" * 60,  # claims far more than sent
    ],
    ids=["truncated", "short-tail", "tiny-length", "huge-length"],
)
def test_split_batches_refuses_truncated_or_garbage_framing(blob: bytes) -> None:
    with pytest.raises(BrokerError) as caught:
        split_batches(blob)
    assert caught.value.code is ErrorCode.corrupt_message


def test_any_flipped_byte_under_the_crc_is_corrupt_message() -> None:
    batch = make(4, codec=1)
    for at in (21, 30, 60, len(batch) // 2, len(batch) - 1):
        broken = bytearray(batch)
        broken[at] ^= 0x01
        assert code_of(bytes(broken)) is ErrorCode.corrupt_message, at


def test_base_offset_and_leader_epoch_are_outside_the_crc() -> None:
    batch = bytearray(make(3))
    write_offset(batch, 123_456, leader_epoch=7)
    assert parse_header(batch).base_offset == 123_456
    assert parse_header(batch).partition_leader_epoch == 7
    assert DefaultRecordBatch(bytes(batch)).validate_crc()


def test_produce_rules_map_to_kafka_error_codes() -> None:
    batch = make(3)
    assert code_of(patched(batch, 16, ">b", 1, fix_crc=False)) is ErrorCode.invalid_record
    assert code_of(batch[:40]) is ErrorCode.corrupt_message
    assert code_of(patched(batch, 0, ">q", 5, fix_crc=False)) is ErrorCode.invalid_record
    assert code_of(batch, max_bytes=len(batch) - 1) is ErrorCode.message_too_large
    assert validate_batch(memoryview(batch), len(batch)).records_count == 3
    assert code_of(patched(batch, 17, ">I", 0, fix_crc=False)) is ErrorCode.corrupt_message
    assert code_of(patched(batch, 21, ">h", 0x20)) is ErrorCode.invalid_record  # control
    assert code_of(patched(batch, 21, ">h", 5)) is ErrorCode.unsupported_compression_type
    assert code_of(patched(batch, 57, ">i", 4)) is ErrorCode.invalid_record  # count != delta+1
    assert code_of(patched(batch, 57, ">i", 0)) is ErrorCode.invalid_record
    idempotent = make(2, producer_id=3, sequence=0)
    assert code_of(patched(idempotent, 53, ">i", -1)) is ErrorCode.invalid_record


def test_uncompressed_batch_claiming_more_records_than_bytes_is_corrupt() -> None:
    batch = patched(make(3), 23, ">i", 999)
    batch = patched(batch, 57, ">i", 1000)
    assert code_of(batch) is ErrorCode.corrupt_message


def test_stored_prefix_plus_rest_is_the_batch_with_its_offset() -> None:
    batch = make(4)
    header = validate_batch(memoryview(batch), MAX)
    stored = stored_prefix(500, header) + batch[17:]
    decoded = DefaultRecordBatch(stored)
    assert decoded.validate_crc()
    assert [(r.offset, r.value) for r in decoded] == [(500 + i, value(i)) for i in range(4)]


@pytest.mark.parametrize("codec", CODECS.values(), ids=list(CODECS))
def test_stamped_header_sets_log_append_time_with_a_valid_crc(codec: int) -> None:
    batch = make(3, codec=codec)
    header = stamped_header(memoryview(batch), base_offset=77, log_append_time_ms=1_234_567)
    assert len(header) == HEADER_SIZE
    decoded = DefaultRecordBatch(bytes(header) + batch[HEADER_SIZE:])
    assert decoded.validate_crc()
    assert decoded.timestamp_type == 1
    assert decoded.max_timestamp == 1_234_567
    assert [(r.offset, r.timestamp) for r in decoded] == [(77 + i, 1_234_567) for i in range(3)]


def test_set_log_append_time_in_place() -> None:
    buf = bytearray(b"xx" + make(2, codec=3))
    set_log_append_time(buf, 99, pos=2)
    decoded = DefaultRecordBatch(bytes(buf[2:]))
    assert decoded.validate_crc()
    assert decoded.timestamp_type == 1
    assert [r.timestamp for r in decoded] == [99, 99]


def test_record_times_reads_each_record_of_an_uncompressed_batch() -> None:
    batch = bytearray(make(4, timestamp=5_000))
    write_offset(batch, 10)
    assert list(record_times(batch)) == [(10, 5_000), (11, 5_010), (12, 5_020), (13, 5_030)]
    with pytest.raises(BrokerError):
        list(record_times(make(2, codec=1)))


def test_broker_error_carries_code_message_and_retriability() -> None:
    error = BrokerError(ErrorCode.corrupt_message, "batch CRC mismatch")
    assert (error.code, error.message, str(error)) == (
        ErrorCode.corrupt_message,
        "batch CRC mismatch",
        "batch CRC mismatch",
    )
    assert error.retriable
    assert BrokerError(ErrorCode.offset_out_of_range).message == "offset_out_of_range"
    assert ErrorCode.not_leader_or_follower in RETRIABLE
    assert ErrorCode.invalid_record not in RETRIABLE
