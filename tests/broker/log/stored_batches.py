"""Test helpers: batches built by a real client encoder (kafka-python), readers for stored ones.

Not a conftest.py on purpose: a second ``conftest`` module would shadow ``tests/conftest.py``
for the suite's ``from conftest import ...`` lines.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from kafka.record.default_records import DefaultRecordBatch, DefaultRecordBatchBuilder

from airstream.broker.log import LogConfig, PartitionLog


def build_batch(
    count: int = 3,
    *,
    timestamp: int = 1_000,
    codec: int = 0,
    producer_id: int = -1,
    epoch: int = -1,
    sequence: int = -1,
    value_size: int = 10,
    tag: str = "v",
) -> bytes:
    """One v2 batch of ``count`` records ``<tag>-<i>`` padded to ``value_size`` bytes."""
    builder = DefaultRecordBatchBuilder(
        magic=2,
        compression_type=codec,
        is_transactional=False,
        producer_id=producer_id,
        producer_epoch=epoch,
        base_sequence=sequence,
        batch_size=1 << 30,
    )
    for i in range(count):
        value = f"{tag}-{i}".encode().ljust(value_size, b".")
        builder.append(i, timestamp=timestamp + i, key=None, value=value, headers=[])
    return bytes(builder.build())


@dataclass(frozen=True)
class StoredRecord:
    offset: int
    timestamp: int
    value: bytes
    timestamp_type: int


def decode(records: bytes) -> Iterator[tuple[DefaultRecordBatch, list[StoredRecord]]]:
    """Decode stored batches with kafka-python, checking each CRC on the way."""
    view = memoryview(records)
    pos = 0
    while pos < len(view):
        size = int.from_bytes(view[pos + 8 : pos + 12], "big") + 12
        stored = DefaultRecordBatch(bytes(view[pos : pos + size]))
        assert stored.validate_crc(), f"bad CRC in stored batch at byte {pos}"
        found = [StoredRecord(r.offset, r.timestamp, r.value, r.timestamp_type) for r in stored]
        yield stored, found
        pos += size


def values(records: bytes) -> list[tuple[int, bytes]]:
    """(offset, value) of every stored record."""
    return [(r.offset, r.value) for _, found in decode(records) for r in found]


def read_everything(log: PartitionLog, start: int | None = None) -> list[tuple[int, bytes]]:
    """Fetch like a consumer from ``start`` (default the log start) to the log end."""
    offset = log.log_start_offset if start is None else start
    out: list[tuple[int, bytes]] = []
    while offset < log.log_end_offset:
        read = log.read(offset, 64 * 1024, min_one_batch=True)
        assert read.records, f"no data at {offset} below the log end {log.log_end_offset}"
        got = [(o, v) for o, v in values(read.records) if o >= offset]
        out += got
        offset = got[-1][0] + 1
    return out


class Logs:
    """Opens partition logs under one directory and closes them all at the end of a test."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.opened: list[PartitionLog] = []

    def open(self, name: str = "topic-0", *, now_ms: int = 0, **configs: str) -> PartitionLog:
        """Open ``root/name`` with topic configs given as ``segment_bytes="1000"``."""
        config = LogConfig.from_overrides({k.replace("_", "."): v for k, v in configs.items()})
        log = PartitionLog.open(self.root / name, config, now_ms=now_ms)
        self.opened.append(log)
        return log

    def close_all(self) -> None:
        for log in self.opened:
            log.close()
