"""Restart and crash recovery of a PartitionLog on real files.

A "crash" is simulated by copying the log directory while the log is still open: the copy holds
what the OS has (every write) but nothing a clean close adds (final index entries, producer
snapshot, recovery point). One test kills a real process with SIGKILL.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from stored_batches import Logs, build_batch, read_everything

from airstream.broker.log import LogConfig, PartitionLog
from airstream.broker.log.segment import Segment

HELPERS = Path(__file__).parent


@pytest.fixture
def logs(tmp_path: Path) -> Iterator[Logs]:
    opened = Logs(tmp_path)
    yield opened
    opened.close_all()


def fill(log: PartitionLog, first: int, last: int) -> None:
    for n in range(first, last):
        log.append(build_batch(5, timestamp=1_000 + 100 * n, tag=f"b{n}"), now_ms=n)


def expected(batches: int) -> list[tuple[int, bytes]]:
    return [(5 * n + i, f"b{n}-{i}".encode().ljust(10, b".")) for n in range(batches)
            for i in range(5)]  # fmt: skip


def crash_copy(log: PartitionLog, name: str) -> Path:
    target = log.directory.parent / name
    shutil.copytree(log.directory, target)
    return target


def segment_logs(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.log"))


@pytest.fixture
def recoveries(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Base offsets of the segments that recovery validated batch by batch."""
    seen: list[int] = []
    original = Segment.recover

    def spy(self: Segment, *, index_interval: int, max_index_bytes: int) -> int:
        seen.append(self.base_offset)
        return original(self, index_interval=index_interval, max_index_bytes=max_index_bytes)

    monkeypatch.setattr(Segment, "recover", spy)
    return seen


def test_clean_restart_keeps_everything_and_scans_nothing(
    logs: Logs, recoveries: list[int]
) -> None:
    log = logs.open(segment_bytes="1000", index_interval_bytes="100")
    fill(log, 0, 40)
    log.delete_records_before(33)
    segments, size = log.segment_count, log.size_bytes
    log.close()
    assert (log.directory / "recovery-point-offset").read_text() == "0\n200\n"
    assert (log.directory / "log-start-offset").read_text() == "0\n33\n"
    assert (log.directory / "00000000000000000200.snapshot").exists()

    reopened = logs.open(segment_bytes="1000", index_interval_bytes="100")
    assert recoveries == []
    assert (reopened.log_start_offset, reopened.log_end_offset) == (33, 200)
    assert (reopened.segment_count, reopened.size_bytes) == (segments, size)
    assert read_everything(reopened) == expected(40)[33:]
    assert reopened.offset_for_timestamp(1_000 + 100 * 39) == (195, 4_900)
    fill(reopened, 40, 41)
    assert reopened.log_end_offset == 205


def test_crash_without_flush_recovers_every_written_batch(
    logs: Logs, recoveries: list[int]
) -> None:
    log = logs.open(segment_bytes="1000")
    fill(log, 0, 30)
    copy = crash_copy(log, "crashed-0")
    recovered = logs.open("crashed-0", segment_bytes="1000")
    assert copy == recovered.directory
    assert len(recoveries) == recovered.segment_count  # no recovery point: all validated
    assert recovered.log_end_offset == 150
    assert read_everything(recovered) == expected(30)


def test_recovery_validates_only_segments_from_the_recovery_point(
    logs: Logs, recoveries: list[int]
) -> None:
    log = logs.open(segment_bytes="1000")
    fill(log, 0, 30)
    log.flush()
    fill(log, 30, 32)
    copy = crash_copy(log, "crashed-0")
    point = int((copy / "recovery-point-offset").read_text().split()[1])
    bases = [int(path.name[:20]) for path in segment_logs(copy)]
    assert 0 < point in bases  # the base of the segment that was active at the flush
    recovered = logs.open("crashed-0", segment_bytes="1000")
    assert recoveries == [base for base in bases if base >= point]
    assert read_everything(recovered) == expected(32)


def test_a_torn_last_batch_is_truncated_and_appends_continue(logs: Logs) -> None:
    log = logs.open()
    fill(log, 0, 10)
    copy = crash_copy(log, "crashed-0")
    active = segment_logs(copy)[-1]
    full = active.stat().st_size
    os.truncate(active, full - 7)
    recovered = logs.open("crashed-0")
    assert recovered.log_end_offset == 45
    assert active.stat().st_size == full - len(build_batch(5, tag="b9"))
    assert read_everything(recovered) == expected(9)
    assert recovered.append(build_batch(5, tag="b9"), now_ms=1).base_offset == 45
    assert read_everything(recovered) == expected(10)


