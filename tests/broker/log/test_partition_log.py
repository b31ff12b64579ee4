"""PartitionLog on real files: append, read, roll, timestamps, DeleteRecords, retention."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from stored_batches import Logs, build_batch, decode, read_everything, values

from airstream.broker.errors import BrokerError, ErrorCode
from airstream.broker.log import LogConfig, PartitionLog
from airstream.broker.log import batch_scanner as scanner_module
from airstream.broker.log import segment as segment_module


@pytest.fixture
def logs(tmp_path: Path) -> Iterator[Logs]:
    opened = Logs(tmp_path)
    yield opened
    opened.close_all()


def error_of(call: object, *args: object, **kwargs: object) -> ErrorCode:
    assert callable(call)
    with pytest.raises(BrokerError) as caught:
        call(*args, **kwargs)
    return caught.value.code


def fill(
    log: PartitionLog, batches: int, *, per_batch: int = 5, start_ts: int = 1_000, **options: int
) -> list[int]:
    """Append ``batches`` batches; returns their base offsets."""
    bases = []
    for n in range(batches):
        batch = build_batch(per_batch, timestamp=start_ts + 100 * n, tag=f"b{n}", **options)
        bases.append(log.append(batch, now_ms=start_ts + 100 * n).base_offset)
    return bases


def test_fresh_log_is_empty_and_named_like_kafka(logs: Logs) -> None:
    log = logs.open()
    assert (log.log_start_offset, log.log_end_offset, log.high_watermark, log.size_bytes) == (
        0, 0, 0, 0,
    )  # fmt: skip
    names = sorted(p.name for p in log.directory.iterdir())
    assert names == [
        "00000000000000000000.index",
        "00000000000000000000.log",
        "00000000000000000000.timeindex",
    ]
    assert log.read(0, 1000, min_one_batch=True).records == b""


def test_append_assigns_consecutive_offsets_and_reads_back_the_same_bytes(logs: Logs) -> None:
    log = logs.open()
    first = build_batch(3, tag="a")
    info = log.append(first, now_ms=5)
    assert (info.base_offset, info.last_offset, info.log_append_time_ms, info.duplicate) == (
        0, 2, -1, False,
    )  # fmt: skip
    second = build_batch(4, tag="b")
    info = log.append(memoryview(second), now_ms=6)
    assert (info.base_offset, info.last_offset, info.log_start_offset) == (3, 6, 0)
    assert log.log_end_offset == log.high_watermark == 7
    read = log.read(0, 1 << 20, min_one_batch=False)
    assert (read.high_watermark, read.log_start_offset) == (7, 0)
    # Stored exactly as sent except the base offset (outside the CRC).
    assert read.records == first + (3).to_bytes(8, "big") + second[8:]
    assert values(read.records) == [(0, b"a-0......."), (1, b"a-1......."), (2, b"a-2.......")] + [
        (3 + i, f"b-{i}".encode().ljust(10, b".")) for i in range(4)
    ]
    assert log.size_bytes == len(read.records) == os.path.getsize(log.directory / (
        "00000000000000000000.log"
    ))  # fmt: skip


def test_several_batches_in_one_append_are_written_together(logs: Logs) -> None:
    log = logs.open()
    info = log.append(build_batch(2) + build_batch(3, codec=1) + build_batch(1), now_ms=1)
    assert (info.base_offset, info.last_offset) == (0, 5)
    bases = [
        stored.base_offset for stored, _ in decode(log.read(0, 1 << 20, min_one_batch=True).records)
    ]
    assert bases == [0, 2, 5]


def test_an_invalid_batch_anywhere_means_nothing_is_written(logs: Logs) -> None:
    log = logs.open()
    log.append(build_batch(2), now_ms=1)
    broken = bytearray(build_batch(2))
    broken[-1] ^= 0xFF
    size = log.size_bytes
    assert error_of(log.append, build_batch(2) + bytes(broken), now_ms=2) is (
        ErrorCode.corrupt_message
    )
    assert (log.log_end_offset, log.size_bytes) == (2, size)
    assert error_of(log.append, b"", now_ms=2) is ErrorCode.invalid_record
    assert error_of(log.append, build_batch(2)[:-3], now_ms=2) is ErrorCode.corrupt_message
    assert os.path.getsize(log.directory / "00000000000000000000.log") == size


def test_size_limits(logs: Logs) -> None:
    log = logs.open(max_message_bytes="200", segment_bytes="1000")
    assert error_of(log.append, build_batch(20), now_ms=1) is ErrorCode.message_too_large
    small = build_batch(1)
    assert error_of(log.append, small * 14, now_ms=1) is ErrorCode.record_list_too_large
    assert log.log_end_offset == 0


def test_rolls_segments_and_reads_across_them(logs: Logs) -> None:
    log = logs.open(segment_bytes="1500", index_interval_bytes="200")
    bases = fill(log, 60)
    assert log.segment_count > 5
    segment_files = sorted(p.name for p in log.directory.glob("*.log"))
    assert segment_files[0] == "00000000000000000000.log"
    assert all(len(name) == len("00000000000000000000.log") for name in segment_files)
    assert int(segment_files[1][:20]) in bases
    everything = read_everything(log)
    assert [offset for offset, _ in everything] == list(range(300))
    assert everything[5 * 37 + 2] == (187, b"b37-2.....")
    # A segment never exceeds segment.bytes (each append fits in an empty segment).
    assert all(p.stat().st_size <= 1500 for p in log.directory.glob("*.log"))


def test_read_from_the_middle_of_a_batch_returns_that_batch(logs: Logs) -> None:
    log = logs.open(index_interval_bytes="0")
    fill(log, 10)
    read = log.read(23, 1 << 20, min_one_batch=True)
    batches = list(decode(read.records))
    assert batches[0][0].base_offset == 20
    assert [r.offset for r in batches[0][1]] == [20, 21, 22, 23, 24]
    assert batches[-1][0].base_offset == 45


def test_max_bytes_returns_whole_batches_and_min_one_batch(logs: Logs) -> None:
    log = logs.open(index_interval_bytes="100")
    fill(log, 20)
    one = len(build_batch(5, tag="b10"))
    read = log.read(0, 3 * one + one // 2, min_one_batch=False)
    assert len(read.records) == 3 * one
    assert [b.base_offset for b, _ in decode(read.records)] == [0, 5, 10]
    assert log.read(12, one - 1, min_one_batch=False).records == b""
    just_one = log.read(12, one - 1, min_one_batch=True).records
    assert [b.base_offset for b, _ in decode(just_one)] == [10]
    assert log.read(12, 0, min_one_batch=True).records == just_one


def test_offsets_outside_the_log_are_out_of_range(logs: Logs) -> None:
    log = logs.open()
    fill(log, 2)
    assert log.read(10, 100, min_one_batch=True).records == b""
    assert error_of(log.read, 11, 100, min_one_batch=True) is ErrorCode.offset_out_of_range
    log.delete_records_before(5)
    assert error_of(log.read, 4, 100, min_one_batch=True) is ErrorCode.offset_out_of_range
    assert error_of(log.read, -1, 100, min_one_batch=True) is ErrorCode.offset_out_of_range
    assert values(log.read(5, 1 << 20, min_one_batch=True).records)[0][0] == 5


def test_lookup_reads_only_near_the_wanted_offset(
    logs: Logs, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = logs.open(index_interval_bytes="4096")
    fill(log, 3000, per_batch=1)
    assert log.segment_count == 1
    assert log.size_bytes > 150_000
    real_pread = os.pread
    read_bytes: list[int] = []

    def counting_pread(fd: int, length: int, offset: int) -> bytes:
        read_bytes.append(length)
        return real_pread(fd, length, offset)

    monkeypatch.setattr(scanner_module.os, "pread", counting_pread)
    monkeypatch.setattr(segment_module.os, "pread", counting_pread)
    read = log.read(2_900, 300, min_one_batch=True)
    assert values(read.records)[0][0] == 2_900
    # An index lookup then a short forward scan: a few KiB, not the 150 KiB segment.
    assert sum(read_bytes) < 20_000
    assert len(read_bytes) <= 4


def test_offset_for_timestamp_finds_the_first_record_at_or_after(logs: Logs) -> None:
    log = logs.open(segment_bytes="2000", index_interval_bytes="100")
    fill(log, 40)  # batch n holds timestamps 1000 + 100n + 0..4 at offsets 5n..5n+4
    assert log.segment_count > 2
    assert log.offset_for_timestamp(0) == (0, 1_000)
    assert log.offset_for_timestamp(1_000 + 100 * 17 + 3) == (5 * 17 + 3, 2_703)
    assert log.offset_for_timestamp(1_000 + 100 * 17 + 50) == (5 * 18, 2_800)
    assert log.offset_for_timestamp(1_000 + 100 * 39 + 4) == (199, 4_904)
    assert log.offset_for_timestamp(1_000 + 100 * 39 + 5) is None
    assert log.offset_of_max_timestamp() == (199, 4_904)
    log.delete_records_before(52)
    assert log.offset_for_timestamp(0) == (52, 2_002)


def test_offset_for_timestamp_of_compressed_batches_is_per_batch(logs: Logs) -> None:
    log = logs.open()
    fill(log, 5, codec=1)
    assert log.offset_for_timestamp(1_203) == (10, 1_204)
    assert log.offset_for_timestamp(1_204) == (10, 1_204)
    assert log.offset_for_timestamp(1_205) == (15, 1_304)


def test_log_append_time_stamps_batches_with_the_broker_clock(logs: Logs) -> None:
    log = logs.open(message_timestamp_type="LogAppendTime")
    info = log.append(build_batch(3, codec=2, timestamp=5), now_ms=777_000)
    assert info.log_append_time_ms == 777_000
    log.append(build_batch(2, timestamp=5), now_ms=778_000)
    batches = list(decode(log.read(0, 1 << 20, min_one_batch=True).records))
    assert [stored.timestamp_type for stored, _ in batches] == [1, 1]
    assert [r.timestamp for _, found in batches for r in found] == [777_000] * 3 + [778_000] * 2
    assert log.offset_for_timestamp(777_500) == (3, 778_000)


def test_delete_records_moves_the_log_start_and_drops_whole_segments(logs: Logs) -> None:
    log = logs.open(segment_bytes="1000")
    fill(log, 30)
    before = log.segment_count
    first_bases = sorted(int(p.name[:20]) for p in log.directory.glob("*.log"))
    assert log.delete_records_before(first_bases[2] + 1) == first_bases[2] + 1
    assert log.log_start_offset == first_bases[2] + 1
    assert log.segment_count == before - 2
    assert read_everything(log)[0][0] == first_bases[2] + 1
    assert log.delete_records_before(3) == first_bases[2] + 1  # never moves backwards
    assert error_of(log.delete_records_before, 151) is ErrorCode.offset_out_of_range
    assert log.delete_records_before(-1) == 150 == log.log_start_offset
    assert log.read(150, 100, min_one_batch=True).records == b""
    assert log.append(build_batch(1), now_ms=1).base_offset == 150


def test_retention_by_time_deletes_old_segments_and_rolls_an_expired_active_one(
    logs: Logs,
) -> None:
    log = logs.open(segment_bytes="1000", retention_ms="10000")
    fill(log, 30)  # timestamps 1000 .. 3904
    segments = log.segment_count
    assert log.enforce_retention(now_ms=3_000) == 0
    deleted = log.enforce_retention(now_ms=1_000 + 100 * 14 + 10_001)
    assert 0 < deleted < segments
    assert log.segment_count == segments - deleted
    assert read_everything(log)[0][0] == log.log_start_offset > 0
    remaining = log.segment_count
    assert log.enforce_retention(now_ms=1_000_000) == remaining
    assert log.segment_count == 1
    assert log.log_start_offset == log.log_end_offset == 150
    assert log.size_bytes == 0
    assert log.append(build_batch(2), now_ms=1_000_001).base_offset == 150


def test_retention_by_size_keeps_the_newest_segments(logs: Logs) -> None:
    log = logs.open(segment_bytes="1000", retention_bytes="2500")
    fill(log, 30)
    deleted = log.enforce_retention(now_ms=5_000)
    assert deleted > 0
    assert log.size_bytes <= 2500 + 1000
    assert log.size_bytes == sum(p.stat().st_size for p in log.directory.glob("*.log"))
    assert read_everything(log)[-1][0] == 149


def test_segment_ms_rolls_by_the_first_append_time(logs: Logs) -> None:
    log = logs.open(segment_ms="1000")
    log.append(build_batch(1), now_ms=10_000)
    log.append(build_batch(1), now_ms=10_900)
    assert log.segment_count == 1
    log.append(build_batch(1), now_ms=11_001)
    assert log.segment_count == 2
    assert (log.directory / "00000000000000000002.log").exists()


def test_update_config_applies_to_later_appends(logs: Logs) -> None:
    log = logs.open()
    log.append(build_batch(1), now_ms=1)
    log.update_config(LogConfig.from_overrides({"message.timestamp.type": "LogAppendTime"}))
    assert log.append(build_batch(1), now_ms=42).log_append_time_ms == 42
    log.update_config(LogConfig.from_overrides({"max.message.bytes": "10"}))
    assert error_of(log.append, build_batch(1), now_ms=43) is ErrorCode.message_too_large


def test_delete_removes_the_directory(logs: Logs) -> None:
    log = logs.open()
    fill(log, 3)
    log.delete()
    assert not log.directory.exists()
    assert error_of(log.append, build_batch(1), now_ms=1) is ErrorCode.kafka_storage_error


def test_a_failed_fsync_takes_the_log_offline(logs: Logs, monkeypatch: pytest.MonkeyPatch) -> None:
    log = logs.open()
    fill(log, 2)

    def failing_sync(fd: int) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(segment_module.os, "fdatasync", failing_sync)
    assert error_of(log.flush) is ErrorCode.kafka_storage_error
    assert error_of(log.append, build_batch(1), now_ms=1) is ErrorCode.kafka_storage_error
    assert values(log.read(0, 1 << 20, min_one_batch=True).records)[-1][0] == 9
    assert log.enforce_retention(now_ms=10**12) == 0


def test_a_failed_write_is_undone_and_the_log_stays_usable(
    logs: Logs, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = logs.open()
    fill(log, 2)
    size = log.size_bytes
    real_writev = os.writev

    def disk_full(fd: int, buffers: list[bytes]) -> int:
        real_writev(fd, buffers[:1])  # part of the data reaches the file first
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(segment_module.os, "writev", disk_full)
    assert error_of(log.append, build_batch(3), now_ms=1) is ErrorCode.kafka_storage_error
    monkeypatch.undo()
    assert (log.log_end_offset, log.size_bytes) == (10, size)
    assert os.path.getsize(log.directory / "00000000000000000000.log") == size
    assert log.append(build_batch(3), now_ms=2).base_offset == 10
    assert [offset for offset, _ in read_everything(log)] == list(range(13))
