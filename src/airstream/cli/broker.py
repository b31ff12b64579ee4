"""``airstream broker``: run the Kafka-wire-compatible broker in the foreground."""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

from airstream.config import load_settings


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "broker",
        help="run the Kafka-compatible broker",
        description=(
            "Run the Kafka-wire-compatible broker. Prints its address once it accepts "
            "connections; SIGTERM or Ctrl-C stops it cleanly. Unset flags come from "
            "AIRSTREAM_BROKER_* environment variables, then airstream.toml [broker]."
        ),
    )
    parser.add_argument("--host", help="interface to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, help="TCP port (default 9092; 0 picks a free one)")
    parser.add_argument("--data-dir", type=Path, help="where topics and offsets are kept")
    parser.add_argument(
        "--durability",
        choices=("fsync", "page-cache"),
        help="answer acks=all after fsync (default) or after the write to the page cache",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from airstream.broker.server import run_broker

    settings = load_settings()
    overrides = {
        key: value
        for key, value in (
            ("host", args.host),
            ("port", args.port),
            ("data_dir", args.data_dir),
            ("durability", args.durability),
        )
        if value is not None
    }
    broker_settings = dataclasses.replace(settings.broker, **overrides)
    settings = dataclasses.replace(settings, broker=broker_settings)
    return run_broker(settings)
