"""The rules that find attempts whose process is gone, and how such an attempt is failed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from scheduler_harness import SchedulerHarness

from airstream.scheduler.recovery import fail_attempt, find_orphans, find_zombies
from airstream.store import open_store
from airstream.store import records as rec

TIS = rec.TaskInstanceState
NOW = datetime(2024, 1, 1, 12, tzinfo=UTC)


def running(task_id: str, **fields: object) -> rec.TaskInstance:
    values: dict[str, object] = {
        "state": TIS.RUNNING,
        "hostname": "here",
        "pid": 100,
        "last_heartbeat_at": NOW,
    }
    values.update(fields)
    return rec.TaskInstance("dag", "run", task_id, **values)  # type: ignore[arg-type]


def test_zombies_are_dead_local_pids_or_silent_heartbeats() -> None:
    tis = [
        running("alive"),
        running("dead_pid", pid=200),
        running("silent", last_heartbeat_at=NOW - timedelta(minutes=5)),
        running("other_host", hostname="there", pid=200),
        running("tracked", pid=200),
        rec.TaskInstance("dag", "run", "done", state=TIS.SUCCESS, hostname="here", pid=200),
    ]
    found = find_zombies(
        tis,
        NOW,
        timedelta(minutes=1),
        hostname="here",
        is_alive=lambda pid: pid == 100,
        tracked={rec.TaskInstanceKey("dag", "run", "tracked")},
    )
    assert [ti.task_id for ti in found] == ["dead_pid", "silent"]


def test_orphans_are_queued_instances_nobody_tracks() -> None:
    queued = rec.TaskInstance("dag", "run", "q", state=TIS.QUEUED)
    tracked = rec.TaskInstance("dag", "run", "t", state=TIS.QUEUED)
    assert find_orphans([queued, tracked, running("r")], {tracked.key}) == [queued]


def test_fail_attempt_retries_while_tries_remain(sqlite_harness: SchedulerHarness) -> None:
    store = sqlite_harness.store
    run_id = sqlite_harness.trigger("killed_midway")
    key = rec.TaskInstanceKey("killed_midway", run_id, "survivor")
    store.update_ti_state(key, TIS.RUNNING, try_number=1, max_tries=1, start_date=NOW)
    ti = store.get_ti(key)
    assert ti is not None
    assert fail_attempt(store, ti, NOW) == TIS.UP_FOR_RETRY
    # A second verdict on the same (stale) row changes nothing: compare-and-set.
    assert fail_attempt(store, ti, NOW) is None
    store.update_ti_state(key, TIS.RUNNING, try_number=2)
    ti = store.get_ti(key)
    assert ti is not None and fail_attempt(store, ti, NOW) == TIS.FAILED


def test_restart_requeues_orphans_and_fails_dead_attempts(
    sqlite_harness: SchedulerHarness, tmp_path: Path
) -> None:
    from scheduler_harness import RecordingExecutor

    from airstream.scheduler.loop import Scheduler

    store = sqlite_harness.store
    run_id = sqlite_harness.trigger("killed_midway")
    store.set_dag_run_state("killed_midway", run_id, rec.DagRunState.RUNNING)
    queued = rec.TaskInstanceKey("killed_midway", run_id, "survivor")
    dead = rec.TaskInstanceKey("killed_midway", run_id, "casualty")
    store.update_ti_state(queued, TIS.QUEUED)
    store.update_ti_state(
        dead,
        TIS.RUNNING,
        try_number=1,
        pid=2**22 + 12345,
        hostname=__import__("socket").gethostname(),
    )
    executor = RecordingExecutor()
    Scheduler(store, executor).start()
    survivor, casualty = store.get_ti(queued), store.get_ti(dead)
    assert survivor is not None and casualty is not None
    assert survivor.state == TIS.SCHEDULED
    assert casualty.state == TIS.FAILED
    with open_store(sqlite_harness.url) as other:
        assert other.get_ti(dead).state == TIS.FAILED  # type: ignore[union-attr]


def test_a_silent_task_process_is_killed_and_retried(sqlite_harness: SchedulerHarness) -> None:
    import os
    import signal
    import time

    sqlite_harness.start(heartbeat_timeout=1.0)
    run_id = sqlite_harness.trigger("stalling")
    key = rec.TaskInstanceKey("stalling", run_id, "stalls_once")
    deadline = time.monotonic() + 30
    ti = sqlite_harness.store.get_ti(key)
    while (
        ti is None or ti.state != TIS.RUNNING or ti.try_number != 1
    ) and time.monotonic() < deadline:
        time.sleep(0.05)
        ti = sqlite_harness.store.get_ti(key)
    assert ti is not None and ti.pid is not None
    os.kill(ti.pid, signal.SIGSTOP)  # alive, but its heartbeat stops
    run = sqlite_harness.wait_for_run("stalling", run_id)
    ti = sqlite_harness.store.get_ti(key)
    assert run.state == rec.DagRunState.SUCCESS
    assert ti is not None and (ti.state, ti.try_number) == (TIS.SUCCESS, 2)
