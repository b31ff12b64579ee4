"""The scheduler end to end on real DAG files and real task processes, SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from scheduler_harness import SchedulerHarness

from airstream.store import records as rec

TIS = rec.TaskInstanceState


def test_triggered_run_passes_xcoms_maps_and_logs(harness: SchedulerHarness) -> None:
    harness.start()
    run_id = harness.trigger("xcom_chain")
    run = harness.wait_for_run("xcom_chain", run_id)
    assert run.state == rec.DagRunState.SUCCESS
    assert run.start_date is not None and run.end_date is not None
    tis = harness.tis("xcom_chain", run_id)
    assert {k: ti.state for k, ti in tis.items()} == {
        "first": TIS.SUCCESS,
        "add_one": TIS.SUCCESS,
        "add_one__1": TIS.SUCCESS,
        "echo": TIS.SUCCESS,
        "mapped_double[0]": TIS.SUCCESS,
        "mapped_double[1]": TIS.SUCCESS,
        "mapped_double[2]": TIS.SUCCESS,
    }
    assert all(ti.try_number == 1 and ti.pid is not None for ti in tis.values())
    xcom = harness.store.get_xcom("xcom_chain", run_id, "add_one__1")
    assert xcom is not None and xcom.value == 3
    doubled = harness.store.list_xcoms("xcom_chain", run_id, task_id="mapped_double")
    assert sorted(x.value for x in doubled) == [2, 4, 6]
    log = harness.log_folder / "xcom_chain" / run_id / "echo" / "attempt=1.log"
    assert "value=3" in log.read_text()


def test_branch_skips_the_other_path(harness: SchedulerHarness) -> None:
    harness.start()
    run_id = harness.trigger("branching")
    assert harness.wait_for_run("branching", run_id).state == rec.DagRunState.SUCCESS
    states = {k: ti.state for k, ti in harness.tis("branching", run_id).items()}
    assert states == {
        "choose": TIS.SUCCESS,
        "left": TIS.SUCCESS,
        "right": TIS.SKIPPED,
        "after_right": TIS.SKIPPED,
        "join": TIS.SUCCESS,
    }


def test_retries_after_their_delay_then_succeed_or_fail(harness: SchedulerHarness) -> None:
    harness.start()
    run_id = harness.trigger("retrying")
    assert harness.wait_for_run("retrying", run_id).state == rec.DagRunState.FAILED
    tis = harness.tis("retrying", run_id)
    assert (tis["flaky"].state, tis["flaky"].try_number) == (TIS.SUCCESS, 2)
    assert (tis["hopeless"].state, tis["hopeless"].try_number) == (TIS.FAILED, 2)
    flaky_logs = harness.log_folder / "retrying" / run_id / "flaky"
    assert "first try fails" in (flaky_logs / "attempt=1.log").read_text()
    assert "Marking task as SUCCESS" in (flaky_logs / "attempt=2.log").read_text()
    # The retry started no earlier than the failed try's end plus retry_delay.
    first_try = harness.store.get_xcom("retrying", run_id, "flaky")
    assert first_try is not None and first_try.value == 2


def test_execution_timeout_fails_the_task(harness: SchedulerHarness) -> None:
    harness.start()
    run_id = harness.trigger("timing_out")
    assert harness.wait_for_run("timing_out", run_id).state == rec.DagRunState.FAILED
    ti = harness.tis("timing_out", run_id)["sleepy"]
    assert ti.state == TIS.FAILED
    log = (harness.log_folder / "timing_out" / run_id / "sleepy" / "attempt=1.log").read_text()
    assert "Timeout" in log


def test_reschedule_mode_sensor_pokes_until_done(harness: SchedulerHarness, tmp_path: Path) -> None:
    harness.start()
    run_id = harness.trigger("rescheduling", {"counter": str(tmp_path / "pokes")})
    assert harness.wait_for_run("rescheduling", run_id).state == rec.DagRunState.SUCCESS
    wait = harness.tis("rescheduling", run_id)["wait"]
    assert (wait.state, wait.try_number) == (TIS.SUCCESS, 1)
    assert (tmp_path / "pokes").read_text() == "3"
    assert len(harness.store.list_task_reschedules(wait.key)) == 2


def test_fail_fast_stops_the_run_at_the_first_failure(sqlite_harness: SchedulerHarness) -> None:
    sqlite_harness.start()
    run_id = sqlite_harness.trigger("failing_fast")
    assert sqlite_harness.wait_for_run("failing_fast", run_id).state == rec.DagRunState.FAILED
    states = {k: ti.state for k, ti in sqlite_harness.tis("failing_fast", run_id).items()}
    assert states["fails"] == TIS.FAILED
    assert states["never"] == TIS.SKIPPED
    assert {states["sleeps"], states["waits"]} <= {TIS.SKIPPED}


def test_dagrun_timeout_fails_the_run_and_kills_its_tasks(
    sqlite_harness: SchedulerHarness,
) -> None:
    sqlite_harness.start()
    run_id = sqlite_harness.trigger("run_timeout")
    assert sqlite_harness.wait_for_run("run_timeout", run_id).state == rec.DagRunState.FAILED
    assert sqlite_harness.tis("run_timeout", run_id)["sleeps"].state == TIS.SKIPPED
