"""XCom values to and from JSON, keeping the Python types tasks commonly return.

Airflow's XCom backend round-trips datetimes, dates, timedeltas, tuples and sets; plain
JSON would refuse or flatten them. Such values are stored as ``{"__classname__": ...,
"__data__": ...}`` objects (Airflow's own serialization uses the same two keys); everything
JSON already represents is stored as-is, so existing XCom rows read back unchanged.
"""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any

import pendulum

from airstream.workflows.timezone import coerce_datetime

CLASSNAME = "__classname__"
DATA = "__data__"


def serialize(value: Any) -> Any:
    """``value`` as JSON-compatible data; unsupported types are left for JSON to reject."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list):
        return [serialize(v) for v in value]
    if isinstance(value, dict):
        return {k: serialize(v) for k, v in value.items()}
    return _tagged(value)


def _tagged(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        name = "pendulum.datetime.DateTime" if isinstance(value, pendulum.DateTime) else None
        return {CLASSNAME: name or "datetime.datetime", DATA: value.isoformat()}
    if isinstance(value, dt.date):
        return {CLASSNAME: "datetime.date", DATA: value.isoformat()}
    if isinstance(value, dt.time):
        return {CLASSNAME: "datetime.time", DATA: value.isoformat()}
    if isinstance(value, dt.timedelta):
        return {CLASSNAME: "datetime.timedelta", DATA: value.total_seconds()}
    if isinstance(value, tuple) and type(value) is tuple:
        return {CLASSNAME: "builtins.tuple", DATA: [serialize(v) for v in value]}
    if isinstance(value, set | frozenset):
        kind = "builtins.frozenset" if isinstance(value, frozenset) else "builtins.set"
        return {CLASSNAME: kind, DATA: [serialize(v) for v in value]}
    if isinstance(value, decimal.Decimal):
        return {CLASSNAME: "decimal.Decimal", DATA: str(value)}
    return value


_DECODERS: dict[str, Any] = {
    "pendulum.datetime.DateTime": lambda d: coerce_datetime(dt.datetime.fromisoformat(d)),
    "datetime.datetime": dt.datetime.fromisoformat,
    "datetime.date": dt.date.fromisoformat,
    "datetime.time": dt.time.fromisoformat,
    "datetime.timedelta": lambda d: dt.timedelta(seconds=d),
    "builtins.tuple": lambda d: tuple(deserialize(v) for v in d),
    "builtins.set": lambda d: {deserialize(v) for v in d},
    "builtins.frozenset": lambda d: frozenset(deserialize(v) for v in d),
    "decimal.Decimal": decimal.Decimal,
}


def deserialize(data: Any) -> Any:
    """The value :func:`serialize` was given."""
    if isinstance(data, list):
        return [deserialize(v) for v in data]
    if isinstance(data, dict):
        decoder = _DECODERS.get(data.get(CLASSNAME, "")) if set(data) == {CLASSNAME, DATA} else None
        if decoder is not None:
            return decoder(data[DATA])
        return {k: deserialize(v) for k, v in data.items()}
    return data


__all__ = ["deserialize", "serialize"]
