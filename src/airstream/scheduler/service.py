"""``airstream scheduler`` as a process: the DAG processor, the loop and the LocalExecutor.

:func:`run_scheduler` wires them over one metadata store and serves until ``stop`` is set
(SIGTERM / SIGINT in the command). The DAG processor keeps DAG rows fresh in a thread; the
loop reads them. Task processes die with the scheduler (see :mod:`airstream.executors.local`)
and the next scheduler recovers their task instances.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from airstream.config import Settings
from airstream.executors.local import LocalExecutor, LocalExecutorConfig
from airstream.scheduler.loop import Scheduler, SchedulerConfig
from airstream.scheduler.state_events import EventPublisher, StateObserver
from airstream.store import MetadataStore, open_store

if TYPE_CHECKING:
    from airstream.scheduler.heartbeat import HeartbeatThread
    from airstream.scheduler.processor.dag_processor import DagProcessorThread

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ServiceOptions:
    """What the command line can change."""

    dags_folder: Path | None = None
    #: Parse the DAG folder in this process (off when a separate DAG processor runs).
    parse_dags: bool = True
    parse_interval: float = 1.0
    scheduler: SchedulerConfig = field(default_factory=SchedulerConfig)


def run_scheduler(settings: Settings, stop: threading.Event, options: ServiceOptions) -> None:
    """Serve until ``stop`` is set."""
    store = open_store(settings.database_url, migrate_in_child=True)
    executor = LocalExecutor(
        LocalExecutorConfig(
            database_url=settings.database_url,
            log_folder=settings.home / "logs",
            parallelism=settings.core.parallelism,
            fork=True,
        )
    )
    processor_thread = None
    processor_beat = None
    try:
        # The zygote is forked from this process: before any other thread starts.
        executor.start()
        if options.parse_dags:
            processor_thread = _start_processor(settings, store, options)
            processor_beat = _beat_for_processor(store, processor_thread)
        scheduler = Scheduler(
            store, executor, config=options.scheduler, observer=state_observer(settings)
        )
        scheduler.start()
        log.info("Scheduler started; DAGs from %s", options.dags_folder or settings.dags_folder)
        scheduler.serve(stop)
    finally:
        if processor_beat is not None:
            processor_beat.stop()
        if processor_thread is not None:
            processor_thread.stop()
        executor.end()
        store.close()


def state_observer(settings: Settings) -> StateObserver:
    """The publisher of state-change events if ``[events]`` is on (the default)."""
    if not settings.events.enabled:
        return StateObserver()
    from airstream.client.connection import default_bootstrap_servers

    servers = settings.events.bootstrap_servers or default_bootstrap_servers()
    log.info("Publishing state changes to %s on %s", settings.events.topic, servers)
    return EventPublisher(servers, settings.events.topic)


def _start_processor(
    settings: Settings, store: MetadataStore, options: ServiceOptions
) -> DagProcessorThread:
    from airstream.scheduler.processor.dag_processor import DagProcessor

    processor = DagProcessor(settings, store, dags_folder=options.dags_folder)
    processor.refresh()
    return processor.start_watching(interval=options.parse_interval)


def _beat_for_processor(store: MetadataStore, thread: DagProcessorThread) -> HeartbeatThread:
    """The DAG processor thread's heartbeat (``job_type="dag_processor"``) while it lives."""
    from airstream.scheduler.heartbeat import Heartbeat, HeartbeatThread
    from airstream.store.records import JobType

    return HeartbeatThread(Heartbeat(store, JobType.DAG_PROCESSOR), thread.is_alive).start()
