"""Timetables: data intervals of manual runs and the next scheduled run."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from airstream.workflows.timetables import (
    CronDataIntervalTimetable,
    CronTriggerTimetable,
    DataInterval,
    DeltaDataIntervalTimetable,
    NullTimetable,
    OnceTimetable,
    create_timetable,
)

T = datetime(2024, 3, 10, 15, 30, tzinfo=UTC)


def test_schedule_arguments_map_to_timetables() -> None:
    assert isinstance(create_timetable(None), NullTimetable)
    assert isinstance(create_timetable("@once"), OnceTimetable)
    assert isinstance(create_timetable("@daily"), CronTriggerTimetable)
    assert isinstance(create_timetable("*/5 * * * *"), CronTriggerTimetable)
    assert isinstance(create_timetable(timedelta(hours=1)), DeltaDataIntervalTimetable)
    with pytest.raises(ValueError, match="Invalid cron"):
        create_timetable("not a cron")


def test_manual_intervals() -> None:
    assert NullTimetable().infer_manual_data_interval(run_after=T) == DataInterval(T, T)
    assert CronTriggerTimetable("@daily").infer_manual_data_interval(run_after=T) == (
        DataInterval(T, T)
    )
    delta = DeltaDataIntervalTimetable(timedelta(days=1))
    assert delta.infer_manual_data_interval(run_after=T) == DataInterval(T - timedelta(days=1), T)
    day_start = datetime(2024, 3, 10, tzinfo=UTC)
    assert CronDataIntervalTimetable("@daily").infer_manual_data_interval(run_after=T) == (
        DataInterval(day_start - timedelta(days=1), day_start)
    )


def test_next_runs_of_a_cron_trigger() -> None:
    cron = CronTriggerTimetable("0 6 * * *")
    first = cron.next_dagrun_info(last_automated_data_interval=None, earliest=T, catchup=True)
    assert first is not None
    assert first.run_after == datetime(2024, 3, 11, 6, tzinfo=UTC)
    second = cron.next_dagrun_info(
        last_automated_data_interval=first.data_interval, earliest=T, catchup=True
    )
    assert second is not None and second.run_after == datetime(2024, 3, 12, 6, tzinfo=UTC)
    # Without catch-up, the first run is the latest fire time before now.
    late = cron.next_dagrun_info(
        last_automated_data_interval=None,
        earliest=T,
        catchup=False,
        now=datetime(2024, 4, 1, 12, tzinfo=UTC),
    )
    assert late is not None and late.run_after == datetime(2024, 4, 1, 6, tzinfo=UTC)


def test_next_runs_of_a_delta_and_once() -> None:
    delta = DeltaDataIntervalTimetable(timedelta(hours=6))
    info = delta.next_dagrun_info(last_automated_data_interval=None, earliest=T, catchup=True)
    assert info is not None
    assert info.data_interval == DataInterval(T, T + timedelta(hours=6))
    assert info.run_after == T + timedelta(hours=6)
    once = OnceTimetable()
    first = once.next_dagrun_info(last_automated_data_interval=None, earliest=T)
    assert first is not None and first.run_after == T
    assert (
        once.next_dagrun_info(last_automated_data_interval=first.data_interval, earliest=T) is None
    )
