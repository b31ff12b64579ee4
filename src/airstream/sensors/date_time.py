"""DateTimeSensor: wait until a given (templated) date and time."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from airstream.sensors.base import BaseSensorOperator
from airstream.workflows.context import Context
from airstream.workflows.timetables import as_utc


class DateTimeSensor(BaseSensorOperator):
    """Done once ``target_time`` (a datetime or an ISO string/template) has passed."""

    template_fields: Sequence[str] = ("target_time",)

    def __init__(self, *, target_time: str | datetime, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if isinstance(target_time, datetime):
            self.target_time: str = target_time.isoformat()
        elif isinstance(target_time, str):
            self.target_time = target_time
        else:
            raise TypeError(
                f"Expected str or datetime.datetime type for target_time. Got {type(target_time)}"
            )

    def seconds_until_due(self, context: Context) -> float | None:
        target = as_utc(datetime.fromisoformat(str(self.target_time)))
        return target.timestamp() - datetime.now(UTC).timestamp()

    def poke(self, context: Context) -> bool:
        target = as_utc(datetime.fromisoformat(str(self.target_time)))
        context["ti"].log.info("Checking if the time (%s) has come", target)
        return datetime.now(UTC) > target


class DateTimeSensorAsync(DateTimeSensor):
    """Kept for DAG files that use it; behaves like :class:`DateTimeSensor`."""
