"""Pools, max_active_tasks, max_active_runs, priority weights and parallelism.

Decisions are checked with an executor that only records what it was given; the limits are
then checked again with real task processes, each of which fails if another one runs at the
same time (an exclusive probe file).
"""

from __future__ import annotations

from pathlib import Path

from scheduler_harness import RecordingExecutor, SchedulerHarness

from airstream.scheduler.loop import Scheduler
from airstream.store import records as rec
from airstream.store.queries import DagRunQuery

TIS = rec.TaskInstanceState


def recording(
    harness: SchedulerHarness, parallelism: int = 32
) -> tuple[Scheduler, RecordingExecutor]:
    executor = RecordingExecutor(parallelism)
    scheduler = Scheduler(harness.store, executor)
    scheduler.start()
    return scheduler, executor


def test_a_pool_of_one_slot_queues_one_task(sqlite_harness: SchedulerHarness) -> None:
    sqlite_harness.store.set_pool(rec.Pool("single", 1))
    scheduler, executor = recording(sqlite_harness)
    sqlite_harness.trigger("pooled")
    scheduler.run_once()
    scheduler.run_once()
    assert len(executor.queued) == 1


def test_a_missing_pool_queues_nothing(sqlite_harness: SchedulerHarness) -> None:
    scheduler, executor = recording(sqlite_harness)
    run_id = sqlite_harness.trigger("pooled")
    scheduler.run_once()
    assert executor.queued == []
    assert {ti.state for ti in sqlite_harness.store.list_run_tis("pooled", run_id)} == {
        TIS.SCHEDULED
    }


def test_max_active_tasks_queues_one_task(sqlite_harness: SchedulerHarness) -> None:
    scheduler, executor = recording(sqlite_harness)
    sqlite_harness.trigger("one_task_at_a_time")
    scheduler.run_once()
    scheduler.run_once()
    assert len(executor.queued) == 1


def test_parallelism_bounds_queued_tasks(sqlite_harness: SchedulerHarness) -> None:
    scheduler, executor = recording(sqlite_harness, parallelism=1)
    sqlite_harness.trigger("killed_midway")
    sqlite_harness.trigger("killed_midway", run_id="second")
    scheduler.run_once()
    assert len(executor.queued) == 1


def test_max_active_runs_keeps_later_runs_queued(sqlite_harness: SchedulerHarness) -> None:
    scheduler, _ = recording(sqlite_harness)
    for _ in range(3):
        sqlite_harness.trigger("one_run_at_a_time")
    scheduler.run_once()
    runs = sqlite_harness.store.list_dag_runs(DagRunQuery(dag_ids=["one_run_at_a_time"]))
    states = sorted(r.state for r in runs)
    assert states == [rec.DagRunState.QUEUED, rec.DagRunState.QUEUED, rec.DagRunState.RUNNING]


def test_higher_priority_weight_is_queued_first(sqlite_harness: SchedulerHarness) -> None:
    sqlite_harness.store.set_pool(rec.Pool("single", 1))
    scheduler, executor = recording(sqlite_harness)
    sqlite_harness.trigger("prioritized")
    scheduler.run_once()
    assert [w.task_id for w in executor.queued] == ["high"]


def test_limits_hold_with_real_task_processes(
    sqlite_harness: SchedulerHarness, tmp_path: Path
) -> None:
    sqlite_harness.store.set_pool(rec.Pool("single", 1))
    sqlite_harness.start()
    probe = {"probe": str(tmp_path / "probe")}
    runs = [
        ("pooled", sqlite_harness.trigger("pooled", {"probe": str(tmp_path / "pool-probe")})),
        ("one_task_at_a_time", sqlite_harness.trigger("one_task_at_a_time", probe)),
    ]
    runs += [
        (
            "one_run_at_a_time",
            sqlite_harness.trigger("one_run_at_a_time", {"probe": str(tmp_path / "run-probe")}),
        )
        for _ in range(3)
    ]
    for dag_id, run_id in runs:
        assert sqlite_harness.wait_for_run(dag_id, run_id).state == rec.DagRunState.SUCCESS


def test_priority_order_with_real_task_processes(
    sqlite_harness: SchedulerHarness, tmp_path: Path
) -> None:
    sqlite_harness.store.set_pool(rec.Pool("single", 1))
    order_file = tmp_path / "order.txt"
    run_id = sqlite_harness.trigger("prioritized", {"order_file": str(order_file)})
    sqlite_harness.start()
    assert sqlite_harness.wait_for_run("prioritized", run_id).state == rec.DagRunState.SUCCESS
    assert order_file.read_text().split() == ["high", "middle", "low"]


def test_max_active_tis_per_dagrun_limits_mapped_copies(
    sqlite_harness: SchedulerHarness, tmp_path: Path
) -> None:
    scheduler, executor = recording(sqlite_harness)
    sqlite_harness.trigger("mapped_one_at_a_time", {"probe": str(tmp_path / "probe")})
    scheduler.run_once()
    scheduler.run_once()
    assert [(w.task_id, w.map_index) for w in executor.queued] == [("copy", 0)]


def test_mapped_copies_run_one_at_a_time_in_real_processes(
    sqlite_harness: SchedulerHarness, tmp_path: Path
) -> None:
    sqlite_harness.start()
    run_id = sqlite_harness.trigger("mapped_one_at_a_time", {"probe": str(tmp_path / "probe")})
    run = sqlite_harness.wait_for_run("mapped_one_at_a_time", run_id)
    assert run.state == rec.DagRunState.SUCCESS
    copies = sqlite_harness.store.list_xcoms("mapped_one_at_a_time", run_id, task_id="copy")
    assert sorted(x.value for x in copies) == [1, 2, 3]
