"""DayOfWeekSensor: wait until it is one of the given days of the week."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from airstream.operators.weekday import WeekDay, weekday_numbers
from airstream.sensors.base import BaseSensorOperator
from airstream.workflows.context import Context
from airstream.workflows.timezone import utcnow


class DayOfWeekSensor(BaseSensorOperator):
    """Done on the given weekdays: of now, or of the run's logical date."""

    def __init__(
        self,
        *,
        week_day: str | WeekDay | Iterable[str | WeekDay],
        use_task_logical_date: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.week_day = week_day
        self.week_days = weekday_numbers(week_day)
        self.use_task_logical_date = use_task_logical_date

    def poke(self, context: Context) -> bool:
        when = context["logical_date"] if self.use_task_logical_date else utcnow()
        context["ti"].log.info("Poking until weekday is in %s, Today is %s", self.week_day, when)
        return when.weekday() in self.week_days
