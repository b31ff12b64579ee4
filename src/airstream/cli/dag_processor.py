"""``airstream dag-processor``: keep the metadata database in step with the DAG folder.

The scheduler parses the folder itself unless started with ``--no-dag-processor``; this
command is the standalone form (Airflow's ``airflow dag-processor``), for running parsing
as a process of its own.
"""

from __future__ import annotations

import argparse
import logging
import signal
import threading
from pathlib import Path
from typing import Any

log = logging.getLogger("airstream.dag_processor")


def dag_processor_command(args: argparse.Namespace) -> int:
    from airstream.config import load_settings
    from airstream.scheduler.heartbeat import Heartbeat, HeartbeatThread
    from airstream.scheduler.processor import DagProcessor, RefreshResult
    from airstream.store import open_store
    from airstream.store.records import JobType

    logging.basicConfig(
        level=logging.INFO, format="[%(asctime)s] {%(name)s} %(levelname)s - %(message)s"
    )
    stop = threading.Event()

    def request_stop(signum: int, frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)

    def report(result: RefreshResult) -> None:
        log.info(
            "Parsed %d file(s): %d DAG(s) stored, %d import error(s), %d DAG(s) marked stale",
            len(result.parsed_files),
            len(result.stored_dag_ids),
            len(result.import_errors),
            len(result.stale_dag_ids),
        )

    settings = load_settings()
    with (
        open_store(settings.database_url, migrate_in_child=True) as store,
        DagProcessor(settings, store, dags_folder=args.dags_folder) as processor,
    ):
        # /api/v2/monitor/health reports the DAG processor by this heartbeat.
        beating = HeartbeatThread(Heartbeat(store, JobType.DAG_PROCESSOR), lambda: True).start()
        try:
            processor.watch(stop, args.interval, report, max_passes=args.num_runs)
        finally:
            beating.stop()
    return 0


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``dag-processor`` to the ``airstream`` parser."""
    parser = subparsers.add_parser(
        "dag-processor", help="parse the DAG folder into the metadata database until stopped"
    )
    parser.add_argument(
        "--dags-folder",
        "-S",
        "--subdir",
        dest="dags_folder",
        type=Path,
        help="DAG folder (default: AIRSTREAM_DAGS_FOLDER or AIRSTREAM_HOME/dags)",
    )
    parser.add_argument(
        "-n",
        "--num-runs",
        type=int,
        default=None,
        help="stop after this many passes (default: run until SIGTERM or Ctrl-C)",
    )
    parser.add_argument(
        "--interval",
        type=float,
        default=1.0,
        metavar="SECONDS",
        help="how often to look for changed files (default: 1)",
    )
    parser.set_defaults(func=dag_processor_command)
