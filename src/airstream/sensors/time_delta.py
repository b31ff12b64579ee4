"""TimeDeltaSensor: wait until a time after the run's data interval end."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from airstream.sensors.base import BaseSensorOperator
from airstream.workflows.context import Context


class TimeDeltaSensor(BaseSensorOperator):
    """Done once ``data_interval_end + delta`` has passed (the run's time for manual runs)."""

    def __init__(self, *, delta: timedelta, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.delta = delta

    def target_time(self, context: Context) -> datetime:
        base = context.get("data_interval_end") or context.get("logical_date")
        if base is None:
            base = context["dag_run"].run_after
        target: datetime = base + self.delta
        return target

    def seconds_until_due(self, context: Context) -> float | None:
        return (self.target_time(context) - datetime.now(UTC)).total_seconds()

    def poke(self, context: Context) -> bool:
        target = self.target_time(context)
        context["ti"].log.info("Checking if the time (%s) has come", target)
        return datetime.now(UTC) > target


class TimeDeltaSensorAsync(TimeDeltaSensor):
    """Kept for DAG files that use it; behaves like :class:`TimeDeltaSensor`."""
