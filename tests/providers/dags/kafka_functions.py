"""Functions the Kafka DAG files of this folder name by dotted path (``kafka_functions.f``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any


def numbered_records(count: str | int, prefix: str = "record") -> Iterator[tuple[str, str]]:
    """``count`` pairs ``(key-i, prefix-i)``; ``count`` may come from a rendered template."""
    for i in range(int(count)):
        yield f"key-{i}", f"{prefix}-{i}"


def print_delivery(err: Any, msg: Any) -> None:
    print(f"delivered {msg.key().decode()} at offset {msg.offset()} error={err}")


def append_record(message: Any, out: str, fail_at: str = "") -> str:
    """Append ``key=value`` to the file ``out``; raise on the value ``fail_at``."""
    value = message.value().decode()
    if fail_at and value == fail_at:
        raise RuntimeError(f"refusing {value}")
    with Path(out).open("a") as f:
        f.write(f"{message.key().decode()}={value}\n")
    return value.upper()


def match_value(message: Any, wanted: str, seen: str) -> str | None:
    """Record every value in ``seen``; the event is the record equal to ``wanted``."""
    value = message.value().decode()
    with Path(seen).open("a") as f:
        f.write(value + "\n")
    return f"matched:{value}" if value == wanted else None


def match_prefix(prefix: str, message: Any) -> str | None:
    """Positional arguments come before the record, as the provider passes them."""
    value = message.value().decode()
    return value if value.startswith(prefix) else None
