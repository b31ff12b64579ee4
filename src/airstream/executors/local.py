"""The LocalExecutor: task attempts as forked children of a warm zygote process on this host.

The executor starts one zygote (:mod:`airstream.executors.zygote`) and talks to it through
its stdin and stdout. A thread reads the zygote's reports, so :meth:`LocalExecutor.wait`
returns the moment a task process exits: the scheduler needs no polling interval to learn
that a task ended. The zygote dies with this process (its stdin closes), killing the task
processes; the next scheduler recovers their task instances.
"""

from __future__ import annotations

import gc
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from airstream.executors.base import BaseExecutor, TaskEvent, TaskWorkload
from airstream.store.records import TaskInstanceKey


@dataclass(frozen=True)
class LocalExecutorConfig:
    """Settings of a LocalExecutor: where task processes write, and how many run at once."""

    database_url: str
    log_folder: Path
    parallelism: int = 32
    heartbeat_interval: float = 5.0
    #: Extra environment variables for the zygote (and so for every task process).
    env: dict[str, str] = field(default_factory=dict)
    #: Fork the zygote from this process instead of starting a fresh interpreter: the two
    #: then share the pages of everything imported so far (about 30 MB less in all). Only
    #: safe while this process runs no other thread, so only for a process that starts
    #: its executor first (``airstream scheduler``).
    fork: bool = False


class LocalExecutor(BaseExecutor):
    """Runs each attempt in its own process, forked from a warm zygote."""

    def __init__(self, config: LocalExecutorConfig) -> None:
        self.config = config
        self._zygote: subprocess.Popen[bytes] | ForkedZygote | None = None
        self._events: queue.Queue[TaskEvent | None] = queue.Queue()
        self._running: set[TaskInstanceKey] = set()
        self._lock = threading.Lock()

    def start(self) -> None:
        if self._zygote is not None:
            return  # started early (see LocalExecutorConfig.fork)
        if self.config.fork:
            self._zygote = ForkedZygote.start(self.config.env)
        else:
            self._zygote = subprocess.Popen(
                [sys.executable, "-m", "airstream.executors.zygote"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                env={**os.environ, **self.config.env},
                bufsize=0,
            )
        settings = {
            "database_url": self.config.database_url,
            "log_folder": str(self.config.log_folder),
            "heartbeat_interval": self.config.heartbeat_interval,
        }
        self._send(settings)
        threading.Thread(
            target=self._read_events, name="airstream-zygote-reader", daemon=True
        ).start()

    def _send(self, message: dict[str, object]) -> None:
        assert self._zygote is not None and self._zygote.stdin is not None, "executor not started"
        with self._lock:
            self._zygote.stdin.write((json.dumps(message) + "\n").encode())

    def _read_events(self) -> None:
        assert self._zygote is not None and self._zygote.stdout is not None
        for line in self._zygote.stdout:
            if line.strip():
                self._events.put(TaskEvent.from_json(line.decode()))
        self._events.put(None)  # the zygote is gone

    def queue(self, workload: TaskWorkload) -> None:
        self._running.add(workload.key)
        self._send({"op": "run", "workload": json.loads(workload.to_json())})

    def wait(self, timeout: float) -> list[TaskEvent]:
        try:
            first = self._events.get(timeout=max(0.0, timeout))
        except queue.Empty:
            return []
        found = [first]
        while True:
            try:
                found.append(self._events.get_nowait())
            except queue.Empty:
                break
        events = [e for e in found if e is not None]
        if None in found and not self.alive:
            raise RuntimeError("the LocalExecutor's zygote process died")
        for event in events:
            self._running.discard(event.key)
        return events

    @property
    def alive(self) -> bool:
        return self._zygote is not None and self._zygote.poll() is None

    def terminate(self, key: TaskInstanceKey) -> None:
        if key in self._running:
            self._send({"op": "terminate", "key": list(key)})

    @property
    def running(self) -> frozenset[TaskInstanceKey]:
        return frozenset(self._running)

    @property
    def open_slots(self) -> int:
        return max(0, self.config.parallelism - len(self._running))

    def end(self) -> None:
        zygote, self._zygote = self._zygote, None
        if zygote is None:
            return
        assert zygote.stdin is not None
        zygote.stdin.close()  # the zygote kills its children and exits
        try:
            zygote.wait(timeout=10)
        except subprocess.TimeoutExpired:
            zygote.kill()
            zygote.wait()
        if zygote.stdout is not None:
            zygote.stdout.close()
        self._running.clear()


class ForkedZygote:
    """A zygote forked from this process, with the part of ``subprocess.Popen``'s interface
    the executor uses (pipes on its stdin and stdout, poll, wait, kill)."""

    def __init__(self, pid: int, stdin: BinaryIO, stdout: BinaryIO) -> None:
        self.pid = pid
        self.stdin: BinaryIO | None = stdin
        self.stdout: BinaryIO | None = stdout
        self.returncode: int | None = None

    @classmethod
    def start(cls, env: dict[str, str]) -> ForkedZygote:
        from airstream.executors import zygote

        commands_r, commands_w = os.pipe()
        events_r, events_w = os.pipe()
        # Objects inherited by the child are never collected there: its collections then
        # leave their pages alone, and those pages stay shared with this process.
        gc.freeze()
        pid = os.fork()
        if pid == 0:
            os.close(commands_w)
            os.close(events_r)
            zygote.serve_forked(commands_r, events_w, env)  # never returns
        gc.unfreeze()
        os.close(commands_r)
        os.close(events_w)
        return cls(pid, os.fdopen(commands_w, "wb", buffering=0), os.fdopen(events_r, "rb"))

    def poll(self) -> int | None:
        if self.returncode is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() >= deadline:
                raise subprocess.TimeoutExpired("zygote", timeout or 0)
            time.sleep(0.01)
        assert self.returncode is not None
        return self.returncode

    def kill(self) -> None:
        if self.poll() is None:
            os.kill(self.pid, signal.SIGKILL)
