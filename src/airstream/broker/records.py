"""Kafka record batches (magic v2), handled per batch and never per record on hot paths.

Layout of the 61-byte batch header (big-endian), followed by the records::

    offset  size  field                 notes
         0     8  baseOffset            assigned by the broker; not covered by the CRC
         8     4  batchLength           bytes after this field (so a batch is 12 + batchLength)
        12     4  partitionLeaderEpoch  set by the broker; not covered by the CRC
        16     1  magic                 2
        17     4  crc                   CRC-32C (Castagnoli) of bytes 21..end
        21     2  attributes            bits 0-2 codec, 3 LogAppendTime, 4 transactional, 5 control
        23     4  lastOffsetDelta       records - 1
        27     8  baseTimestamp
        35     8  maxTimestamp
        43     8  producerId            -1 when the producer is not idempotent
        51     2  producerEpoch
        53     4  baseSequence
        57     4  recordsCount

Because baseOffset and partitionLeaderEpoch sit outside the CRC, assigning offsets on append
rewrites 16 bytes and recomputes nothing. Only ``message.timestamp.type=LogAppendTime`` changes
CRC-covered bytes (attributes, maxTimestamp); the CRC is then recomputed incrementally over the
new header tail and the untouched records, without copying them.

Everything here is pure: buffers in, values or buffers out, no I/O.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from typing import NamedTuple

import crc32c

from airstream.broker.errors import BrokerError, ErrorCode

__all__ = [
    "ATTR_CODEC_MASK",
    "ATTR_CONTROL",
    "ATTR_LOG_APPEND_TIME",
    "ATTR_TRANSACTIONAL",
    "HEADER_SIZE",
    "LOG_OVERHEAD",
    "BatchHeader",
    "Buffer",
    "parse_header",
    "record_times",
    "set_log_append_time",
    "split_batches",
    "stamped_header",
    "stored_prefix",
    "validate_batch",
    "write_offset",
]

Buffer = bytes | bytearray | memoryview
"""Anything exposing contiguous bytes that this module reads without copying."""

HEADER_SIZE = 61
LOG_OVERHEAD = 12
"""baseOffset + batchLength: the bytes of a batch that batchLength does not count."""
MIN_BATCH_LENGTH = HEADER_SIZE - LOG_OVERHEAD
MAGIC_OFFSET = 16
CRC_OFFSET = 17
ATTRIBUTES_OFFSET = 21
MAX_TIMESTAMP_OFFSET = 35

ATTR_CODEC_MASK = 0x07
ATTR_LOG_APPEND_TIME = 0x08
ATTR_TRANSACTIONAL = 0x10
ATTR_CONTROL = 0x20
MAX_CODEC = 4  # zstd; 5..7 are unassigned
NO_PRODUCER_ID = -1
MAX_SEQUENCE = 2**31 - 1

_HEADER = struct.Struct(">qiibIhiqqqhii")
_LENGTH = struct.Struct(">i")
_INT64 = struct.Struct(">q")
_INT32 = struct.Struct(">i")
_UINT32 = struct.Struct(">I")
_INT16 = struct.Struct(">h")
_PREFIX = struct.Struct(">qiib")  # baseOffset, batchLength, partitionLeaderEpoch, magic
MIN_RECORD_SIZE = 7  # 1-byte varints for length, timestamp/offset deltas, key, value, headers


class BatchHeader(NamedTuple):
    """The 61-byte v2 header as plain values (see the module docstring for the layout)."""

    base_offset: int
    batch_length: int
    partition_leader_epoch: int
    magic: int
    crc: int
    attributes: int
    last_offset_delta: int
    base_timestamp: int
    max_timestamp: int
    producer_id: int
    producer_epoch: int
    base_sequence: int
    records_count: int

    @property
    def size(self) -> int:
        """Bytes the whole batch occupies, header included."""
        return self.batch_length + LOG_OVERHEAD

    @property
    def last_offset(self) -> int:
        return self.base_offset + self.last_offset_delta

    @property
    def codec(self) -> int:
        """Compression codec id: 0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd."""
        return self.attributes & ATTR_CODEC_MASK

    @property
    def is_control(self) -> bool:
        return bool(self.attributes & ATTR_CONTROL)

    @property
    def is_transactional(self) -> bool:
        return bool(self.attributes & ATTR_TRANSACTIONAL)

    @property
    def has_log_append_time(self) -> bool:
        return bool(self.attributes & ATTR_LOG_APPEND_TIME)

    @property
    def last_sequence(self) -> int:
        """Sequence of the last record; sequences wrap from 2**31 - 1 to 0 like Kafka's."""
        if self.base_sequence < 0:
            return self.base_sequence
        return (self.base_sequence + self.last_offset_delta) % (MAX_SEQUENCE + 1)


