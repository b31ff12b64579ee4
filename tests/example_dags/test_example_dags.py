"""The example DAGs shipped with airstream: loaded (or not), and each runs to success."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from confluent_kafka import Consumer, TopicPartition

from airstream.config import CoreSettings, Settings
from airstream.scheduler.processor.dag_processor import DagProcessor
from airstream.store import open_store

EXAMPLE_DAG_IDS = [
    "example_ml_train_deploy",
    "example_orders_etl",
    "example_orders_producer",
    "example_tutorial",
]


def airstream(home: Path, *args: str, broker: str | None = None, examples: str = "true") -> str:
    env = {**os.environ, "AIRSTREAM_HOME": str(home), "AIRSTREAM_LOAD_EXAMPLES": examples}
    env.pop("AIRSTREAM_BOOTSTRAP_SERVERS", None)
    if broker is not None:
        env["AIRSTREAM_BOOTSTRAP_SERVERS"] = broker
    result = subprocess.run(
        [sys.executable, "-m", "airstream", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def dag_test(home: Path, dag_id: str, *args: str, broker: str | None = None) -> str:
    out = airstream(home, "dags", "test", dag_id, *args, broker=broker)
    assert f"of {dag_id} finished: success" in out, out
    return out


def task_states(out: str) -> dict[str, str]:
    """``task_id -> state`` from the table ``dags test`` prints."""
    states = {}
    for line in out.splitlines():
        cells = [cell.strip() for cell in line.split("|")]
        if len(cells) == 5 and cells[0] not in ("task_id", ""):
            states[cells[0]] = cells[2]
    return states


def read_topic(bootstrap: str, topic: str, count: int) -> list[Any]:
    """The first ``count`` records of partition 0 of ``topic``."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"test-{topic}"})
    consumer.assign([TopicPartition(topic, 0, 0)])
    records: list[Any] = []
    deadline = time.monotonic() + 30
    try:
        while len(records) < count and time.monotonic() < deadline:
            message = consumer.poll(0.5)
            if message is not None and message.error() is None:
                records.append(message)
    finally:
        consumer.close()
    return records


def as_trigger_record(message: Any) -> dict[str, Any]:
    """A record as the topic trigger puts it into ``dag_run.conf["records"]``."""
    return {
        "topic": message.topic(),
        "partition": message.partition(),
        "offset": message.offset(),
        "timestamp": message.timestamp()[1],
        "key": message.key().decode() if message.key() is not None else None,
        "value": message.value().decode() if message.value() is not None else None,
        "headers": {},
    }


# -- loading -----------------------------------------------------------------------------------


def test_dags_list_shows_the_examples_unless_switched_off(tmp_path: Path) -> None:
    listed = json.loads(airstream(tmp_path, "dags", "list", "-o", "json"))
    assert {row["dag_id"] for row in listed} == set(EXAMPLE_DAG_IDS)
    assert all("example" in row["tags"].split(",") for row in listed)
    off = airstream(tmp_path, "dags", "list", "-o", "json", examples="false")
    assert json.loads(off) == []


@pytest.mark.parametrize("load_examples", [True, False])
def test_the_dag_processor_stores_the_examples_when_asked(
    tmp_path: Path, load_examples: bool
) -> None:
    folder = tmp_path / "dags"
    folder.mkdir()
    (folder / "mine.py").write_text(
        "from airflow import DAG\nwith DAG('mine', schedule=None):\n    pass\n"
    )
    settings = Settings(
        home=tmp_path / "home", core=CoreSettings(dags_folder=folder, load_examples=load_examples)
    )
    with open_store(f"sqlite:///{tmp_path / 'meta.db'}") as store:
        with DagProcessor(settings, store, pool_size=1) as processor:
            result = processor.refresh()
        assert not result.import_errors, result.import_errors
        stored = sorted(dag.dag_id for dag in store.list_dags())
    assert stored == sorted(["mine", *(EXAMPLE_DAG_IDS if load_examples else [])])


# -- running -----------------------------------------------------------------------------------


def test_tutorial(tmp_path: Path) -> None:
    out = dag_test(tmp_path, "example_tutorial")
    assert task_states(out) == {"print_date": "success", "sleep": "success", "templated": "success"}


