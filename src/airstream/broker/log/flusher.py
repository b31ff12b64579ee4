"""Group commit: many acks=-1 produces share one fsync round.

:meth:`GroupCommitFlusher.wait_durable` registers a waiter for a partition log and returns once
a flush of that log that *started after the call* has completed. One background task runs
rounds: it takes every waiter registered so far, flushes all the logs they touched in one
worker thread, then wakes them. While a round runs, new waiters accumulate and make up the next
round, so under load each round serves everything that arrived during the previous one and the
number of fsyncs per second stays bounded by the disk, not by the request rate.

If a log's flush fails, its waiters get that exception (a ``BrokerError`` with
``KAFKA_STORAGE_ERROR``, which the produce handler answers); waiters of other logs are not
affected. All methods are called from the event loop; the fsyncs run in the flusher's own
single worker thread, so they never occupy the loop's default executor.
"""

from __future__ import annotations

import asyncio
import weakref
from concurrent.futures import ThreadPoolExecutor

from airstream.broker.log.partition_log import PartitionLog

__all__ = ["GroupCommitFlusher"]


class GroupCommitFlusher:
    """Batches fsync requests of many partition logs into rounds (see module docstring)."""

    def __init__(self) -> None:
        self._pending: dict[PartitionLog, list[asyncio.Future[None]]] = {}
        self._seen: weakref.WeakSet[PartitionLog] = weakref.WeakSet()
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._executor: ThreadPoolExecutor | None = None
        self._stopping = False
        self.rounds = 0
        """Flush rounds run so far (each fsyncs every log that had waiters)."""

    def start(self) -> None:
        """Start the background task on the running loop."""
        if self._task is not None:
            raise RuntimeError("GroupCommitFlusher already started")
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="log-flusher")
        self._task = asyncio.get_running_loop().create_task(self._run(), name="log-flusher")

    async def wait_durable(self, log: PartitionLog) -> None:
        """Return once everything appended to ``log`` before this call is on disk."""
        if self._task is None or self._stopping:
            raise RuntimeError("GroupCommitFlusher is not running")
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.setdefault(log, []).append(future)
        self._seen.add(log)
        self._wakeup.set()
        await future

    async def stop(self) -> None:
        """Serve the waiters still pending, flush every log seen, stop the task and thread."""
        if self._task is None:
            return
        self._stopping = True
        self._wakeup.set()
        try:
            await self._task
            failures = await self._flush_in_thread(list(self._seen))
        finally:
            assert self._executor is not None
            self._executor.shutdown(wait=True)
            self._task = None
        for failure in failures.values():
            raise failure

    async def _run(self) -> None:
        while True:
            if not self._pending:
                if self._stopping:
                    return
                self._wakeup.clear()
                await self._wakeup.wait()
                continue
            waiting, self._pending = self._pending, {}
            await self._round(waiting)

    async def _round(self, waiting: dict[PartitionLog, list[asyncio.Future[None]]]) -> None:
        self.rounds += 1
        failures = await self._flush_in_thread(list(waiting))
        for log, futures in waiting.items():
            failure = failures.get(log)
            for future in futures:
                if future.done():
                    continue  # the waiter was cancelled
                if failure is None:
                    future.set_result(None)
                else:
                    future.set_exception(failure)

    async def _flush_in_thread(self, logs: list[PartitionLog]) -> dict[PartitionLog, Exception]:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, _flush_all, logs)


def _flush_all(logs: list[PartitionLog]) -> dict[PartitionLog, Exception]:
    failures: dict[PartitionLog, Exception] = {}
    for log in logs:
        try:
            log.flush()
        except Exception as error:  # handed to that log's waiters, never lost
            failures[log] = error
    return failures
