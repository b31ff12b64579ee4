"""A small pool of long-lived parsing workers, forked from a parent that imported airstream.

Forking skips the interpreter start and the airstream imports that a fresh process per file
would pay again and again (Airflow's 24.7 s for 500 files is mostly that). Each worker
parses one file at a time, so a file that hangs is attributed exactly: after the per-file
timeout (plus a grace period for the worker's own SIGALRM to fire) the worker is killed and
replaced, and the file is recorded as timed out. A worker that dies is replaced the same way.

Not thread-safe: one thread (the DAG processor's) drives a pool.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from pathlib import Path

from airstream.scheduler.processor.file_parsing import ParsedFile, ParseOptions, parse_dag_file
from airstream.workflows.dagbag import ImportErrorRecord
from airstream.workflows.execution_store import ExecutionStore

#: Seconds between a worker's checks that the process that forked it is still there.
PARENT_CHECK_INTERVAL = 0.5
#: Seconds a worker gets beyond the import timeout before it is killed from outside.
KILL_GRACE = 2.0
_STOP = None


def _worker_main(
    conn: Connection, options: ParseOptions, database_url: str | None, parent: int
) -> None:
    """Loop: receive a path, send back its :class:`ParsedFile`; ``None`` means stop."""
    from airstream.compat import install_for_dag_loading
    from airstream.workflows.execution_store import use_store

    _exit_with_parent(parent)
    install_for_dag_loading()
    if str(options.dags_folder) not in sys.path:
        # DAG files in sub-folders import helpers from the folder's root, as under Airflow.
        sys.path.append(str(options.dags_folder))
    settings = _settings_store(database_url)
    while True:
        try:
            path = conn.recv()
        except EOFError:
            return
        if path is _STOP:
            return
        with use_store(settings) if settings is not None else contextlib.nullcontext():
            result = parse_dag_file(Path(path), options)
        try:
            conn.send(result)
        except Exception as exc:  # an unpicklable value in what the DAG file defined
            message = f"cannot send the parsed DAGs back: {type(exc).__name__}: {exc}"
            conn.send(ParsedFile(path, error=ImportErrorRecord(path, None, message, message)))


def _exit_with_parent(parent: int) -> None:
    """Exit when ``parent`` (the process that forked us) is gone, e.g. killed with -9.

    EOF on the pipe is not enough: sibling workers forked later inherit the parent's end of
    this worker's pipe and keep it open, so a watchdog compares the parent pid instead. The
    pid is taken before the fork: the parent may already be gone when this runs.
    """

    def watch() -> None:
        # Signals stay with the main thread, where the import timeout (SIGALRM) is handled.
        signal.pthread_sigmask(signal.SIG_BLOCK, signal.valid_signals())
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_INTERVAL)
        os._exit(0)

    threading.Thread(target=watch, name="parent-watchdog", daemon=True).start()


def _settings_store(database_url: str | None) -> ExecutionStore | None:
    """Variables and connections for DAG files that read them at parse time.

    The engine connects on first use only, so files that never ask cost nothing.
    """
    if not database_url:
        return None
    from airstream.store.engine import create_store_engine
    from airstream.store.sql import SqlMetadataStore
    from airstream.workflows.metadata_execution_store import MetadataExecutionStore

    return MetadataExecutionStore(SqlMetadataStore(create_store_engine(database_url)))


@dataclass
class _Worker:
    process: BaseProcess
    conn: Connection
    path: str | None = None
    started: float = 0.0


class ParsingPool:
    """``size`` forked workers that parse DAG files; use :meth:`parse` for a batch."""

    def __init__(
        self, options: ParseOptions, size: int = 2, database_url: str | None = None
    ) -> None:
        self.options = options
        self.size = max(1, size)
        self.database_url = database_url
        self._context = multiprocessing.get_context("fork")
        self._workers: list[_Worker] = []

    def parse(self, paths: Iterable[str]) -> Iterator[ParsedFile]:
        """Parse every path; yields results as they arrive (not in order)."""
        pending = deque(paths)
        if not pending:
            return
        self._ensure_workers(min(self.size, len(pending)))
        for worker in self._workers:
            self._assign(worker, pending)
        while any(w.path is not None for w in self._workers):
            yield from self._collect(pending)

    def close(self) -> None:
        """Stop the workers (killing any that is busy)."""
        for worker in self._workers:
            if worker.path is None:
                with contextlib.suppress(OSError):
                    worker.conn.send(_STOP)
            else:
                worker.process.kill()
            worker.process.join(timeout=5)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()
            worker.conn.close()
        self._workers.clear()

    def __enter__(self) -> ParsingPool:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def worker_pids(self) -> list[int]:
        return [w.process.pid for w in self._workers if w.process.pid is not None]

    # -- internals ---------------------------------------------------------------------------

    def _ensure_workers(self, count: int) -> None:
        for worker in self._workers:
            if worker.path is not None:
                # Left busy by an abandoned pass: its answer would be read as the next one's.
                worker.process.kill()
                worker.process.join()
                worker.conn.close()
        self._workers = [w for w in self._workers if w.path is None and w.process.is_alive()]
        while len(self._workers) < count:
            self._workers.append(self._spawn())

    def _spawn(self) -> _Worker:
        parent, child = self._context.Pipe()
        process = self._context.Process(
            target=_worker_main,
            args=(child, self.options, self.database_url, os.getpid()),
            name="airstream-dag-parser",
            daemon=True,
        )
        process.start()
        child.close()
        return _Worker(process, parent)

    def _assign(self, worker: _Worker, pending: deque[str]) -> None:
        if not pending:
            return
        path = pending.popleft()
        worker.path, worker.started = path, time.monotonic()
        worker.conn.send(path)

    def _collect(self, pending: deque[str]) -> Iterator[ParsedFile]:
        busy = [i for i, w in enumerate(self._workers) if w.path is not None]
        deadline = min(self._workers[i].started for i in busy) + self._limit()
        timeout = None if deadline == float("inf") else max(0.0, deadline - time.monotonic())
        ready = wait([self._workers[i].conn for i in busy], timeout=timeout)
        for index in busy:
            worker = self._workers[index]
            if worker.conn in ready:
                yield self._receive(index)
            elif time.monotonic() - worker.started >= self._limit():
                yield self._replace(index, "timeout")
            else:
                continue
            self._assign(self._workers[index], pending)

    def _receive(self, index: int) -> ParsedFile:
        worker = self._workers[index]
        try:
            result: ParsedFile = worker.conn.recv()
        except (EOFError, OSError):
            return self._replace(index, "died")
        worker.path = None
        return result

    def _replace(self, index: int, why: str) -> ParsedFile:
        """Kill the worker (hung or dead), start a new one in its place; the file failed."""
        worker = self._workers[index]
        path = worker.path or ""
        worker.process.kill()
        worker.process.join()
        worker.conn.close()
        self._workers[index] = self._spawn()
        return ParsedFile(path, error=_lost_file_error(path, why, self.options.import_timeout))

    def _limit(self) -> float:
        timeout = self.options.import_timeout
        return timeout + KILL_GRACE if timeout > 0 else float("inf")


def _lost_file_error(path: str, why: str, timeout: float) -> ImportErrorRecord:
    if why == "timeout":
        message = f"AirflowTaskTimeout: DagBag import timeout for {path} after {timeout}s."
    else:
        message = f"the parsing process exited while importing {path}"
    return ImportErrorRecord(filename=path, lineno=None, message=message, stacktrace=message)


def default_pool_size() -> int:
    """One worker per CPU, at least one and at most four (parsing is short bursts)."""
    return max(1, min(4, os.cpu_count() or 1))
