"""How listings are shown: an aligned text table for people, JSON for scripts (``-o``)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from typing import Any, Literal, TextIO

OutputFormat = Literal["table", "json"]

#: What a table shows for a missing value, as kafka-consumer-groups does.
MISSING = "-"


def add_output_argument(parser: argparse.ArgumentParser) -> None:
    """Add ``-o/--output table|json`` to a listing command."""
    parser.add_argument(
        "-o",
        "--output",
        choices=("table", "json"),
        default="table",
        help="output format (default: table)",
    )


def render_table(columns: Sequence[str], rows: Sequence[Mapping[str, Any]]) -> str:
    """Rows as left-aligned columns under an upper-case header, one line per row."""
    header = [column.upper().replace("_", "-") for column in columns]
    cells = [[_cell(row.get(column)) for column in columns] for row in rows]
    widths = [max(len(line[i]) for line in [header, *cells]) for i in range(len(columns))]
    lines = [
        "  ".join(v.ljust(w) for v, w in zip(line, widths, strict=True)).rstrip()
        for line in [header, *cells]
    ]
    return "\n".join(lines) + "\n"


def render_json(value: Any) -> str:
    """``value`` as indented JSON with a trailing newline."""
    return json.dumps(value, indent=2, sort_keys=False) + "\n"


def write_listing(
    rows: Sequence[Mapping[str, Any]],
    columns: Sequence[str],
    output: OutputFormat,
    stream: TextIO | None = None,
) -> None:
    """Print ``rows`` in the chosen format; JSON keeps every key, the table only ``columns``."""
    stream = sys.stdout if stream is None else stream
    if output == "json":
        stream.write(render_json([dict(row) for row in rows]))
    else:
        stream.write(render_table(columns, rows))


def _cell(value: Any) -> str:
    if value is None:
        return MISSING
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value)
    if isinstance(value, Mapping):
        return ",".join(f"{k}={v}" for k, v in value.items())
    return str(value)
