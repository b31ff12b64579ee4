"""``airstream backfill create``: Airflow 3's form of ``airstream dags backfill``."""

from __future__ import annotations

import argparse
import sys

from airstream.cli.dags_control import add_backfill_options, parse_date


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("backfill", help="Create backfills (runs over a date range)")
    commands = parser.add_subparsers(dest="backfill_command", metavar="COMMAND")
    parser.set_defaults(func=lambda args: _print_help(parser))
    p = commands.add_parser("create", help="Queue runs for every scheduled date in a range")
    p.add_argument("--dag-id", dest="dag_id", required=True)
    p.add_argument("--from-date", dest="start_date", required=True, type=parse_date)
    p.add_argument("--to-date", dest="end_date", required=True, type=parse_date)
    p.add_argument(
        "--max-active-runs",
        type=int,
        help="accepted for Airflow compatibility; the DAG's own max_active_runs applies",
    )
    add_backfill_options(p)


def _print_help(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2