@pytest.mark.parametrize(
    "tail",
    [
        os.urandom(1000),
        b"\x00" * 4096,
        # A plausible header (right offset, right length) over bytes whose CRC cannot match.
        (50).to_bytes(8, "big") + (100).to_bytes(4, "big") + b"\x00\x00\x00\x00\x02" + b"\x07" * 95,
    ],
    ids=["random", "zeros", "bad-crc"],
)
def test_garbage_after_the_last_batch_is_cut_off(logs: Logs, tail: bytes) -> None:
    log = logs.open()
    fill(log, 0, 10)
    copy = crash_copy(log, "crashed-0")
    active = segment_logs(copy)[-1]
    good = active.stat().st_size
    with active.open("ab") as file:
        file.write(tail)
    recovered = logs.open("crashed-0")
    assert recovered.log_end_offset == 50
    assert active.stat().st_size == good
    assert read_everything(recovered) == expected(10)


def test_a_corrupt_batch_truncates_the_log_there(logs: Logs) -> None:
    log = logs.open()
    fill(log, 0, 10)
    copy = crash_copy(log, "crashed-0")
    active = segment_logs(copy)[-1]
    size = len(build_batch(5, tag="b0"))
    with active.open("r+b") as file:
        file.seek(6 * size + 40)
        byte = file.read(1)
        file.seek(6 * size + 40)
        file.write(bytes([byte[0] ^ 0xFF]))
    recovered = logs.open("crashed-0")
    assert recovered.log_end_offset == 30
    assert read_everything(recovered) == expected(6)


def test_corruption_in_an_older_unflushed_segment_drops_what_follows(logs: Logs) -> None:
    log = logs.open(segment_bytes="1000")
    fill(log, 0, 40)
    copy = crash_copy(log, "crashed-0")
    second = segment_logs(copy)[1]
    base = int(second.name[:20])
    with second.open("r+b") as file:
        file.seek(2 * len(build_batch(5, tag="b0")) + 30)  # inside its third batch
        file.write(b"\xff" * 8)
    recovered = logs.open("crashed-0", segment_bytes="1000")
    assert recovered.segment_count == 2
    assert recovered.log_end_offset == base + 10
    assert read_everything(recovered) == expected(40)[: recovered.log_end_offset]
    assert len(segment_logs(copy)) == 2
    assert recovered.append(build_batch(5), now_ms=1).base_offset == base + 10


def test_missing_or_corrupt_indexes_of_sealed_segments_are_rebuilt(logs: Logs) -> None:
    log = logs.open(segment_bytes="3000", index_interval_bytes="100")
    fill(log, 0, 60)
    log.close()
    first, second = segment_logs(log.directory)[:2]
    index = first.with_suffix(".index")
    good_index = index.read_bytes()
    assert len(good_index) > 0
    index.unlink()
    second.with_suffix(".timeindex").write_bytes(b"\x01" * 30)
    second.with_suffix(".index").write_bytes(b"\x7f" * 16)

    reopened = logs.open(segment_bytes="3000", index_interval_bytes="100")
    assert index.read_bytes() == good_index
    assert len(second.with_suffix(".timeindex").read_bytes()) % 12 == 0
    assert read_everything(reopened) == expected(60)
    assert reopened.read(17, 100, min_one_batch=True).records[:8] == (15).to_bytes(8, "big")
    assert reopened.offset_for_timestamp(1_000 + 100 * 20 + 2) == (102, 3_002)


def test_log_start_offset_survives_a_crash(logs: Logs) -> None:
    log = logs.open()
    fill(log, 0, 10)
    log.delete_records_before(12)
    crash_copy(log, "crashed-0")
    recovered = logs.open("crashed-0")
    assert recovered.log_start_offset == 12
    assert read_everything(recovered)[0][0] == 12


CHILD = """
import sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[2])
from stored_batches import build_batch
from airstream.broker.log import LogConfig, PartitionLog

log = PartitionLog.open(Path(sys.argv[1]), LogConfig.from_overrides({"segment.bytes": "4000"}),
                        now_ms=0)
for n in range(200):
    info = log.append(build_batch(5, tag=f"b{n}"), now_ms=n)
    if n % 10 == 9:
        log.flush()
        print(info.last_offset, flush=True)
for n in range(200, 230):
    log.append(build_batch(5, tag=f"b{n}"), now_ms=n)
print("done", flush=True)
time.sleep(60)
"""


def test_kill_9_after_flush_keeps_every_flushed_record(tmp_path: Path) -> None:
    directory = tmp_path / "killed-0"
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(directory), str(HELPERS)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    flushed = -1
    for line in child.stdout:
        if line.strip() == "done":
            break
        flushed = int(line)
    child.kill()
    child.wait(10)
    child.stdout.close()
    assert flushed == 999

    log = PartitionLog.open(directory, LogConfig.from_overrides({"segment.bytes": "4000"}),
                            now_ms=0)  # fmt: skip
    try:
        assert log.log_end_offset >= flushed + 1
        assert read_everything(log) == expected(log.log_end_offset // 5)
    finally:
        log.close()
