"""Idempotent producers: duplicates, sequence and epoch checks, and state across restarts."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from stored_batches import Logs, build_batch, read_everything

from airstream.broker.errors import BrokerError, ErrorCode
from airstream.broker.log import PartitionLog
from airstream.broker.log.producer_state import ProducerStateManager
from airstream.broker.records import parse_header

PID = 4242


@pytest.fixture
def logs(tmp_path: Path) -> Iterator[Logs]:
    opened = Logs(tmp_path)
    yield opened
    opened.close_all()


def send(
    log: PartitionLog,
    sequence: int,
    *,
    count: int = 3,
    epoch: int = 0,
    pid: int = PID,
    now_ms: int = 1,
) -> tuple[int, int, bool]:
    batch = build_batch(count, producer_id=pid, epoch=epoch, sequence=sequence)
    info = log.append(batch, now_ms=now_ms)
    return info.base_offset, info.last_offset, info.duplicate


def refused(log: PartitionLog, sequence: int, **kwargs: int) -> ErrorCode:
    size = log.size_bytes
    with pytest.raises(BrokerError) as caught:
        send(log, sequence, **kwargs)
    assert log.size_bytes == size
    return caught.value.code


def test_a_retried_batch_gets_its_original_offsets_and_is_not_written(logs: Logs) -> None:
    log = logs.open()
    assert send(log, 0) == (0, 2, False)
    assert send(log, 3) == (3, 5, False)
    size = log.size_bytes
    assert send(log, 0) == (0, 2, True)
    assert send(log, 3) == (3, 5, True)
    assert (log.log_end_offset, log.size_bytes) == (6, size)
    assert len(read_everything(log)) == 6


def test_gaps_and_stale_retries_are_out_of_order(logs: Logs) -> None:
    log = logs.open()
    send(log, 0)
    assert refused(log, 5) is ErrorCode.out_of_order_sequence_number
    assert refused(log, 1) is ErrorCode.out_of_order_sequence_number  # overlaps, not a retry
    for sequence in range(3, 18, 3):
        send(log, sequence)
    assert send(log, 6)[2]  # still among the last five batches
    assert refused(log, 0) is ErrorCode.out_of_order_sequence_number  # forgotten by now


def test_epochs_fence_old_producers_and_restart_sequences(logs: Logs) -> None:
    log = logs.open()
    send(log, 0, epoch=3)
    assert refused(log, 3, epoch=2) is ErrorCode.invalid_producer_epoch
    assert refused(log, 3, epoch=4) is ErrorCode.out_of_order_sequence_number
    assert send(log, 0, epoch=4) == (3, 5, False)
    assert refused(log, 3, epoch=3) is ErrorCode.invalid_producer_epoch
    assert send(log, 0, epoch=3 + 1) == (3, 5, True)


def test_an_unknown_producer_may_start_at_any_sequence(logs: Logs) -> None:
    log = logs.open()
    assert send(log, 77) == (0, 2, False)
    assert send(log, 80) == (3, 5, False)
    assert refused(log, 90) is ErrorCode.out_of_order_sequence_number


def test_sequences_wrap_after_the_largest_int32(logs: Logs) -> None:
    log = logs.open()
    send(log, 2**31 - 2, count=2)
    entry = log.producers.get(PID)
    assert entry is not None
    assert entry.last_seq == 2**31 - 1
    assert send(log, 0, count=2) == (2, 3, False)


def test_batches_of_one_request_are_checked_in_order(logs: Logs) -> None:
    log = logs.open()
    first = build_batch(2, producer_id=PID, epoch=0, sequence=0)
    second = build_batch(2, producer_id=PID, epoch=0, sequence=2)
    info = log.append(first + second, now_ms=1)
    assert (info.base_offset, info.last_offset) == (0, 3)
    with pytest.raises(BrokerError) as caught:
        log.append(build_batch(2, producer_id=PID, epoch=0, sequence=4)
                   + build_batch(2, producer_id=PID, epoch=0, sequence=9), now_ms=1)  # fmt: skip
    assert caught.value.code is ErrorCode.out_of_order_sequence_number
    assert log.log_end_offset == 4
    assert send(log, 4, count=2) == (4, 5, False)  # the refused request changed nothing


def test_non_idempotent_batches_are_not_tracked(logs: Logs) -> None:
    log = logs.open()
    log.append(build_batch(2), now_ms=1)
    log.append(build_batch(2), now_ms=1)
    assert log.log_end_offset == 4
    assert len(log.producers) == 0


def test_producers_below_the_log_start_are_forgotten(logs: Logs) -> None:
    log = logs.open()
    send(log, 0, pid=1)
    send(log, 0, pid=2)
    log.delete_records_before(3)
    assert log.producers.get(1) is None
    assert log.producers.get(2) is not None
    assert send(log, 500, pid=1) == (6, 8, False)


def test_producer_state_survives_a_clean_restart(logs: Logs) -> None:
    log = logs.open(segment_bytes="1000")
    for sequence in range(0, 60, 3):
        send(log, sequence)
    log.close()
    reopened = logs.open(segment_bytes="1000")
    assert send(reopened, 57) == (57, 59, True)
    assert refused(reopened, 0, epoch=0) is ErrorCode.out_of_order_sequence_number
    assert send(reopened, 60) == (60, 62, False)


def test_producer_state_is_rebuilt_from_headers_after_a_crash(logs: Logs) -> None:
    log = logs.open(segment_bytes="1000")
    for sequence in range(0, 30, 3):
        send(log, sequence, pid=7)
    log.close()
    log = logs.open(segment_bytes="1000")  # now a snapshot covers pid 7
    for sequence in range(0, 60, 3):
        send(log, sequence, pid=8)
    shutil.copytree(log.directory, log.directory.parent / "crashed-0")
    recovered = logs.open("crashed-0", segment_bytes="1000")
    assert send(recovered, 27, pid=7) == (27, 29, True)
    assert send(recovered, 57, pid=8) == (87, 89, True)
    assert refused(recovered, 3, pid=8) is ErrorCode.out_of_order_sequence_number


def test_an_unreadable_snapshot_falls_back_to_an_older_one_or_a_scan(logs: Logs) -> None:
    log = logs.open()
    send(log, 0)
    log.close()
    snapshot = log.directory / "00000000000000000003.snapshot"
    assert snapshot.exists()
    snapshot.write_bytes(b'{"version": 1, "offs')
    reopened = logs.open()
    assert send(reopened, 0) == (0, 2, True)


def test_snapshot_round_trip() -> None:
    state = ProducerStateManager()
    pending = state.begin()
    header = parse_header(build_batch(4, producer_id=9, epoch=2, sequence=10))
    pending.add(header, 100, 5_000)
    pending.commit()
    offset, loaded = ProducerStateManager.from_json(state.to_json(104))
    assert offset == 104
    entry = loaded.get(9)
    assert entry is not None
    assert (entry.epoch, entry.last_seq, entry.last_offset, entry.last_timestamp) == (
        2, 13, 103, 5_000,
    )  # fmt: skip
    with pytest.raises(ValueError):
        ProducerStateManager.from_json(b'{"version": 99, "offset": 1, "producers": []}')


def test_idle_producers_expire(logs: Logs) -> None:
    log = logs.open()
    send(log, 0, pid=1)
    build = build_batch(1, producer_id=2, epoch=0, sequence=0, timestamp=90_000_000)
    log.append(build, now_ms=90_000_000)
    log.enforce_retention(now_ms=100_000_000)  # pid 1 idle for over a day, pid 2 not
    assert log.producers.get(1) is None
    assert log.producers.get(2) is not None
