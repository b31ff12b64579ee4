"""The ``airstream`` command: one sub-command group per module, each with ``--help``.

Each command module exposes ``register(subparsers)``, which adds its parser and sets
``func`` (called with the parsed namespace, returning the exit code). Modules are imported
only when the CLI runs, so importing ``airstream`` stays free of side effects.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from airstream import __version__

#: Command modules under ``airstream.cli``, in the order ``--help`` lists them.
COMMAND_MODULES: tuple[str, ...] = (
    "broker",
    "topics",
    "produce",
    "consume",
    "groups",
    "dags",
    "backfill",
    "dag_processor",
    "tasks",
    "variables",
    "connections",
    "db",
    "scheduler",
    "api_server",
    "standalone",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="airstream",
        description="Airflow-compatible workflows and a Kafka-compatible broker.",
    )
    parser.add_argument("--version", action="version", version=f"airstream {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"airstream.cli.{name}")
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help(sys.stderr)
        return 2
    return int(func(args) or 0)
