"""TimeSensor: wait until a time of day (in the DAG's timezone) has passed."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pendulum

from airstream.sensors.base import BaseSensorOperator
from airstream.workflows.context import Context
from airstream.workflows.timezone import utc, utcnow


class TimeSensor(BaseSensorOperator):
    """Done once today's ``target_time`` has passed, today and the time read in the DAG's zone."""

    def __init__(self, *, target_time: dt.time, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.target_time = target_time

    def target_datetime(self) -> pendulum.DateTime:
        # Like Airflow: the date is "today" where the DAG lives, not the run's logical date.
        zone = getattr(self.dag, "timezone", None) or utc
        local = pendulum.now(zone)
        moment = pendulum.instance(dt.datetime.combine(local.date(), self.target_time), tz=zone)
        return moment.in_timezone(utc)

    def seconds_until_due(self, context: Context) -> float | None:
        return (self.target_datetime() - utcnow()).total_seconds()

    def poke(self, context: Context) -> bool:
        target = self.target_datetime()
        context["ti"].log.info("Checking if the time (%s) has come", target)
        return utcnow() > target


class TimeSensorAsync(TimeSensor):
    """Kept for DAG files that use it; behaves like :class:`TimeSensor`."""
