"""``airstream consume TOPIC``: print a topic's records, like kafka-console-consumer."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from contextlib import closing
from types import FrameType
from typing import Any

from airstream.client.arguments import non_negative_int, positive_int
from airstream.client.connection import add_connection_arguments, connection_from_args
from airstream.client.console_consumer import (
    ConsumeOptions,
    StartOffset,
    consume,
    format_json,
    format_text,
)
from airstream.client.errors import reports_errors

DESCRIPTION = """\
Print the records of TOPIC, one per line, as they arrive. Stops after --max-messages, after
--timeout-ms without a new record, or on Ctrl-C.

Without --group the consumer reads every partition (or --partition P from --offset O) and
commits nothing. With --group it joins that consumer group, reads the partitions the group
assigns it, and commits what it printed.

  airstream consume orders --from-beginning --max-messages 10
  airstream consume orders --group billing --print-key --key-separator :
  airstream consume orders --partition 0 --offset 42 -o json
"""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``consume`` to the ``airstream`` parser."""
    parser = subparsers.add_parser(
        "consume",
        help="print records from a topic",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("topic", metavar="TOPIC", help="topic to read")
    parser.add_argument("--group", metavar="G", help="consumer group to join and commit in")
    parser.add_argument(
        "--from-beginning",
        action="store_true",
        help="start at the earliest record (with --group: only if G has no committed offset)",
    )
    parser.add_argument(
        "--max-messages", type=positive_int, metavar="N", help="exit after N records"
    )
    parser.add_argument(
        "--timeout-ms",
        type=positive_int,
        metavar="T",
        help="exit when no record arrived for T ms (default: wait forever)",
    )
    parser.add_argument("--print-key", action="store_true", help="print each record's key too")
    parser.add_argument(
        "--key-separator",
        default="\t",
        metavar="SEP",
        help="between key and value with --print-key (default: a tab)",
    )
    parser.add_argument(
        "--partition", type=non_negative_int, metavar="P", help="read only partition P"
    )
    parser.add_argument(
        "--offset",
        type=_start_offset,
        metavar="O",
        help="with --partition: start at offset O, or 'earliest' or 'latest'",
    )
    parser.add_argument(
        "-o",
        "--output",
        choices=("text", "json"),
        default="text",
        help="text: the value (and key); json: one object per line with topic, partition, "
        "offset, timestamp, key, value and headers (default: text)",
    )
    add_connection_arguments(parser)
    parser.set_defaults(func=_consume)


@reports_errors
def _consume(args: argparse.Namespace) -> int:
    options = ConsumeOptions(
        topic=args.topic,
        group=args.group,
        from_beginning=args.from_beginning,
        max_messages=args.max_messages,
        idle_timeout_ms=args.timeout_ms,
        partition=args.partition,
        offset=args.offset,
    )
    out = sys.stdout.buffer
    separator = args.key_separator.encode()
    count = 0
    stop = _StopOnInterrupt()
    records = consume(connection_from_args(args), options, stop.requested)
    try:
        # closing(): however the loop ends, the consumer is closed (and commits) right here.
        with stop, closing(records):
            for record in records:
                if args.output == "json":
                    out.write(format_json(record).encode() + b"\n")
                else:
                    out.write(format_text(record, args.print_key, separator) + b"\n")
                out.flush()
                count += 1
    except KeyboardInterrupt:
        pass  # A second Ctrl-C while closing: the consumer is closed all the same.
    except BrokenPipeError:
        # The reader went away (`| head`): stop quietly. Pointing stdout at /dev/null keeps
        # the interpreter's final flush from raising the same error again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    print(f"Processed a total of {count} messages", file=sys.stderr)
    return 0


class _StopOnInterrupt:
    """While active, the first Ctrl-C asks the consumer to stop after the record in hand.

    A flag rather than KeyboardInterrupt, so the interrupt cannot land between printing a
    record and counting or committing it. A second Ctrl-C interrupts as usual.
    """

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._previous: Any = None

    def requested(self) -> bool:
        return self._stop.is_set()

    def __enter__(self) -> _StopOnInterrupt:
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._on_interrupt)
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)

    def _on_interrupt(self, signum: int, frame: FrameType | None) -> None:
        self._stop.set()
        signal.signal(signal.SIGINT, signal.default_int_handler)


def _start_offset(text: str) -> StartOffset:
    if text in ("earliest", "latest"):
        return text  # type: ignore[return-value]
    return non_negative_int(text)
