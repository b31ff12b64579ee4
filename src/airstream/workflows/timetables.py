"""Timetables: what ``schedule=`` means — data intervals and when the next run is due.

Airflow 3 defaults are followed: a cron string (or preset) is a *trigger* timetable whose
data interval is empty (start == end == the run's logical date); a ``timedelta`` makes
intervals of that length ending at the run's time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

PRESETS: dict[str, str] = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@quarterly": "0 0 1 */3 *",
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
}


def as_utc(value: datetime) -> datetime:
    """Naive datetimes in DAG files are UTC, as in Airflow's default configuration."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@dataclass(frozen=True)
class DataInterval:
    """The period of data one DAG run processes."""

    start: datetime
    end: datetime


@dataclass(frozen=True)
class DagRunInfo:
    """When the next scheduled run is due and what it covers."""

    run_after: datetime
    data_interval: DataInterval

    @property
    def logical_date(self) -> datetime:
        return self.data_interval.start


class Timetable:
    """Base timetable: no automatic runs; manual runs cover an empty interval."""

    summary: str = "None"
    periodic: bool = False

    def infer_manual_data_interval(self, *, run_after: datetime) -> DataInterval:
        return DataInterval(run_after, run_after)

    def next_dagrun_info(
        self,
        *,
        last_automated_data_interval: DataInterval | None,
        earliest: datetime | None,
        latest: datetime | None = None,
        catchup: bool = False,
        now: datetime | None = None,
    ) -> DagRunInfo | None:
        return None


class NullTimetable(Timetable):
    """``schedule=None``: only manual runs."""


class OnceTimetable(Timetable):
    """``schedule="@once"``: one run at the start date."""

    summary = "@once"

    def next_dagrun_info(
        self,
        *,
        last_automated_data_interval: DataInterval | None,
        earliest: datetime | None,
        latest: datetime | None = None,
        catchup: bool = False,
        now: datetime | None = None,
    ) -> DagRunInfo | None:
        if last_automated_data_interval is not None or earliest is None:
            return None
        return DagRunInfo(earliest, DataInterval(earliest, earliest))


class ContinuousTimetable(OnceTimetable):
    """``schedule="@continuous"``: a new run as soon as the previous one ends."""

    summary = "@continuous"


class DeltaDataIntervalTimetable(Timetable):
    """``schedule=timedelta(...)``: back-to-back intervals of a fixed length."""

    periodic = True

    def __init__(self, delta: Any) -> None:
        self.delta = delta
        self.summary = str(delta)

    def infer_manual_data_interval(self, *, run_after: datetime) -> DataInterval:
        return DataInterval(run_after - self.delta, run_after)

    def next_dagrun_info(
        self,
        *,
        last_automated_data_interval: DataInterval | None,
        earliest: datetime | None,
        latest: datetime | None = None,
        catchup: bool = False,
        now: datetime | None = None,
    ) -> DagRunInfo | None:
        if last_automated_data_interval is not None:
            start = last_automated_data_interval.end
        elif earliest is None:
            return None
        else:
            start = earliest
        if not catchup and now is not None:
            start = max(start, now - self.delta)
        end = start + self.delta
        if latest is not None and start > latest:
            return None
        return DagRunInfo(end, DataInterval(start, end))


class CronTriggerTimetable(Timetable):
    """A cron expression or preset: a run at each fire time, with an empty data interval."""

    periodic = True

    def __init__(self, cron: str, *, timezone: Any = UTC) -> None:
        from croniter import croniter  # type: ignore[import-untyped]

        self.expression = PRESETS.get(cron, cron)
        if not croniter.is_valid(self.expression):
            raise ValueError(f"Invalid cron expression: {cron!r}")
        self.summary = cron
        self.timezone = timezone

    def next_fire(self, after: datetime, *, inclusive: bool = False) -> datetime:
        from croniter import croniter  # type: ignore[import-untyped]

        start = after - timedelta(microseconds=1) if inclusive else after
        value = croniter(self.expression, start).get_next(datetime)
        return as_utc(value)

    def previous_fire(self, before: datetime) -> datetime:
        from croniter import croniter  # type: ignore[import-untyped]

        return as_utc(croniter(self.expression, before).get_prev(datetime))

    def next_dagrun_info(
        self,
        *,
        last_automated_data_interval: DataInterval | None,
        earliest: datetime | None,
        latest: datetime | None = None,
        catchup: bool = False,
        now: datetime | None = None,
    ) -> DagRunInfo | None:
        if last_automated_data_interval is not None:
            fire = self.next_fire(last_automated_data_interval.end)
        elif earliest is None:
            return None
        else:
            fire = self.next_fire(earliest, inclusive=True)
        if not catchup and now is not None:
            fire = max(fire, self.previous_fire(now))
        if latest is not None and fire > latest:
            return None
        return DagRunInfo(fire, DataInterval(fire, fire))


class CronDataIntervalTimetable(CronTriggerTimetable):
    """A cron schedule whose runs cover the interval between two fire times (Airflow 2 style)."""

    def infer_manual_data_interval(self, *, run_after: datetime) -> DataInterval:
        end = self.previous_fire(run_after + timedelta(microseconds=1))
        return DataInterval(self.previous_fire(end), end)

    def next_dagrun_info(
        self,
        *,
        last_automated_data_interval: DataInterval | None,
        earliest: datetime | None,
        latest: datetime | None = None,
        catchup: bool = False,
        now: datetime | None = None,
    ) -> DagRunInfo | None:
        if last_automated_data_interval is not None:
            start = last_automated_data_interval.end
        elif earliest is None:
            return None
        else:
            start = self.next_fire(earliest, inclusive=True)
        if not catchup and now is not None:
            start = max(start, self.previous_fire(self.previous_fire(now)))
        end = self.next_fire(start)
        if latest is not None and start > latest:
            return None
        return DagRunInfo(end, DataInterval(start, end))


def create_timetable(schedule: Any) -> Timetable:
    """The timetable for a DAG's ``schedule`` argument."""
    if schedule is None:
        return NullTimetable()
    if isinstance(schedule, Timetable):
        return schedule
    if schedule == "@once":
        return OnceTimetable()
    if schedule == "@continuous":
        return ContinuousTimetable()
    if isinstance(schedule, str):
        return CronTriggerTimetable(schedule)
    if isinstance(schedule, timedelta) or type(schedule).__name__ == "relativedelta":
        return DeltaDataIntervalTimetable(schedule)
    # Asset-triggered schedules: no time-based runs.
    return NullTimetable()
