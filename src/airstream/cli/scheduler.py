"""``airstream scheduler``: parse the DAG folder, create and run DAG runs until stopped."""

from __future__ import annotations

import argparse
import logging
import signal
import threading
from pathlib import Path
from typing import Any

DESCRIPTION = """\
Run the scheduler: parse the DAG folder into the metadata database (changed files are picked
up without a restart), create DAG runs by schedule, and run ready tasks with the
LocalExecutor, each attempt in its own process. Stops on SIGTERM or Ctrl-C.
"""


def scheduler_command(args: argparse.Namespace) -> int:
    from airstream.config import load_settings
    from airstream.scheduler.loop import SchedulerConfig
    from airstream.scheduler.service import ServiceOptions, run_scheduler

    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="[%(asctime)s] {%(name)s} %(levelname)s - %(message)s",
    )
    stop = threading.Event()

    def request_stop(signum: int, frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    options = ServiceOptions(
        dags_folder=args.dags_folder,
        parse_dags=not args.no_dag_processor,
        scheduler=SchedulerConfig(heartbeat_timeout=args.heartbeat_timeout),
    )
    run_scheduler(load_settings(), stop, options)
    return 0


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``scheduler`` to the ``airstream`` parser."""
    parser = subparsers.add_parser(
        "scheduler",
        help="run the scheduler (DAG processor, runs, LocalExecutor)",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--dags-folder",
        "-S",
        type=Path,
        default=None,
        help="DAG folder (default: AIRSTREAM_DAGS_FOLDER or AIRSTREAM_HOME/dags)",
    )
    parser.add_argument(
        "--no-dag-processor",
        action="store_true",
        help="do not parse the DAG folder here (a separate DAG processor does)",
    )
    parser.add_argument(
        "--heartbeat-timeout",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="a running task without a heartbeat for this long is failed (default: 60)",
    )
    parser.add_argument("--verbose", "-v", action="store_true", help="debug logging")
    parser.set_defaults(func=scheduler_command)