def test_orders_producer_then_etl_into_the_warehouse(tmp_path: Path, broker: str) -> None:
    dag_test(tmp_path, "example_orders_producer", "2026-11-25T16:05:00+00:00", broker=broker)
    messages = read_topic(broker, "orders", 20)
    assert len(messages) == 20
    records = [as_trigger_record(m) for m in messages]
    orders = [json.loads(r["value"]) for r in records]
    assert all(o["order_id"] == r["key"] for o, r in zip(orders, records, strict=True))
    assert {o["ts"][:16] for o in orders} == {"2026-11-25T16:05"}
    # The same logical date gives the same batch (what makes re-sends recognisable).
    dag_test(tmp_path, "example_orders_producer", "2026-11-25T16:05:00+00:00", broker=broker)
    again = [json.loads(m.value()) for m in read_topic(broker, "orders", 40)[20:]]
    assert again == orders

    bad = [
        {**records[0], "offset": 1000, "value": "not json"},
        {**records[0], "offset": 1001, "value": None, "value_b64": "AAE="},
        {
            **records[0],
            "offset": 1002,
            "value": json.dumps({**orders[0], "order_id": "x", "amount": -1}),
        },
    ]
    conf = json.dumps({"topic": "orders", "records": [*records, *bad]})
    out = dag_test(tmp_path, "example_orders_etl", "-c", conf)
    assert task_states(out) == {"transform": "success", "load": "success"}

    expected: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0, 0.0])
    valid = [o for o in orders if isinstance(o["amount"], (int, float))]
    for order in valid:
        minute = datetime.fromisoformat(order["ts"]).astimezone(UTC).replace(second=0)
        totals = expected[(minute.isoformat(), order["region"])]
        totals[0] += 1
        totals[1] += order["amount"]
    rejected = len(orders) - len(valid) + len(bad)
    assert f"'rejected': {rejected}" in out

    warehouse = tmp_path / "warehouse" / "warehouse.db"

    def totals() -> dict[tuple[str, str], list[float]]:
        with sqlite3.connect(warehouse) as db:
            rows = db.execute("SELECT minute, region, orders, revenue FROM sales_by_minute")
            return {(m, r): [n, round(rev, 2)] for m, r, n, rev in rows}

    want = {key: [n, round(rev, 2)] for key, (n, rev) in expected.items()}
    assert totals() == want
    assert all(key[0] == "2026-11-25T16:05:00+00:00" for key in want)

    # A re-delivered batch (a retry, or the producer's re-sent minute) counts nothing twice.
    redelivered = [as_trigger_record(m) for m in read_topic(broker, "orders", 40)[20:]]
    dag_test(tmp_path, "example_orders_etl", "-c", json.dumps({"records": redelivered}))
    dag_test(tmp_path, "example_orders_etl", "-c", conf)
    assert totals() == want


def test_ml_train_deploy_both_branches(tmp_path: Path, broker: str) -> None:
    models = tmp_path / "models" / "breast_cancer_classifier"
    deploy = json.dumps({"accuracy_threshold": 0.5})
    first = dag_test(tmp_path, "example_ml_train_deploy", "-c", deploy, broker=broker)
    assert task_states(first) == {
        "train": "success",
        "validate": "success",
        "deploy": "success",
        "reject": "skipped",
        "publish_deployed": "success",
    }
    dag_test(tmp_path, "example_ml_train_deploy", "-c", deploy, broker=broker)
    assert sorted(p.name for p in models.iterdir()) == ["v1", "v2"]
    for version in ("v1", "v2"):
        assert sorted(p.name for p in (models / version).iterdir()) == [
            "metrics.json",
            "model.joblib",
        ]
        metrics = json.loads((models / version / "metrics.json").read_text())
        assert 0.5 <= metrics["accuracy"] <= 1.0

    strict = json.dumps({"accuracy_threshold": 0.9999})
    rejected = dag_test(tmp_path, "example_ml_train_deploy", "-c", strict, broker=broker)
    states = task_states(rejected)
    assert (states["reject"], states["deploy"], states["publish_deployed"]) == (
        "success",
        "skipped",
        "skipped",
    )
    assert sorted(p.name for p in models.iterdir()) == ["v1", "v2"]  # no candidate left behind

    events = [json.loads(m.value()) for m in read_topic(broker, "models.deployed", 2)]
    assert [(e["model"], e["version"]) for e in events] == [
        ("breast_cancer_classifier", 1),
        ("breast_cancer_classifier", 2),
    ]
    assert events[1]["path"] == str(models / "v2")
