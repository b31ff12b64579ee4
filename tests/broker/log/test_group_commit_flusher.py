"""Group commit: concurrent durability waiters share fsync rounds."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from stored_batches import Logs, build_batch

from airstream.broker.errors import BrokerError, ErrorCode
from airstream.broker.log import GroupCommitFlusher, PartitionLog


@pytest.fixture
def logs(tmp_path: Path) -> Iterator[Logs]:
    opened = Logs(tmp_path)
    yield opened
    opened.close_all()


@pytest.fixture
def flushes(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """(log directory name, log end offset) of every completed PartitionLog.flush()."""
    done: list[tuple[str, int]] = []
    original = PartitionLog.flush

    def recording_flush(self: PartitionLog) -> None:
        end = self.log_end_offset
        original(self)
        done.append((self.directory.name, end))

    monkeypatch.setattr(PartitionLog, "flush", recording_flush)
    return done


def test_many_concurrent_waiters_share_few_fsync_rounds(
    logs: Logs, flushes: list[tuple[str, int]]
) -> None:
    partitions = [logs.open(f"t-{n}") for n in range(3)]

    async def scenario() -> int:
        flusher = GroupCommitFlusher()
        flusher.start()

        async def produce(n: int) -> None:
            log = partitions[n % 3]
            log.append(build_batch(2), now_ms=n)
            await flusher.wait_durable(log)

        await asyncio.gather(*(produce(n) for n in range(300)))
        rounds = flusher.rounds
        await flusher.stop()
        return rounds

    rounds = asyncio.run(scenario())
    assert 1 <= rounds <= 3
    assert len(flushes) <= 3 * (rounds + 1)  # the +1: stop() flushes every log once more
    for log in partitions:
        assert log.log_end_offset == 200
        assert max(end for name, end in flushes if name == log.directory.name) == 200


def test_a_waiter_arriving_during_a_round_waits_for_the_next_one(
    logs: Logs, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = logs.open()
    release = threading.Event()
    started = threading.Event()
    flushed_ends: list[int] = []
    real_flush = log.flush

    def slow_flush() -> None:
        flushed_ends.append(log.log_end_offset)
        started.set()
        release.wait(10)
        real_flush()

    monkeypatch.setattr(log, "flush", slow_flush)

    async def scenario() -> None:
        flusher = GroupCommitFlusher()
        flusher.start()
        log.append(build_batch(1), now_ms=1)
        first = asyncio.create_task(flusher.wait_durable(log))
        await asyncio.to_thread(started.wait, 10)
        log.append(build_batch(1), now_ms=2)
        second = asyncio.create_task(flusher.wait_durable(log))
        await asyncio.sleep(0)
        assert not first.done() and not second.done()
        release.set()
        await asyncio.gather(first, second)
        assert flusher.rounds == 2
        await flusher.stop()

    asyncio.run(scenario())
    # The second waiter's fsync round started after its append, not during the first round.
    assert flushed_ends[:2] == [1, 2]


def test_a_failed_fsync_reaches_only_that_logs_waiters(
    logs: Logs, flushes: list[tuple[str, int]]
) -> None:
    healthy, broken = logs.open("ok-0"), logs.open("bad-0")

    def failing_flush() -> None:
        raise BrokerError(ErrorCode.kafka_storage_error, "disk on fire")

    broken.flush = failing_flush  # type: ignore[method-assign]

    async def scenario() -> list[BaseException | None]:
        flusher = GroupCommitFlusher()
        flusher.start()
        healthy.append(build_batch(1), now_ms=1)
        broken.append(build_batch(1), now_ms=1)
        results = await asyncio.gather(
            flusher.wait_durable(healthy),
            flusher.wait_durable(broken),
            flusher.wait_durable(broken),
            return_exceptions=True,
        )
        del broken.flush  # healthy again, for stop() and the teardown close
        await flusher.stop()
        return list(results)

    ok, *failures = asyncio.run(scenario())
    assert ok is None
    assert len(failures) == 2
    for failure in failures:
        assert isinstance(failure, BrokerError)
        assert failure.code is ErrorCode.kafka_storage_error
    assert ("ok-0", 1) in flushes


def test_stop_flushes_everything_and_refuses_new_waiters(
    logs: Logs, flushes: list[tuple[str, int]]
) -> None:
    log = logs.open()

    async def scenario() -> None:
        flusher = GroupCommitFlusher()
        flusher.start()
        log.append(build_batch(3), now_ms=1)
        await flusher.wait_durable(log)
        log.append(build_batch(3), now_ms=2)
        await flusher.stop()
        with pytest.raises(RuntimeError):
            await flusher.wait_durable(log)

    asyncio.run(scenario())
    assert flushes == [("topic-0", 3), ("topic-0", 6)]
