"""State changes published to ``airstream.events`` by a real ``airstream scheduler``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from confluent_kafka import Consumer
from scheduler_harness import trigger, wait_for_run
from test_crash_recovery import SchedulerProcess, wait_until

from airstream.scheduler.run_requests import load_stored_dag
from airstream.store import open_store
from airstream.store import records as rec

DAG_FILE = """
from datetime import datetime
from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG("evented", schedule=None, start_date=datetime(2024, 1, 1)):
    BashOperator(task_id="first", bash_command="sleep 0.5") >> BashOperator(
        task_id="second", bash_command="exit 1"
    )
"""


def read_events(bootstrap: str, topic: str, until_run_state: str) -> list[dict[str, Any]]:
    consumer = Consumer(
        {"bootstrap.servers": bootstrap, "group.id": "t", "auto.offset.reset": "earliest"}
    )
    consumer.subscribe([topic])
    found: list[dict[str, Any]] = []
    keys: set[bytes] = set()
    try:
        for _ in range(300):
            msg = consumer.poll(0.1)
            if msg is None or msg.error():
                continue
            keys.add(msg.key())
            found.append(json.loads(msg.value()))
            if found[-1]["event"] == "dag_run" and found[-1]["state"] == until_run_state:
                break
    finally:
        consumer.close()
    assert len(keys) == 1, keys
    return found


def test_run_and_task_states_arrive_in_order(tmp_path: Path, broker: str) -> None:
    dags = tmp_path / "dags"
    dags.mkdir()
    (dags / "evented.py").write_text(DAG_FILE)
    url = f"sqlite:///{tmp_path / 'airstream.db'}"
    scheduler = SchedulerProcess(tmp_path, url)
    scheduler.env["AIRSTREAM_BOOTSTRAP_SERVERS"] = broker
    scheduler.start_args = ["--dags-folder", str(dags)]
    scheduler.start()
    store = open_store(url)
    try:
        wait_until(lambda: store.get_dag("evented") is not None, "the DAG to be parsed")
        run_id = trigger(store, load_stored_dag(store, "evented"))
        assert wait_for_run(store, "evented", run_id, 60).state == rec.DagRunState.FAILED
        events = read_events(broker, "airstream.events", "failed")
    finally:
        scheduler.stop()
        store.close()
    assert all(e["run_id"] == run_id and e["dag_id"] == "evented" for e in events)
    runs = [e["state"] for e in events if e["event"] == "dag_run"]
    assert runs == ["running", "failed"]
    per_task: dict[str, list[str]] = {}
    for e in events:
        if e["event"] == "task_instance":
            per_task.setdefault(e["task_id"], []).append(e["state"])
    # "first" sleeps long enough for a pass to see it running; "second" may be seen only
    # once it has failed. Every state is published once, in order.
    assert per_task["first"] == ["scheduled", "queued", "running", "success"]
    assert per_task["second"][:2] == ["scheduled", "queued"]
    assert per_task["second"][-1] == "failed"
    assert set(per_task["second"][2:-1]) <= {"running"}
    first_done = next(e for e in events if e.get("task_id") == "first" and e["state"] == "success")
    assert first_done["try_number"] == 1 and first_done["end_date"] is not None
    assert events[-1]["end_date"] is not None


def test_events_are_configurable_and_can_be_turned_off(tmp_path: Path) -> None:
    from airstream.config import load_settings
    from airstream.scheduler.service import state_observer
    from airstream.scheduler.state_events import EventPublisher

    env = {"AIRSTREAM_HOME": str(tmp_path), "AIRSTREAM_EVENTS_TOPIC": "pipeline.progress"}
    env["AIRSTREAM_EVENTS_BOOTSTRAP_SERVERS"] = "kafka.example:9092"
    publisher = state_observer(load_settings(env))
    assert isinstance(publisher, EventPublisher)
    assert (publisher.topic, publisher.bootstrap_servers) == (
        "pipeline.progress",
        "kafka.example:9092",
    )
    off = state_observer(load_settings({**env, "AIRSTREAM_EVENTS_ENABLED": "false"}))
    assert not isinstance(off, EventPublisher)
