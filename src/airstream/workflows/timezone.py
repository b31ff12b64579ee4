"""Timezone-aware dates as Airflow hands them out: pendulum ``DateTime`` objects, UTC by default.

DAG files and templates call pendulum methods on context dates (``logical_date.add(days=1)``,
``.in_timezone(...)``, ``.int_timestamp``), so every date airstream gives user code goes
through :func:`coerce_datetime`. Stdlib datetimes are accepted everywhere: a naive one is
read as UTC, Airflow's default ``default_timezone``. The names here mirror
``airflow.utils.timezone`` / ``airflow.sdk.timezone``, which DAG files import.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, overload

import pendulum
from pendulum import DateTime
from pendulum.tz.timezone import FixedTimezone, Timezone

#: The UTC timezone (``airflow.utils.timezone.utc``).
utc: Timezone = pendulum.UTC

TimezoneLike = Timezone | FixedTimezone | dt.tzinfo | str


def parse_timezone(name: TimezoneLike) -> Timezone | FixedTimezone:
    """A pendulum timezone from a name (``"Europe/Amsterdam"``) or any ``tzinfo``."""
    if isinstance(name, Timezone | FixedTimezone):
        return name
    if isinstance(name, str):
        return pendulum.timezone(name)
    zone_name = getattr(name, "key", None) or getattr(name, "zone", None)
    if isinstance(zone_name, str):
        return pendulum.timezone(zone_name)
    offset = name.utcoffset(None)
    if offset is None:
        return utc
    if offset == dt.timedelta(0):
        return utc
    return pendulum.FixedTimezone(int(offset.total_seconds()))


def timezone_of(value: dt.datetime | None) -> Timezone | FixedTimezone:
    """The timezone a DAG's schedule runs in: its start date's, or UTC for a naive one."""
    if value is None or value.tzinfo is None:
        return utc
    return parse_timezone(value.tzinfo)


@overload
def coerce_datetime(value: None, tz: TimezoneLike | None = None) -> None: ...
@overload
def coerce_datetime(value: dt.datetime, tz: TimezoneLike | None = None) -> DateTime: ...
def coerce_datetime(value: dt.datetime | None, tz: TimezoneLike | None = None) -> DateTime | None:
    """A pendulum ``DateTime`` for ``value``; a naive value is taken to be in ``tz`` (UTC)."""
    if value is None:
        return None
    if isinstance(value, DateTime) and value.tzinfo is not None:
        return value
    if value.tzinfo is None:
        return pendulum.instance(value, tz=parse_timezone(tz or utc))
    return pendulum.instance(value)


@overload
def convert_to_utc(value: None) -> None: ...
@overload
def convert_to_utc(value: dt.datetime) -> DateTime: ...
def convert_to_utc(value: dt.datetime | None) -> DateTime | None:
    """The same instant as a UTC pendulum ``DateTime`` (naive values are already UTC)."""
    if value is None:
        return None
    return coerce_datetime(value).in_timezone(utc)


def make_aware(value: dt.datetime, timezone: TimezoneLike | None = None) -> DateTime:
    """Attach ``timezone`` (UTC by default) to a naive datetime; aware ones are converted."""
    if value.tzinfo is not None:
        return coerce_datetime(value).in_timezone(parse_timezone(timezone or utc))
    return coerce_datetime(value, timezone)


def make_naive(value: dt.datetime, timezone: TimezoneLike | None = None) -> dt.datetime:
    """The wall-clock time in ``timezone`` (UTC by default) without a tzinfo."""
    local = convert_to_utc(value).in_timezone(parse_timezone(timezone or utc))
    return dt.datetime.combine(local.date(), local.time())


def utcnow() -> DateTime:
    """Now, in UTC."""
    return pendulum.now(utc)


def datetime(*args: Any, **kwargs: Any) -> DateTime:
    """``datetime.datetime(...)`` but timezone-aware: UTC unless ``tzinfo=`` is given."""
    tzinfo = kwargs.pop("tzinfo", None)
    return coerce_datetime(dt.datetime(*args, **kwargs), tzinfo or utc)


def parse(string: str, timezone: TimezoneLike | None = None) -> DateTime:
    """An ISO 8601 (or pendulum-parsable) string as an aware ``DateTime``."""
    parsed = pendulum.parse(string, tz=parse_timezone(timezone or utc))
    if not isinstance(parsed, DateTime):
        raise ValueError(f"Not a date and time: {string!r}")
    return parsed


__all__ = [
    "coerce_datetime",
    "convert_to_utc",
    "datetime",
    "make_aware",
    "make_naive",
    "parse",
    "parse_timezone",
    "timezone_of",
    "utc",
    "utcnow",
]
