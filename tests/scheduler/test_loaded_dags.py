"""The scheduler holds only the DAGs it decides about: those that make runs of their own and
those with runs. A ``schedule=None`` DAG is loaded when a run of it is triggered and
forgotten once no run of it is left."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from scheduler_harness import RecordingExecutor, register_dags, trigger

from airstream.scheduler.loop import Scheduler, SchedulerConfig
from airstream.store import open_store
from airstream.store import records as rec
from airstream.workflows.task_runner import Clock
from airstream.workflows.timetables import (
    NULL_SCHEDULE_SUMMARY,
    DeltaTriggerTimetable,
    NullTimetable,
    Timetable,
)

MANUAL = """
from datetime import datetime
from airflow import DAG
from airflow.providers.standard.operators.empty import EmptyOperator

with DAG("manual", schedule=None, start_date=datetime(2024, 1, 1)):
    EmptyOperator(task_id="only")
"""

HOURLY = """
from datetime import datetime, timedelta
from airflow import DAG
from airflow.providers.standard.operators.empty import EmptyOperator

with DAG("hourly", schedule=timedelta(hours=1), start_date=datetime(2024, 1, 1)):
    EmptyOperator(task_id="only")
"""

NOW = datetime(2024, 1, 1, 5, 30, tzinfo=UTC)


class FixedClock(Clock):
    def now(self) -> datetime:
        return NOW


def test_a_manual_dag_is_loaded_only_while_it_has_runs(tmp_path: Path) -> None:
    folder = tmp_path / "dags"
    folder.mkdir()
    (folder / "manual.py").write_text(MANUAL)
    (folder / "hourly.py").write_text(HOURLY)
    store = open_store(f"sqlite:///{tmp_path / 'airstream.db'}")
    try:
        bag = register_dags(store, folder)
        assert store.get_dag("manual").schedule == NULL_SCHEDULE_SUMMARY  # type: ignore[union-attr]
        executor = RecordingExecutor()
        scheduler = Scheduler(store, executor, config=SchedulerConfig(), clock=FixedClock())
        manual, hourly = str(folder / "manual.py"), str(folder / "hourly.py")

        scheduler.run_once()
        # The hourly DAG is read (it makes runs: without catchup, the latest interval's);
        # the manual one is not even looked at.
        assert scheduler.dags.loaded_files == {hourly}
        assert [r.dag_id for r in store.list_dag_runs()] == ["hourly"]

        run_id = trigger(store, bag.dags["manual"])
        scheduler.run_once()
        assert scheduler.dags.loaded_files == {hourly, manual}
        assert [w.task_id for w in executor.queued if w.dag_id == "manual"] == ["only"]

        # The task ends; the pass that sees it ends the run, the next one forgets the file.
        key = rec.TaskInstanceKey("manual", run_id, "only")
        store.update_ti_state(key, rec.TaskInstanceState.SUCCESS, end_date=NOW)
        executor.terminate(key)
        scheduler.run_once()
        assert store.get_dag_run("manual", run_id).state == rec.DagRunState.SUCCESS  # type: ignore[union-attr]
        scheduler.run_once()
        assert scheduler.dags.loaded_files == {hourly}
    finally:
        store.close()


def test_a_timetable_without_a_summary_of_its_own_is_not_taken_for_none() -> None:
    class EveryTwoHours(DeltaTriggerTimetable):
        def __init__(self) -> None:
            super().__init__(timedelta(hours=2))
            del self.summary  # as a timetable that never sets one

    class Bare(Timetable):
        pass

    assert EveryTwoHours().summary == "EveryTwoHours"
    assert Bare().summary == "Bare"  # Airflow's default: the type's name
    assert NullTimetable().summary == NULL_SCHEDULE_SUMMARY
