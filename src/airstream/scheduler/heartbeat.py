"""Heartbeats of the scheduler and the DAG processor in the ``job`` table (for health checks).

A process makes one ``job`` row when it starts and moves its ``latest_heartbeat`` every
``interval`` seconds; ``MetadataStore.latest_heartbeats()`` is what a health endpoint reads.
The scheduler beats from its loop (a stuck loop stops beating); a DAG processor running as a
thread of the scheduler beats from a thread of its own while that thread is alive.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable

from airstream.store import MetadataStore
from airstream.store import records as rec

log = logging.getLogger(__name__)

#: Seconds between two heartbeats.
HEARTBEAT_INTERVAL = 5.0


class Heartbeat:
    """The heartbeat of one process (one ``job`` row)."""

    def __init__(
        self, store: MetadataStore, job_type: rec.JobType, interval: float = HEARTBEAT_INTERVAL
    ) -> None:
        self.store = store
        self.interval = interval
        self._job = rec.Job(job_type, socket.gethostname(), os.getpid())
        self._last = 0.0

    @property
    def job(self) -> rec.Job:
        """The ``job`` row as last written (``id`` set after the first beat)."""
        return self._job

    def beat(self) -> None:
        """Record a heartbeat now (a failure is logged: the next beat tries again)."""
        self._last = time.monotonic()
        try:
            self._job = self.store.record_heartbeat(self._job)
        except Exception as exc:
            log.warning("Heartbeat of the %s failed: %s", self._job.job_type.value, exc)

    def beat_if_due(self) -> None:
        if time.monotonic() - self._last >= self.interval:
            self.beat()


class HeartbeatThread:
    """Beats every ``interval`` while ``alive()`` says the watched component runs."""

    def __init__(self, heartbeat: Heartbeat, alive: Callable[[], bool]) -> None:
        self.heartbeat = heartbeat
        self._alive = alive
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="heartbeat", daemon=True)

    def start(self) -> HeartbeatThread:
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            if self._alive():
                self.heartbeat.beat()
            self._stop.wait(self.heartbeat.interval)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
