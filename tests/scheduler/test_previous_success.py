"""``prev_*_success`` and ``depends_on_past``'s previous run come from one bounded query each,
on every backend."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from scheduler_harness import SchedulerHarness

from airstream.scheduler.run_creation import store_run
from airstream.store import records as rec
from airstream.workflows.metadata_execution_store import MetadataExecutionStore
from airstream.workflows.timetables import DataInterval

START = datetime(2024, 1, 1, tzinfo=UTC)


def test_the_latest_earlier_success_is_found(harness: SchedulerHarness) -> None:
    dag = harness.dag("branching")
    states = [
        rec.DagRunState.SUCCESS,  # day 0
        rec.DagRunState.SUCCESS,  # day 1: the answer for day 3
        rec.DagRunState.FAILED,  # day 2
        rec.DagRunState.RUNNING,  # day 3: the run asking
        rec.DagRunState.SUCCESS,  # day 4: later, never an answer
    ]
    run_ids = []
    for day, state in enumerate(states):
        when = START + timedelta(days=day)
        run = store_run(
            harness.store,
            dag,
            run_type=rec.DagRunType.SCHEDULED,
            logical_date=when,
            data_interval=DataInterval(when - timedelta(days=1), when),
            run_after=when,
            triggered_by=rec.DagRunTriggeredBy.TIMETABLE,
        )
        harness.store.set_dag_run_state(dag.dag_id, run.run_id, state, rec.DagRunState.QUEUED)
        run_ids.append(run.run_id)
    execution = MetadataExecutionStore(harness.store)
    asking = execution.get_dag_run(dag.dag_id, run_ids[3])
    assert asking is not None
    found = execution.previous_success(asking)
    assert found is not None and found.run_id == run_ids[1]
    first = execution.get_dag_run(dag.dag_id, run_ids[0])
    assert first is not None and execution.previous_success(first) is None
    # depends_on_past looks at the run just before, whatever its state.
    before = execution.previous_run(asking)
    assert before is not None and before.run_id == run_ids[2]
    assert execution.previous_run(first) is None
