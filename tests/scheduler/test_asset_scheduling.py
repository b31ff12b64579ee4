"""Asset-scheduled DAGs: a task's outlets record asset events; DAGs scheduled on assets
(``[a, b]``, ``a & b``, ``a | b``, ``AssetOrTimeSchedule``) run once their condition holds,
consuming the events queued since their last asset-triggered run, and their tasks see them
in ``triggering_asset_events`` and ``inlet_events``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from scheduler_harness import SchedulerHarness
from topic_support import topic_runs, wait_until, write_dag

from airstream.store import records as rec

HEADER = """
from airflow.sdk import DAG, Asset, Metadata
from airflow.providers.standard.operators.python import PythonOperator
from airflow.timetables.trigger import CronTriggerTimetable
from airflow.timetables.assets import AssetOrTimeSchedule

a = Asset("a", uri="s3://bucket/a")
b = Asset("b", uri="s3://bucket/b")


def update_a(outlet_events, **context):
    outlet_events[a].extra = {"rows": 3}


def update_b():
    yield Metadata(b, {"rows": 4})


def seen(triggering_asset_events, inlet_events, **context):
    return {
        "triggering": sorted(
            [asset.name, event.extra.get("rows"), event.source_dag_id]
            for asset, events in triggering_asset_events.items()
            for event in events
        ),
        "inlet_a": len(inlet_events[a]),
    }
"""

CONSUMERS = {
    "all_of_list": "[a, b]",
    "all_of_and": "a & b",
    "any_of": "a | b",
    "asset_or_time": 'AssetOrTimeSchedule(timetable=CronTriggerTimetable("0 0 1 1 *"), assets=a)',
}


@pytest.fixture
def harness(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[SchedulerHarness]:
    monkeypatch.setenv("AIRSTREAM_LOAD_EXAMPLES", "false")
    dags = tmp_path / "dags"
    write_dag(
        dags,
        "producers",
        """
        with DAG("produce_a", schedule=None):
            PythonOperator(task_id="update", python_callable=update_a, outlets=[a])
        with DAG("produce_b", schedule=None):
            PythonOperator(task_id="update", python_callable=update_b, outlets=[b])
        """,
        header=HEADER,
    )
    body = "".join(
        f"""
with DAG("{dag_id}", schedule={schedule}):
    PythonOperator(task_id="seen", python_callable=seen, inlets=[a])
"""
        for dag_id, schedule in CONSUMERS.items()
    )
    write_dag(dags, "consumers", body, header=HEADER)
    with SchedulerHarness(database_url, tmp_path, dags) as opened:
        yield opened


def seen_by(harness: SchedulerHarness, dag_id: str) -> list[object]:
    """What each asset-triggered run's task saw, oldest run first."""
    found = []
    for run in topic_runs(harness.store, dag_id):
        harness.wait_for_run(dag_id, run.run_id)
        entry = harness.store.get_xcom(dag_id, run.run_id, "seen")
        assert entry is not None
        found.append(entry.value)
    return found


def test_conditions_over_queued_events(harness: SchedulerHarness) -> None:
    harness.start()
    wait_until(
        lambda: all(harness.store.get_asset_watermark(d) is not None for d in CONSUMERS),
        "the consumers to be seen",
    )
    first = harness.trigger("produce_a")
    assert harness.wait_for_run("produce_a", first).state == rec.DagRunState.SUCCESS
    events = harness.store.list_asset_events()
    assert [(e.name, e.uri, e.extra, e.source_dag_id, e.source_task_id) for e in events] == [
        ("a", "s3://bucket/a", {"rows": 3}, "produce_a", "update")
    ]
    wait_until(lambda: len(topic_runs(harness.store, "any_of")) == 1, "the run of a | b")
    wait_until(lambda: len(topic_runs(harness.store, "asset_or_time")) == 1, "asset or time")
    # Evaluated in the same pass as a | b: a alone does not satisfy a & b.
    assert topic_runs(harness.store, "all_of_list") == []
    assert topic_runs(harness.store, "all_of_and") == []

    second = harness.trigger("produce_b")
    assert harness.wait_for_run("produce_b", second).state == rec.DagRunState.SUCCESS
    for dag_id in ("all_of_list", "all_of_and"):
        wait_until(lambda d=dag_id: len(topic_runs(harness.store, d)) == 1, dag_id)  # type: ignore[misc]
    wait_until(lambda: len(topic_runs(harness.store, "any_of")) == 2, "the second a | b run")

    both = {"triggering": [["a", 3, "produce_a"], ["b", 4, "produce_b"]], "inlet_a": 1}
    assert seen_by(harness, "all_of_list") == [both]
    assert seen_by(harness, "all_of_and") == [both]
    assert seen_by(harness, "any_of") == [
        {"triggering": [["a", 3, "produce_a"]], "inlet_a": 1},
        {"triggering": [["b", 4, "produce_b"]], "inlet_a": 1},
    ]
    assert seen_by(harness, "asset_or_time") == [
        {"triggering": [["a", 3, "produce_a"]], "inlet_a": 1}
    ]
    for run in topic_runs(harness.store, "all_of_and"):
        assert run.run_type == rec.DagRunType.ASSET_TRIGGERED
        assert run.triggered_by == rec.DagRunTriggeredBy.ASSET