def parse_header(buf: Buffer, pos: int = 0) -> BatchHeader:
    """Parse the header of the batch starting at ``buf[pos]`` (at least 61 bytes must follow)."""
    return BatchHeader._make(_HEADER.unpack_from(buf, pos))


def split_batches(buf: Buffer) -> list[memoryview]:
    """Cut a produce request's records blob into one zero-copy view per batch.

    Only the length framing is checked here (as Kafka's batch iterator does): a blob that ends
    inside a batch, or a batch whose length field is too small to reach its magic byte, raises
    ``CORRUPT_MESSAGE``. Everything else is :func:`validate_batch`'s job.
    """
    view = memoryview(buf)
    if view.format != "B" or view.ndim != 1:
        view = view.cast("B")
    total = len(view)
    batches: list[memoryview] = []
    pos = 0
    while pos < total:
        if total - pos < LOG_OVERHEAD:
            raise BrokerError(
                ErrorCode.corrupt_message,
                f"record set ends with {total - pos} bytes, too few for a batch header",
            )
        length = _LENGTH.unpack_from(view, pos + 8)[0]
        if length < MAGIC_OFFSET + 1 - LOG_OVERHEAD:
            raise BrokerError(
                ErrorCode.corrupt_message, f"record batch at byte {pos} has length {length}"
            )
        end = pos + LOG_OVERHEAD + length
        if end > total:
            raise BrokerError(
                ErrorCode.corrupt_message,
                f"record batch at byte {pos} claims {length} bytes, only {total - pos - 12} sent",
            )
        batches.append(view[pos:end])
        pos = end
    return batches


def validate_batch(batch: memoryview, max_message_bytes: int) -> BatchHeader:
    """Apply Kafka's produce-time checks to one client batch and return its header.

    Checks, in Kafka's order: magic 2 (``INVALID_RECORD``), header length (``CORRUPT_MESSAGE``),
    baseOffset 0 as every client writes it (``INVALID_RECORD``), size against
    ``max.message.bytes`` (``MESSAGE_TOO_LARGE``), CRC-32C (``CORRUPT_MESSAGE``), record count and
    offset range, control batches, idempotent batches without a sequence (``INVALID_RECORD``),
    codec (``UNSUPPORTED_COMPRESSION_TYPE``). Records are not decoded; for uncompressed batches
    the record count is checked against the byte count (each record takes at least 7 bytes).
    """
    size = len(batch)
    if size <= MAGIC_OFFSET:
        raise BrokerError(ErrorCode.corrupt_message, f"record batch of {size} bytes")
    magic = batch[MAGIC_OFFSET]
    if magic != 2:
        raise BrokerError(
            ErrorCode.invalid_record, f"record batch magic {magic}: only v2 batches are accepted"
        )
    if size < HEADER_SIZE:
        raise BrokerError(
            ErrorCode.corrupt_message, f"record batch of {size} bytes is shorter than its header"
        )
    header = parse_header(batch)
    if header.size != size:
        raise BrokerError(
            ErrorCode.corrupt_message,
            f"record batch length field says {header.size} bytes, batch has {size}",
        )
    if header.base_offset != 0:
        raise BrokerError(
            ErrorCode.invalid_record,
            f"the baseOffset of a produced record batch should be 0, not {header.base_offset}",
        )
    if size > max_message_bytes:
        raise BrokerError(
            ErrorCode.message_too_large,
            f"record batch of {size} bytes exceeds max.message.bytes={max_message_bytes}",
        )
    crc = crc32c.crc32c(batch[ATTRIBUTES_OFFSET:])
    if crc != header.crc:
        raise BrokerError(
            ErrorCode.corrupt_message,
            f"record batch CRC mismatch (stored {header.crc:#010x}, computed {crc:#010x})",
        )
    _check_body(header, size)
    return header


def _check_body(header: BatchHeader, size: int) -> None:
    count = header.records_count
    if count <= 0 or header.last_offset_delta < 0:
        raise BrokerError(ErrorCode.invalid_record, f"record batch with {count} records")
    if count != header.last_offset_delta + 1:
        raise BrokerError(
            ErrorCode.invalid_record,
            f"record batch counts {count} records but its offset delta spans "
            f"{header.last_offset_delta + 1}",
        )
    if header.is_control:
        raise BrokerError(ErrorCode.invalid_record, "clients may not write control batches")
    if header.producer_id >= 0 and header.base_sequence < 0:
        raise BrokerError(
            ErrorCode.invalid_record,
            f"idempotent batch of producer {header.producer_id} has sequence "
            f"{header.base_sequence}",
        )
    if header.codec > MAX_CODEC:
        raise BrokerError(
            ErrorCode.unsupported_compression_type, f"unknown compression codec {header.codec}"
        )
    if header.codec == 0 and count * MIN_RECORD_SIZE > size - HEADER_SIZE:
        raise BrokerError(
            ErrorCode.corrupt_message,
            f"uncompressed batch claims {count} records in {size - HEADER_SIZE} bytes",
        )


