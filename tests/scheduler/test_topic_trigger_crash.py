"""``kill -9`` of a real ``airstream scheduler`` while records stream in, then a restart:
every record is in exactly one run (no loss, no duplicate), because a batch's run and the
DAG's positions past it are stored in one transaction and the consumer resumes from there.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from confluent_kafka import Producer
from scheduler_harness import register_dags
from test_crash_recovery import SchedulerProcess
from topic_support import new_topic, positions_of, run_records, topic_runs, wait_until, write_dag

from airstream.store import MetadataStore, open_store

RECORDS = 400


def scheduler_process(home: Path, url: str, dags: Path) -> SchedulerProcess:
    """``airstream scheduler`` in a child process; the test wrote the DAG rows."""
    process = SchedulerProcess(home, url)
    process.env["AIRSTREAM_LOAD_EXAMPLES"] = "false"
    process.start_args = ["--dags-folder", str(dags), "--no-dag-processor"]
    return process


class StreamingProducer(threading.Thread):
    """Produces ``RECORDS`` records a few at a time, so the kill lands mid-stream."""

    def __init__(self, bootstrap: str, topic: str) -> None:
        super().__init__(daemon=True)
        self.producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 1})
        self.topic = topic
        self.delivered: list[tuple[int, int]] = []
        self.failed: list[str] = []

    def run(self) -> None:
        def on_delivery(err: object, msg: object) -> None:
            if err is not None:
                self.failed.append(str(err))
            else:
                self.delivered.append((msg.partition(), msg.offset()))  # type: ignore[attr-defined]

        for i in range(RECORDS):
            self.producer.produce(
                self.topic, key=f"k{i}", value=f"v{i}", partition=i % 2, on_delivery=on_delivery
            )
            if i % 4 == 3:
                self.producer.flush(30)
                time.sleep(0.01)
        self.producer.flush(30)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[MetadataStore]:
    opened = open_store(f"sqlite:///{tmp_path / 'airstream.db'}")
    yield opened
    opened.close()


NATIVE = """
with DAG("streamed", schedule=Topic("{topic}", bootstrap_servers="{broker}",
         max_records=7, max_wait=timedelta(seconds=0.1), start_from="earliest")):
    EmptyOperator(task_id="handle")
"""
AIRFLOW = """
from airflow.providers.common.messaging.triggers.msg_queue import MessageQueueTrigger
from airflow.sdk import Asset, AssetWatcher

trigger = MessageQueueTrigger(
    queue="kafka://{broker}/{topic}", max_records=7, max_wait=0.1, start_from="earliest"
)
orders = Asset("orders", watchers=[AssetWatcher(name="w", trigger=trigger)])
with DAG("streamed", schedule=[orders]):
    EmptyOperator(task_id="handle")
"""


@pytest.mark.parametrize("form", ["native", "airflow"])
def test_kill_9_mid_stream_loses_and_repeats_nothing(
    broker: str, tmp_path: Path, store: MetadataStore, form: str
) -> None:
    kills = 2
    topic = new_topic(broker)
    dags = tmp_path / "dags"
    body = NATIVE if form == "native" else AIRFLOW
    write_dag(dags, "streamed", body.format(topic=topic, broker=broker))
    register_dags(store, dags)  # (tests/conftest.py leaves the example DAGs out)
    scheduler = scheduler_process(tmp_path, f"sqlite:///{tmp_path / 'airstream.db'}", dags)
    producer = StreamingProducer(broker, topic)
    try:
        scheduler.start()
        producer.start()
        for kill in range(kills):
            seen = len(topic_runs(store, "streamed"))
            wait_until(
                lambda seen=seen: len(topic_runs(store, "streamed")) >= seen + 3,  # type: ignore[misc]
                "runs to appear",
            )
            scheduler.kill()
            assert producer.is_alive() or kill > 0, "the stream ended before the kill"
            scheduler.start()
        producer.join(60)
        assert not producer.failed and len(producer.delivered) == RECORDS
        wait_until(lambda: len(run_records(store, "streamed")) >= RECORDS, "every record in a run")
        records = run_records(store, "streamed")
        assert sorted(positions_of(records)) == sorted(producer.delivered)  # each once
        runs = topic_runs(store, "streamed")
        assert all(len(r.conf["records"]) <= 7 for r in runs)
        if form == "airflow":  # one asset event per run, carrying the run's records
            for run in runs:
                events = store.list_run_asset_events("streamed", run.run_id)
                assert [e.extra["payload"] for e in events] == [run.conf]
    finally:
        scheduler.stop()
        log = (tmp_path / "scheduler.log").read_text(errors="replace")
        print(log[-3000:])
