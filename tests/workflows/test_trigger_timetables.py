"""Airflow 3's other trigger timetables: several crons, fixed deltas, event lists, intervals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from airstream.workflows.timetables import (
    CronTriggerTimetable,
    DataInterval,
    DeltaTriggerTimetable,
    EventsTimetable,
    MultipleCronTriggerTimetable,
    Timetable,
)

START = datetime(2024, 3, 10, 0, 0, tzinfo=UTC)


def fires(timetable: Timetable, count: int, *, earliest: datetime = START) -> list[datetime]:
    found: list[datetime] = []
    last: DataInterval | None = None
    for _ in range(count):
        info = timetable.next_dagrun_info(
            last_automated_data_interval=last, earliest=earliest, catchup=True
        )
        if info is None:
            break
        found.append(info.run_after)
        last = info.data_interval
    return found


def test_multiple_crons_merge_their_fire_times() -> None:
    timetable = MultipleCronTriggerTimetable("0 6 * * *", "30 18 * * *", timezone="UTC")
    assert fires(timetable, 4) == [
        datetime(2024, 3, 10, 6, tzinfo=UTC),
        datetime(2024, 3, 10, 18, 30, tzinfo=UTC),
        datetime(2024, 3, 11, 6, tzinfo=UTC),
        datetime(2024, 3, 11, 18, 30, tzinfo=UTC),
    ]


def test_cron_trigger_interval_sets_the_data_interval() -> None:
    timetable = CronTriggerTimetable("0 1 * * *", timezone="UTC", interval=timedelta(hours=2))
    info = timetable.next_dagrun_info(last_automated_data_interval=None, earliest=START)
    assert info is not None
    assert info.data_interval == DataInterval(
        datetime(2024, 3, 9, 23, tzinfo=UTC), datetime(2024, 3, 10, 1, tzinfo=UTC)
    )
    manual = timetable.infer_manual_data_interval(run_after=START)
    assert manual.end - manual.start == timedelta(hours=2)


def test_delta_trigger_every_period_and_catching_up_to_now() -> None:
    timetable = DeltaTriggerTimetable(timedelta(hours=8))
    assert fires(timetable, 3) == [START + timedelta(hours=h) for h in (0, 8, 16)]
    now = START + timedelta(days=2, hours=3)
    latest = timetable.next_dagrun_info(
        last_automated_data_interval=None, earliest=START, catchup=False, now=now
    )
    assert latest is not None and latest.run_after == START + timedelta(days=2)


def test_events_timetable_runs_at_each_event_then_stops() -> None:
    events = [datetime(2024, 3, 12, 9), datetime(2024, 3, 11, 9), datetime(2024, 3, 20, 9)]
    timetable = EventsTimetable(event_dates=events, restrict_to_events=True)
    assert fires(timetable, 5) == [
        datetime(2024, 3, 11, 9, tzinfo=UTC),
        datetime(2024, 3, 12, 9, tzinfo=UTC),
        datetime(2024, 3, 20, 9, tzinfo=UTC),
    ]
    manual = timetable.infer_manual_data_interval(run_after=datetime(2024, 3, 15, tzinfo=UTC))
    assert manual.start == datetime(2024, 3, 12, 9, tzinfo=UTC)
