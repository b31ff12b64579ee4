"""The ``macros`` namespace of templates (``{{ macros.ds_add(ds, 7) }}``), as in Airflow."""

from __future__ import annotations

import json
import random
import time
import uuid
from datetime import date, datetime, timedelta

import dateutil  # type: ignore[import-untyped]
import dateutil.relativedelta  # type: ignore[import-untyped]

__all__ = [
    "datetime",
    "datetime_diff_for_humans",
    "dateutil",
    "ds_add",
    "ds_format",
    "json",
    "random",
    "time",
    "timedelta",
    "uuid",
]


def ds_add(ds: str, days: int) -> str:
    """``ds`` (YYYY-MM-DD) plus ``days`` days, as YYYY-MM-DD."""
    if not days:
        return str(ds)
    return (date.fromisoformat(ds) + timedelta(days=days)).isoformat()


def ds_format(ds: str, input_format: str, output_format: str) -> str:
    """Re-format a date string: ``ds_format("2015-01-05", "%Y-%m-%d", "%m-%d-%y")``."""
    return datetime.strptime(str(ds), input_format).strftime(output_format)


def datetime_diff_for_humans(dt: datetime, since: datetime | None = None) -> str:
    """A rough human description of the time between two datetimes."""
    other = since or datetime.now(dt.tzinfo)
    seconds = int(abs((other - dt).total_seconds()))
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = seconds // size
            text = f"{count} {unit}{'s' if count != 1 else ''}"
            break
    else:
        text = f"{seconds} seconds"
    return f"{text} ago" if other >= dt else f"in {text}"
