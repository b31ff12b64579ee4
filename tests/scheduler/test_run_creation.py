"""Runs created by schedule, with an injected clock: dates and data intervals as in Airflow 3."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from scheduler_harness import RecordingExecutor, SchedulerHarness

from airstream.scheduler.loop import Scheduler
from airstream.scheduler.run_creation import due_runs
from airstream.store import records as rec
from airstream.store.queries import DagRunQuery


class FakeClock:
    """A clock the test moves by hand; sleeping is not allowed."""

    def __init__(self, now: datetime) -> None:
        self.current = now

    def now(self) -> datetime:
        return self.current

    def sleep(self, seconds: float) -> None:
        raise AssertionError("the scheduler must not sleep")


def day(d: int, hour: int = 0) -> datetime:
    return datetime(2024, 1, d, hour, tzinfo=UTC)


def scheduler_at(harness: SchedulerHarness, now: datetime) -> tuple[Scheduler, FakeClock]:
    clock = FakeClock(now)
    scheduler = Scheduler(harness.store, RecordingExecutor(), clock=clock)
    scheduler.start()
    return scheduler, clock


def runs_of(harness: SchedulerHarness, dag_id: str) -> list[rec.DagRun]:
    runs = harness.store.list_dag_runs(DagRunQuery(dag_ids=[dag_id]))
    return sorted(runs, key=lambda r: r.logical_date or day(1))


def intervals(runs: list[rec.DagRun]) -> list[tuple[datetime | None, datetime | None]]:
    return [(r.data_interval_start, r.data_interval_end) for r in runs]


def test_timedelta_schedule_with_catchup_runs_every_missed_interval(
    scheduled_harness: SchedulerHarness,
) -> None:
    scheduler, _ = scheduler_at(scheduled_harness, day(4, 12))
    scheduler.run_once()
    runs = runs_of(scheduled_harness, "every_day_catchup")
    assert intervals(runs) == [(day(1), day(2)), (day(2), day(3)), (day(3), day(4))]
    assert [r.logical_date for r in runs] == [day(1), day(2), day(3)]
    assert [r.run_after for r in runs] == [day(2), day(3), day(4)]
    assert {r.run_type for r in runs} == {rec.DagRunType.SCHEDULED}
    assert runs[0].run_id == "scheduled__2024-01-01T00:00:00+00:00"
    # Every run gets its task instances at once, and all may run (16 active runs allowed).
    assert {r.state for r in runs_of(scheduled_harness, "every_day_catchup")} == {
        rec.DagRunState.RUNNING
    }
    assert [
        ti.task_id
        for ti in scheduled_harness.store.list_run_tis("every_day_catchup", runs[0].run_id)
    ] == ["noop"]


def test_without_catchup_only_the_latest_interval_runs(
    scheduled_harness: SchedulerHarness,
) -> None:
    scheduler, _ = scheduler_at(scheduled_harness, day(4, 12))
    scheduler.run_once()
    runs = runs_of(scheduled_harness, "every_day_no_catchup")
    assert intervals(runs) == [(day(3, 12), day(4, 12))]


def test_cron_presets_fire_at_their_times_with_empty_intervals(
    scheduled_harness: SchedulerHarness,
) -> None:
    scheduler, _ = scheduler_at(scheduled_harness, day(3, 12))
    scheduler.run_once()
    runs = runs_of(scheduled_harness, "daily_cron")
    # Airflow 3: a cron schedule triggers at its fire times; the data interval is empty.
    assert [r.logical_date for r in runs] == [day(1), day(2), day(3)]
    assert intervals(runs) == [(day(1), day(1)), (day(2), day(2)), (day(3), day(3))]


def test_end_date_stops_the_schedule(scheduled_harness: SchedulerHarness) -> None:
    scheduler, clock = scheduler_at(scheduled_harness, day(2))
    scheduler.run_once()
    runs = runs_of(scheduled_harness, "hourly_cron_ending")
    assert [r.logical_date for r in runs] == [day(1, h) for h in range(4)]
    clock.current = day(5)
    scheduler.run_once()
    assert len(runs_of(scheduled_harness, "hourly_cron_ending")) == 4


def test_once_runs_once_and_none_never(scheduled_harness: SchedulerHarness) -> None:
    scheduler, clock = scheduler_at(scheduled_harness, day(2))
    scheduler.run_once()
    clock.current = day(9)
    scheduler.run_once()
    assert [r.logical_date for r in runs_of(scheduled_harness, "just_once")] == [day(1)]
    assert runs_of(scheduled_harness, "unscheduled") == []


def test_moving_clock_creates_the_next_run_when_due(scheduled_harness: SchedulerHarness) -> None:
    scheduler, clock = scheduler_at(scheduled_harness, day(2))
    scheduler.run_once()
    assert intervals(runs_of(scheduled_harness, "every_day_catchup")) == [(day(1), day(2))]
    model = scheduled_harness.store.get_dag("every_day_catchup")
    assert model is not None
    assert (model.next_dagrun, model.next_dagrun_create_after) == (day(2), day(3))
    clock.current = day(3) - timedelta(microseconds=1)
    scheduler.run_once()
    assert len(runs_of(scheduled_harness, "every_day_catchup")) == 1
    clock.current = day(3)
    scheduler.run_once()
    assert intervals(runs_of(scheduled_harness, "every_day_catchup")) == [
        (day(1), day(2)),
        (day(2), day(3)),
    ]


def test_a_restarted_scheduler_continues_after_the_last_run(
    scheduled_harness: SchedulerHarness,
) -> None:
    first, _ = scheduler_at(scheduled_harness, day(3))
    first.run_once()
    second, _ = scheduler_at(scheduled_harness, day(4))
    second.run_once()
    assert [r.logical_date for r in runs_of(scheduled_harness, "every_day_catchup")] == [
        day(1),
        day(2),
        day(3),
    ]


def test_paused_dags_get_no_runs(scheduled_harness: SchedulerHarness) -> None:
    scheduled_harness.store.set_paused("every_day_catchup", True)
    scheduler, _ = scheduler_at(scheduled_harness, day(4))
    scheduler.run_once()
    assert runs_of(scheduled_harness, "every_day_catchup") == []


def test_due_runs_is_bounded_per_pass(scheduled_harness: SchedulerHarness) -> None:
    dag = scheduled_harness.dag("every_day_catchup")
    due, upcoming = due_runs(dag, None, datetime(2024, 3, 1, tzinfo=UTC), limit=5)
    assert [info.logical_date for info in due] == [day(d) for d in range(1, 6)]
    assert upcoming is not None and upcoming.logical_date == day(6)


def test_backfill_runs_are_run_and_not_scheduled_again(
    scheduled_harness: SchedulerHarness,
) -> None:
    from scheduler_harness import wait_for_run

    from airstream.scheduler.run_requests import create_backfill

    result = create_backfill(
        scheduled_harness.store, "every_day_catchup", day(1), day(3), now=day(9)
    )
    assert [r.logical_date for r in result.created] == [day(1), day(2), day(3)]
    for dag_id in ("daily_cron", "hourly_cron_ending", "just_once", "every_day_no_catchup"):
        scheduled_harness.store.set_paused(dag_id, True)
    clock = FakeClock(day(4, 12))
    scheduled_harness.start(clock=clock)
    for run in result.created:
        finished = wait_for_run(scheduled_harness.store, run.dag_id, run.run_id, timeout=60)
        assert finished.state == rec.DagRunState.SUCCESS
    scheduled_harness.stop()
    runs = runs_of(scheduled_harness, "every_day_catchup")
    assert [(r.run_type, r.logical_date) for r in runs] == [
        (rec.DagRunType.BACKFILL, day(1)),
        (rec.DagRunType.BACKFILL, day(2)),
        (rec.DagRunType.BACKFILL, day(3)),
    ]