def write_offset(
    buf: bytearray | memoryview, base_offset: int, leader_epoch: int = 0, pos: int = 0
) -> None:
    """Write baseOffset and partitionLeaderEpoch of the batch at ``buf[pos]`` in place."""
    _INT64.pack_into(buf, pos, base_offset)
    _INT32.pack_into(buf, pos + 12, leader_epoch)


def stored_prefix(base_offset: int, header: BatchHeader, leader_epoch: int = 0) -> bytes:
    """The first 17 bytes of the batch as stored: ``prefix + batch[17:]`` is the stored batch.

    Writing that pair with ``writev`` assigns offsets without copying the records.
    """
    return _PREFIX.pack(base_offset, header.batch_length, leader_epoch, header.magic)


def stamped_header(
    batch: memoryview,
    *,
    base_offset: int,
    leader_epoch: int = 0,
    log_append_time_ms: int | None = None,
) -> bytearray:
    """A 61-byte copy of ``batch``'s header as the log stores it.

    Offsets and leader epoch are written; with ``log_append_time_ms`` the LogAppendTime
    attribute bit and maxTimestamp are set too and the CRC recomputed over the new header tail
    followed by the untouched ``batch[61:]``. ``header + batch[61:]`` is the stored batch.
    """
    header = bytearray(batch[:HEADER_SIZE])
    write_offset(header, base_offset, leader_epoch)
    if log_append_time_ms is not None:
        attributes = _INT16.unpack_from(header, ATTRIBUTES_OFFSET)[0]
        _INT16.pack_into(header, ATTRIBUTES_OFFSET, attributes | ATTR_LOG_APPEND_TIME)
        _INT64.pack_into(header, MAX_TIMESTAMP_OFFSET, log_append_time_ms)
        crc = crc32c.crc32c(batch[HEADER_SIZE:], crc32c.crc32c(header[ATTRIBUTES_OFFSET:]))
        _UINT32.pack_into(header, CRC_OFFSET, crc)
    return header


def set_log_append_time(buf: bytearray | memoryview, timestamp_ms: int, pos: int = 0) -> None:
    """Mark the whole batch at ``buf[pos]`` as LogAppendTime at ``timestamp_ms``, fixing its CRC."""
    view = memoryview(buf)
    size = _LENGTH.unpack_from(view, pos + 8)[0] + LOG_OVERHEAD
    attributes = _INT16.unpack_from(view, pos + ATTRIBUTES_OFFSET)[0]
    _INT16.pack_into(view, pos + ATTRIBUTES_OFFSET, attributes | ATTR_LOG_APPEND_TIME)
    _INT64.pack_into(view, pos + MAX_TIMESTAMP_OFFSET, timestamp_ms)
    crc = crc32c.crc32c(view[pos + ATTRIBUTES_OFFSET : pos + size])
    _UINT32.pack_into(view, pos + CRC_OFFSET, crc)


def record_times(batch: Buffer) -> Iterator[tuple[int, int]]:
    """Yield ``(offset, timestamp)`` of each record of an *uncompressed* stored batch.

    This decodes records one by one, so it is for ListOffsets-by-timestamp only, never for
    produce or fetch. Raises ``CORRUPT_MESSAGE`` on a compressed batch or malformed records.
    """
    view = memoryview(batch)
    header = parse_header(view)
    if header.codec != 0:
        raise BrokerError(ErrorCode.corrupt_message, "record_times needs an uncompressed batch")
    end = min(header.size, len(view))
    pos = HEADER_SIZE
    for _ in range(header.records_count):
        length, pos = _varint(view, pos, end)
        record_end = pos + length
        pos += 1  # attributes
        timestamp_delta, pos = _varint(view, pos, end)
        offset_delta, _ = _varint(view, pos, end)
        yield header.base_offset + offset_delta, header.base_timestamp + timestamp_delta
        pos = record_end


def _varint(view: memoryview, pos: int, end: int) -> tuple[int, int]:
    """Decode one zig-zag varint (Kafka's record fields) at ``pos``; return (value, next pos)."""
    shift = 0
    raw = 0
    while True:
        if pos >= end or shift > 63:
            raise BrokerError(ErrorCode.corrupt_message, "malformed varint in record")
        byte = view[pos]
        pos += 1
        raw |= (byte & 0x7F) << shift
        if byte < 0x80:
            return (raw >> 1) ^ -(raw & 1), pos
        shift += 7
