"""BranchDayOfWeekOperator: follow one branch on the given weekdays, another otherwise."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from airstream.operators.branch import BaseBranchOperator
from airstream.workflows.context import Context

WEEKDAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")


class WeekDay(enum.IntEnum):
    """Days of the week, numbered as ISO does (Monday is 1), as in Airflow."""

    MONDAY = 1
    TUESDAY = 2
    WEDNESDAY = 3
    THURSDAY = 4
    FRIDAY = 5
    SATURDAY = 6
    SUNDAY = 7

    @classmethod
    def get_weekday_number(cls, week_day_str: str) -> WeekDay:
        name = week_day_str.upper()
        if name not in cls.__members__:
            raise AttributeError(f'Invalid Week Day passed: "{week_day_str}"')
        return cls[name]

    @classmethod
    def convert(cls, day: str | WeekDay) -> int:
        return day if isinstance(day, WeekDay) else cls.get_weekday_number(day)

    @classmethod
    def validate_week_day(cls, week_day: str | WeekDay | Iterable[str | WeekDay]) -> set[int]:
        items = [week_day] if isinstance(week_day, str | WeekDay) else list(week_day)
        return {cls.convert(item) for item in items}


def weekday_numbers(week_day: str | int | Iterable[str | int]) -> set[int]:
    """``"monday"``, ``0`` or a collection of them, as ``datetime.weekday()`` numbers."""
    items = [week_day] if isinstance(week_day, (str, int)) else list(week_day)
    numbers: set[int] = set()
    for item in items:
        if isinstance(item, WeekDay):
            # WeekDay counts from 1 (ISO); plain ints are ``datetime.weekday()`` numbers.
            numbers.add(item.value - 1)
            continue
        if isinstance(item, int):
            numbers.add(item)
            continue
        name = str(getattr(item, "name", item)).upper()
        if name not in WEEKDAYS:
            raise AttributeError(f'Invalid Week Day passed: "{item}"')
        numbers.add(WEEKDAYS.index(name))
    return numbers


class BranchDayOfWeekOperator(BaseBranchOperator):
    """Branch on the weekday of now (or of the run's logical date, ``use_task_logical_date``)."""

    def __init__(
        self,
        *,
        follow_task_ids_if_true: str | Iterable[str],
        follow_task_ids_if_false: str | Iterable[str],
        week_day: str | int | Iterable[str | int],
        use_task_logical_date: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.follow_task_ids_if_true = follow_task_ids_if_true
        self.follow_task_ids_if_false = follow_task_ids_if_false
        self.week_days = weekday_numbers(week_day)
        self.use_task_logical_date = use_task_logical_date

    def choose_branch(self, context: Context) -> str | Iterable[str]:
        when = context["logical_date"] if self.use_task_logical_date else datetime.now(UTC)
        if when.weekday() in self.week_days:
            return self.follow_task_ids_if_true
        return self.follow_task_ids_if_false
