"""``airstream produce TOPIC``: one record per line of stdin, like kafka-console-producer."""

from __future__ import annotations

import argparse
import sys

from airstream.client.arguments import key_value, non_negative_int
from airstream.client.connection import add_connection_arguments, connection_from_args
from airstream.client.console_producer import ProduceOptions, produce_lines
from airstream.client.errors import ClientError, reports_errors

DESCRIPTION = """\
Read lines from stdin and send each one as a record to TOPIC. The command ends at end of
input, after every record is acknowledged; it exits non-zero if any record failed.

  seq 100 | airstream produce numbers
  printf 'user1:clicked\\nuser2:bought\\n' | airstream produce events --key-separator :
"""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``produce`` to the ``airstream`` parser."""
    parser = subparsers.add_parser(
        "produce",
        help="send lines from stdin to a topic",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("topic", metavar="TOPIC", help="topic to write to")
    parser.add_argument(
        "--key-separator",
        metavar="SEP",
        help="split each line at the first SEP into key and value (every line must have one)",
    )
    parser.add_argument(
        "--partition",
        type=non_negative_int,
        metavar="P",
        help="write every record to partition P (default: by key, or spread when no key)",
    )
    parser.add_argument(
        "--acks",
        choices=("all", "1", "0"),
        default="all",
        help="acknowledgement to wait for: all in-sync replicas, the leader, none (default: all)",
    )
    parser.add_argument(
        "--header",
        type=key_value,
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="header added to every record (repeatable)",
    )
    add_connection_arguments(parser)
    parser.set_defaults(func=_produce)


@reports_errors
def _produce(args: argparse.Namespace) -> int:
    if args.key_separator == "":
        raise ClientError("--key-separator must not be empty")
    options = ProduceOptions(
        topic=args.topic,
        key_separator=args.key_separator.encode() if args.key_separator else None,
        partition=args.partition,
        acks=args.acks,
        headers=tuple((key, value.encode()) for key, value in args.header),
    )
    report = produce_lines(connection_from_args(args), options, sys.stdin.buffer)
    if report.failed:
        raise ClientError(f"{report.failed} of {report.sent} records failed: {report.first_error}")
    return 0
