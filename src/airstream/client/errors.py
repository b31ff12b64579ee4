"""The one error type the client tools raise, and its translation from librdkafka errors.

The command line prints a :class:`ClientError` as a single line on stderr and exits non-zero;
anything a user can cause (an unreachable broker, an unknown topic, a bad config) must arrive
here as a ``ClientError`` rather than as a traceback.
"""

from __future__ import annotations

import argparse
import functools
import sys
from collections.abc import Callable

from confluent_kafka import KafkaError, KafkaException

#: librdkafka's local codes that all mean "no broker answered".
UNREACHABLE_CODES: frozenset[int] = frozenset(
    {KafkaError._TRANSPORT, KafkaError._ALL_BROKERS_DOWN, KafkaError._TIMED_OUT}
)


class ClientError(Exception):
    """A failure the user can act on; its message is one line, printed as is."""

    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code


def explain(error: KafkaError, subject: str = "") -> ClientError:
    """Turn a librdkafka error into a one-line :class:`ClientError` about ``subject``."""
    text = error.str() or error.name()
    # librdkafka prefixes broker-side errors; the code's own sentence is what users need.
    text = text.removeprefix("Broker: ")
    prefix = f"{subject}: " if subject else ""
    return ClientError(f"{prefix}{text}", error.code())


def from_exception(exc: BaseException, subject: str = "") -> ClientError:
    """Translate what an admin future or a client call raised into a :class:`ClientError`."""
    if isinstance(exc, ClientError):
        return exc
    if isinstance(exc, KafkaException) and exc.args and isinstance(exc.args[0], KafkaError):
        return explain(exc.args[0], subject)
    prefix = f"{subject}: " if subject else ""
    message = str(exc) or type(exc).__name__
    return ClientError(f"{prefix}{message}")


CommandFunction = Callable[[argparse.Namespace], int]


def reports_errors(func: CommandFunction) -> CommandFunction:
    """Wrap a command so a :class:`ClientError` becomes one stderr line and exit status 1.

    Ctrl-C becomes exit status 130 without a traceback; commands that stop cleanly on
    Ctrl-C (the consumer) catch it themselves first.
    """

    @functools.wraps(func)
    def run(args: argparse.Namespace) -> int:
        try:
            return func(args)
        except (ClientError, KafkaException) as exc:
            # A KafkaException here escaped translation: still one line, never a traceback,
            # and one line even if the broker's message spans several.
            message = " ".join(str(from_exception(exc)).split())
            print(f"{_command_name(args)}: error: {message}", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            print(f"{_command_name(args)}: interrupted", file=sys.stderr)
            return 130

    return run


def _command_name(args: argparse.Namespace) -> str:
    words = ["airstream", getattr(args, "command", None), getattr(args, "action", None)]
    return " ".join(word for word in words if word)
