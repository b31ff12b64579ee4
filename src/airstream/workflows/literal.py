"""``literal(value)``: a task argument passed as-is, never rendered as a Jinja template."""

from __future__ import annotations

from typing import Any

from airstream.workflows.context import Context
from airstream.workflows.xcom_arg import ResolveMixin


class LiteralValue(ResolveMixin):
    """Wraps a value that may contain ``{{ }}`` but must reach the task unchanged."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def resolve(self, context: Context) -> Any:
        return self.value

    def __repr__(self) -> str:
        return f"literal({self.value!r})"


def literal(value: Any) -> LiteralValue:
    return LiteralValue(value)


__all__ = ["LiteralValue", "literal"]
