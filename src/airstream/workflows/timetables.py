"""Timetables: what ``schedule=`` means — data intervals and when the next run is due.

Airflow 3 defaults are followed: a cron string (or preset) is a *trigger* timetable whose
data interval is empty (start == end == the run's logical date); a ``timedelta`` makes
intervals of that length ending at the run's time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pendulum import DateTime

from airstream.workflows.timezone import TimezoneLike, convert_to_utc, parse_timezone, utc

PRESETS: dict[str, str] = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@quarterly": "0 0 1 */3 *",
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
}


def as_utc(value: datetime) -> DateTime:
    """Naive datetimes in DAG files are UTC, as in Airflow's default configuration."""
    return convert_to_utc(value)


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


#: The summary of ``schedule=None`` (stored as the DAG row's ``schedule``): a DAG with it
#: makes no runs of its own, so the scheduler loads it only while it has runs.
NULL_SCHEDULE_SUMMARY = "None"


class Timetable:
    """Base timetable: no automatic runs; manual runs cover an empty interval."""

    summary: str = NULL_SCHEDULE_SUMMARY
    periodic: bool = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # As Airflow's: a timetable that names no summary is summed up by its type's name.
        # Never "None", which would tell the scheduler it makes no runs of its own.
        super().__init_subclass__(**kwargs)
        if "summary" not in cls.__dict__:
            cls.summary = cls.__name__

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

    summary = NULL_SCHEDULE_SUMMARY


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

    def __init__(
        self,
        cron: str,
        *,
        timezone: TimezoneLike = utc,
        interval: timedelta = timedelta(0),
        run_immediately: bool | timedelta = False,
    ) -> None:
        from croniter import croniter  # type: ignore[import-untyped]

        self.expression = PRESETS.get(cron, cron)
        if not croniter.is_valid(self.expression):
            raise ValueError(f"Invalid cron expression: {cron!r}")
        self.summary = cron
        # Fire times are wall-clock times in this zone (DST included), as in Airflow.
        self.timezone = parse_timezone(timezone)
        #: Length of the data interval that ends at each fire time (empty by default).
        self.interval = interval
        self.run_immediately = run_immediately

    def infer_manual_data_interval(self, *, run_after: datetime) -> DataInterval:
        return DataInterval(run_after - self.interval, run_after)

    def _local(self, value: datetime) -> DateTime:
        return as_utc(value).in_timezone(self.timezone)

    def next_fire(self, after: datetime, *, inclusive: bool = False) -> DateTime:
        from croniter import croniter  # type: ignore[import-untyped]

        start = self._local(after)
        if inclusive:
            start = start - timedelta(microseconds=1)
        return as_utc(croniter(self.expression, start).get_next(datetime))

    def previous_fire(self, before: datetime) -> DateTime:
        from croniter import croniter  # type: ignore[import-untyped]

        return as_utc(croniter(self.expression, self._local(before)).get_prev(datetime))

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
        return DagRunInfo(fire, DataInterval(fire - self.interval, fire))


class CronDataIntervalTimetable(CronTriggerTimetable):
    """A cron schedule whose runs cover the interval between two fire times (Airflow 2 style)."""

    def __init__(self, cron: str, timezone: TimezoneLike = utc) -> None:
        super().__init__(cron, timezone=timezone)

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


class MultipleCronTriggerTimetable(Timetable):
    """Several cron expressions: a run at each time any of them fires."""

    periodic = True

    def __init__(
        self,
        *crons: str,
        timezone: TimezoneLike = utc,
        interval: timedelta = timedelta(0),
        run_immediately: bool | timedelta = False,
    ) -> None:
        if not crons:
            raise ValueError("cron expression required")
        self.timetables = [
            CronTriggerTimetable(c, timezone=timezone, interval=interval) for c in crons
        ]
        self.interval = interval
        self.summary = ", ".join(crons)

    def infer_manual_data_interval(self, *, run_after: datetime) -> DataInterval:
        return DataInterval(run_after - self.interval, run_after)

    def next_dagrun_info(
        self,
        *,
        last_automated_data_interval: DataInterval | None,
        earliest: datetime | None,
        latest: datetime | None = None,
        catchup: bool = False,
        now: datetime | None = None,
    ) -> DagRunInfo | None:
        # Each cron continues from the last run's fire time, whichever cron made it.
        last = last_automated_data_interval
        if last is not None:
            last = DataInterval(last.end, last.end)
        infos = [
            t.next_dagrun_info(
                last_automated_data_interval=last,
                earliest=earliest,
                latest=latest,
                catchup=catchup,
                now=now,
            )
            for t in self.timetables
        ]
        found = [info for info in infos if info is not None]
        return min(found, key=lambda info: info.run_after) if found else None


