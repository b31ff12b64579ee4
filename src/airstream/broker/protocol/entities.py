"""Build kio entities for any API version from plain values.

kio generates one frozen dataclass per schema *version*; a handler that answers versions 0–12
would otherwise spell out thirteen constructors. :func:`make` takes the values a handler knows
(nested entities as dicts, arrays as lists of dicts) and builds the class of the requested
version: fields that version lacks are dropped, fields it needs but the handler left out get
the protocol's zero value (or the schema default), ints become ``ErrorCode``/``timedelta``
where the schema says so.
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
import types
import typing
import uuid
from collections.abc import Mapping
from typing import Any, TypeVar

from kio.schema.errors import ErrorCode

E = TypeVar("E")

ZERO_UUID = uuid.UUID(int=0)

_MISSING = dataclasses.MISSING


@dataclasses.dataclass(frozen=True, slots=True)
class _FieldPlan:
    name: str
    kind: str  # "entity", "entities", "error", "timedelta", "scalar"
    nested: type | None
    default: Any  # _MISSING when the schema has none
    zero: Any


@functools.cache
def _plan(cls: type) -> tuple[_FieldPlan, ...]:
    hints = typing.get_type_hints(cls)
    plans = []
    for f in dataclasses.fields(cls):
        annotation = hints[f.name]
        kind, nested, zero = _classify(annotation, f.metadata.get("kafka_type"))
        default: Any = f.default
        if f.default_factory is not _MISSING:
            default = f.default_factory()
        plans.append(_FieldPlan(f.name, kind, nested, default, zero))
    return tuple(plans)


def _strip_optional(annotation: Any) -> tuple[Any, bool]:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return args[0], True
    return annotation, False


def _classify(annotation: Any, kafka_type: str | None) -> tuple[str, type | None, Any]:
    inner, optional = _strip_optional(annotation)
    if typing.get_origin(inner) is tuple:
        item = typing.get_args(inner)[0]
        if dataclasses.is_dataclass(item):
            return "entities", typing.cast(type, item), ()
        return "scalars", None, ()
    if dataclasses.is_dataclass(inner):
        return "entity", typing.cast(type, inner), None
    if inner is ErrorCode:
        return "error", None, ErrorCode.none
    if kafka_type and kafka_type.startswith("timedelta"):
        return "timedelta", None, datetime.timedelta(0)
    if optional:
        return "scalar", None, None
    if inner is bool:
        return "scalar", None, False
    if inner is str or (isinstance(inner, type) and issubclass(inner, str)):
        return "scalar", None, ""
    if inner is uuid.UUID:
        return "scalar", None, ZERO_UUID
    if isinstance(inner, type) and issubclass(inner, bytes):
        return "scalar", None, b""
    if isinstance(inner, type) and issubclass(inner, float):
        return "scalar", None, 0.0
    return "scalar", None, 0


def make(cls: type[E], values: Mapping[str, Any] | None = None, /, **kwargs: Any) -> E:
    """Build ``cls`` (a kio entity of one version) from ``values``; see the module docstring."""
    merged = {**(values or {}), **kwargs}
    args: dict[str, Any] = {}
    for plan in _plan(cls):  # type: ignore[arg-type]
        if plan.name in merged:
            args[plan.name] = _convert(plan, merged[plan.name])
        elif plan.default is _MISSING:
            args[plan.name] = plan.zero
    return cls(**args)


def _convert(plan: _FieldPlan, value: Any) -> Any:
    if value is None:
        return None
    if plan.kind == "entities":
        assert plan.nested is not None
        return tuple(_entity(plan.nested, item) for item in value)
    if plan.kind == "entity":
        assert plan.nested is not None
        return _entity(plan.nested, value)
    if plan.kind == "scalars":
        return tuple(value)
    if plan.kind == "error":
        return value if isinstance(value, ErrorCode) else ErrorCode(int(value))
    if plan.kind == "timedelta" and not isinstance(value, datetime.timedelta):
        return datetime.timedelta(milliseconds=int(value))
    return value


def _entity(cls: type, value: Any) -> Any:
    if isinstance(value, Mapping):
        return make(cls, value)
    return value
