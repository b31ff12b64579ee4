"""The README's tour against a running ``airstream standalone``: a DAG file dropped into the
DAG folder is picked up without a restart, triggered through the REST API, runs to success,
and its progress arrives on ``airstream.events`` from the standalone's own broker."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition
from standalone_process import StandaloneProcess

DROPPED = """
from datetime import datetime
from airflow import DAG
from airflow.operators.bash import BashOperator
from airflow.decorators import task

with DAG("dropped_in", schedule=None, start_date=datetime(2024, 1, 1)):
    @task
    def numbers():
        return [1, 2, 3]

    numbers() >> BashOperator(task_id="report", bash_command="echo tour-ok")
"""


def wait_for(condition: Any, what: str, timeout: float = 90) -> Any:
    deadline = time.monotonic() + timeout  # a hang guard only: nothing is asserted on time
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def run_events(bootstrap: str, run_id: str) -> list[dict[str, Any]]:
    """The events of ``run_id`` on airstream.events, read from the start (no group join)."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "tour"})
    consumer.assign([TopicPartition("airstream.events", 0, OFFSET_BEGINNING)])
    found: list[dict[str, Any]] = []
    try:
        while True:
            message = consumer.poll(2.0)
            if message is None:
                return found
            if message.error() is None:
                event = json.loads(message.value())
                if event["run_id"] == run_id:
                    found.append(event)
    finally:
        consumer.close()


def test_a_dropped_dag_runs_and_reports_its_progress(standalone: StandaloneProcess) -> None:
    console = standalone.value("console")
    bootstrap = standalone.value("broker")
    password = standalone.wait_for(r"login:\s+admin / (\S+)").group(1)
    token = httpx.post(
        f"{console}/auth/token", json={"username": "admin", "password": password}, timeout=10
    ).json()["access_token"]
    api = httpx.Client(base_url=f"{console}/api/v2", headers={"Authorization": f"Bearer {token}"})

    (standalone.home / "dags" / "dropped_in.py").write_text(DROPPED)
    wait_for(lambda: api.get("/dags/dropped_in").status_code == 200, "the DAG to be parsed")
    run = api.post("/dags/dropped_in/dagRuns", json={"logical_date": None}).json()
    run_id = run["dag_run_id"]

    def finished() -> dict[str, Any] | None:
        state = api.get(f"/dags/dropped_in/dagRuns/{run_id}").json()
        return state if state["state"] in ("success", "failed") else None

    assert wait_for(finished, "the run to finish")["state"] == "success"
    log = api.get(f"/dags/dropped_in/dagRuns/{run_id}/taskInstances/report/logs/1").json()
    assert "tour-ok" in json.dumps(log)
    xcom = api.get(
        f"/dags/dropped_in/dagRuns/{run_id}/taskInstances/numbers/xcomEntries/return_value"
    ).json()
    assert "1, 2, 3" in json.dumps(xcom)

    def events_up_to_success() -> list[dict[str, Any]] | None:
        events = run_events(bootstrap, run_id)
        done = any(e["event"] == "dag_run" and e["state"] == "success" for e in events)
        return events if done else None

    events = wait_for(events_up_to_success, "the run's events")
    final = [e for e in events if e["event"] == "dag_run"]
    assert final[-1]["state"] == "success"
    tasks = {e["task_id"] for e in events if e["event"] == "task_instance"}
    assert tasks == {"numbers", "report"}
    api.close()