class DeltaTriggerTimetable(Timetable):
    """``schedule=DeltaTriggerTimetable(delta)``: a run every ``delta`` from the start date."""

    periodic = True

    def __init__(self, delta: Any, *, interval: Any = timedelta(0)) -> None:
        self.delta = delta
        self.interval = interval
        self.summary = str(delta)

    def infer_manual_data_interval(self, *, run_after: datetime) -> DataInterval:
        return DataInterval(run_after - self.interval, run_after)

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
            fire = as_utc(last_automated_data_interval.end + self.delta)
        elif earliest is None:
            return None
        else:
            fire = as_utc(earliest)
        if not catchup and now is not None:
            while fire + self.delta <= now:
                fire = as_utc(fire + self.delta)
        if latest is not None and fire > latest:
            return None
        return DagRunInfo(fire, DataInterval(fire - self.interval, fire))


class EventsTimetable(Timetable):
    """Runs at a fixed list of moments (``EventsTimetable(event_dates=[...])``)."""

    periodic = False

    def __init__(
        self,
        event_dates: Any,
        restrict_to_events: bool = False,
        presorted: bool = False,
        description: str | None = None,
    ) -> None:
        self.event_dates = sorted(as_utc(d) for d in event_dates)
        self.restrict_to_events = restrict_to_events
        self.summary = description or f"{len(self.event_dates)} events"

    def infer_manual_data_interval(self, *, run_after: datetime) -> DataInterval:
        if self.restrict_to_events:
            past = [d for d in self.event_dates if d <= run_after]
            moment = past[-1] if past else self.event_dates[0]
            return DataInterval(moment, moment)
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
        after = last_automated_data_interval.end if last_automated_data_interval else None
        candidates = [
            d
            for d in self.event_dates
            if (after is None or d > after) and (earliest is None or d >= earliest)
        ]
        if not catchup and now is not None and after is None:
            past = [d for d in candidates if d <= now]
            candidates = candidates[len(past) - 1 :] if past else candidates
        if not candidates or (latest is not None and candidates[0] > latest):
            return None
        return DagRunInfo(candidates[0], DataInterval(candidates[0], candidates[0]))


class AssetTriggeredTimetable(Timetable):
    """``schedule=[asset, ...]`` / ``a & b`` / ``a | b``: runs when the asset condition holds.

    The scheduler makes those runs (:mod:`airstream.scheduler.asset_scheduling`); as a
    timetable it makes none by time.
    """

    def __init__(self, assets: Any) -> None:
        from airstream.workflows.assets import as_condition

        self.assets = as_condition(assets)
        self.summary = "Asset"


class TopicTriggeredTimetable(Timetable):
    """``schedule=Topic(...)``: runs for batches of records (made by the topic consumers)."""

    def __init__(self, topic: Any) -> None:
        self.topic = topic
        self.summary = topic.summary


class AssetOrTimeSchedule(Timetable):
    """Runs on ``timetable``'s times and whenever the asset condition holds."""

    def __init__(self, *, timetable: Timetable, assets: Any) -> None:
        from airstream.workflows.assets import as_condition

        self.timetable = timetable
        self.assets = as_condition(assets) or assets
        self.periodic = timetable.periodic
        self.summary = f"Asset or {timetable.summary}"

    def infer_manual_data_interval(self, *, run_after: datetime) -> DataInterval:
        return self.timetable.infer_manual_data_interval(run_after=run_after)

    def next_dagrun_info(
        self,
        *,
        last_automated_data_interval: DataInterval | None,
        earliest: datetime | None,
        latest: datetime | None = None,
        catchup: bool = False,
        now: datetime | None = None,
    ) -> DagRunInfo | None:
        return self.timetable.next_dagrun_info(
            last_automated_data_interval=last_automated_data_interval,
            earliest=earliest,
            latest=latest,
            catchup=catchup,
            now=now,
        )


#: Airflow 2's name.
DatasetOrTimeSchedule = AssetOrTimeSchedule


def create_timetable(schedule: Any, timezone: TimezoneLike = utc) -> Timetable:
    """The timetable for a DAG's ``schedule`` argument; cron runs in ``timezone``."""
    if schedule is None:
        return NullTimetable()
    if isinstance(schedule, Timetable):
        return schedule
    if schedule == "@once":
        return OnceTimetable()
    if schedule == "@continuous":
        return ContinuousTimetable()
    if isinstance(schedule, str):
        return CronTriggerTimetable(schedule, timezone=timezone)
    if isinstance(schedule, timedelta) or type(schedule).__name__ == "relativedelta":
        return DeltaDataIntervalTimetable(schedule)
    from airstream.workflows.assets import as_condition
    from airstream.workflows.topic import Topic

    if isinstance(schedule, Topic):
        return TopicTriggeredTimetable(schedule)
    if as_condition(schedule) is not None:
        return AssetTriggeredTimetable(schedule)
    return NullTimetable()
