"""Topic-triggered DAGs: records on a topic become runs carrying them, each exactly once.

Real broker processes (airstream's, and Tansu), real confluent-kafka producers, a scheduler
with a LocalExecutor serving in a thread over a real store; DAG files are written per test.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from confluent_kafka import Consumer, TopicPartition
from scheduler_harness import SchedulerHarness
from topic_support import (
    add_partitions,
    new_topic,
    positions_of,
    produce,
    run_records,
    topic_runs,
    wait_for_records,
    wait_until,
    write_dag,
)

from airstream.scheduler.topic_triggers.consumer import TopicConsumer
from airstream.scheduler.topic_triggers.watches import watches_of
from airstream.store import records as rec
from broker_process import BrokerProcess
from tansu_process import tansu_broker

MakeHarness = Callable[[], SchedulerHarness]


@pytest.fixture(autouse=True)
def no_example_dags(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRSTREAM_LOAD_EXAMPLES", "false")


@pytest.fixture
def make_harness(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[MakeHarness]:
    """A harness over the DAG files the test wrote to ``tmp_path / "dags"`` (on SQLite, or
    on the backend of a ``database_url`` parameter)."""
    opened: list[SchedulerHarness] = []
    fixture = "database_url" if "database_url" in request.fixturenames else "sqlite_url"
    url = str(request.getfixturevalue(fixture))

    def make() -> SchedulerHarness:
        harness = SchedulerHarness(url, tmp_path, tmp_path / "dags")
        opened.append(harness)
        return harness

    yield make
    for harness in opened:
        harness.__exit__()


def native_dag(folder: Path, dag_id: str, topic: str, bootstrap: str, **options: object) -> None:
    settings = ", ".join(f"{k}={v!r}" for k, v in options.items())
    write_dag(
        folder,
        dag_id,
        f"""
        with DAG("{dag_id}", schedule=Topic("{topic}", bootstrap_servers="{bootstrap}",
                 start_from="earliest", {settings})):
            EmptyOperator(task_id="handle")
        """,
    )


SAMPLES = [
    {"key": b"k0", "value": b"first", "headers": [("source", b"web")], "partition": 0},
    {"key": None, "value": b"second", "partition": 1},
    {"key": b"k2", "value": b"\xff\xfe binary", "partition": 0},
    {"key": b"k3", "value": None, "headers": [("a", b"1"), ("b", b"2")], "partition": 1},
    {"key": b"k4", "value": "fünf".encode(), "partition": 0},
    {"key": b"k5", "value": b"six", "partition": 1},
    {"key": b"k6", "value": b"seven", "partition": 0},
]


def check_payloads(records: list[dict[str, object]], delivered: list[tuple[int, int]]) -> None:
    """Each produced record once, with its key, value, headers, partition and offset."""
    by_position = {(r["partition"], r["offset"]): r for r in records}
    assert sorted(positions_of(records)) == sorted(delivered)  # no loss, no duplicates
    for sample, position in zip(SAMPLES, delivered, strict=True):
        got = by_position[position]
        assert got["key"] == (sample["key"].decode() if sample["key"] else None)
        value = sample["value"]
        if value == b"\xff\xfe binary":
            assert got["value"] is None and got["value_b64"] == base64.b64encode(value).decode()
        else:
            assert got["value"] == (value.decode() if value is not None else None)
            assert "value_b64" not in got
        headers = {k: v.decode() for k, v in sample.get("headers", [])}
        assert got["headers"] == headers
        assert isinstance(got["timestamp"], int) and got["timestamp"] > 0


def test_native_topic_dag_batches_by_max_records(
    broker: str, tmp_path: Path, database_url: str, make_harness: MakeHarness
) -> None:
    topic = new_topic(broker)
    delivered = produce(broker, topic, SAMPLES)
    native_dag(tmp_path / "dags", "per_three", topic, broker, max_records=3, max_wait=2.0)
    harness = make_harness()
    harness.start()

    records = wait_for_records(harness.store, "per_three", len(SAMPLES))
    check_payloads(records, delivered)
    runs = topic_runs(harness.store, "per_three")
    assert [len(r.conf["records"]) for r in runs] == [3, 3, 1]
    for run in runs:
        assert run.run_type == rec.DagRunType.ASSET_TRIGGERED
        assert run.triggered_by == rec.DagRunTriggeredBy.ASSET
        assert run.conf["topic"] == topic
    wait_until(
        lambda: all(
            harness.store.get_dag_run("per_three", r.run_id).state == rec.DagRunState.SUCCESS
            for r in runs
        ),
        "the runs to succeed",
    )


def test_max_wait_closes_a_batch_that_is_not_full(
    broker: str, tmp_path: Path, make_harness: MakeHarness
) -> None:
    topic = new_topic(broker, partitions=1)
    native_dag(tmp_path / "dags", "waits", topic, broker, max_records=100, max_wait=0.3)
    harness = make_harness()
    harness.start()
    first = produce(broker, topic, [{"value": b"a"}, {"value": b"b"}])
    wait_for_records(harness.store, "waits", 2)
    second = produce(broker, topic, [{"value": b"c"}])
    records = wait_for_records(harness.store, "waits", 3)
    runs = topic_runs(harness.store, "waits")
    assert positions_of(records) == first + second
    assert [[r["value"] for r in run.conf["records"]] for run in runs] == [["a", "b"], ["c"]]


AIRFLOW_HEADER = """
from airflow.providers.apache.kafka.triggers.await_message import AwaitMessageTrigger
from airflow.providers.apache.kafka.triggers.msg_queue import KafkaMessageQueueTrigger
from airflow.providers.common.messaging.triggers.msg_queue import MessageQueueTrigger
from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG, Asset, AssetWatcher


def read_events(triggering_asset_events, **context):
    return [e.extra for events in triggering_asset_events.values() for e in events]
"""


@pytest.mark.parametrize(
    "trigger",
    [
        'MessageQueueTrigger(queue="kafka://{bootstrap}/{topic}", max_wait=0.3)',
        'MessageQueueTrigger(queue="kafka:///{topic}", max_wait=0.3)',
        'MessageQueueTrigger(scheme="kafka", topics=["{topic}"], max_wait=0.3)',
        'KafkaMessageQueueTrigger(topics=["{topic}"], kafka_config_id="kafka_default",'
        ' apply_function="topic_filters.not_skipped", max_wait=0.3)',
        'AwaitMessageTrigger(topics=["{topic}"], max_wait=0.3)',
    ],
    ids=["queue_uri", "queue_uri_no_host", "scheme", "kafka_provider", "await_message"],
)
def test_airflow_asset_watcher_form(
    broker: str,
    tmp_path: Path,
    make_harness: MakeHarness,
    monkeypatch: pytest.MonkeyPatch,
    trigger: str,
) -> None:
    # kafka_default is the built-in broker: here, the test's.
    monkeypatch.setenv("AIRSTREAM_BOOTSTRAP_SERVERS", broker)
    topic = new_topic(broker)
    dags = tmp_path / "dags"
    (dags / "topic_filters.py").parent.mkdir(parents=True, exist_ok=True)
    (dags / "topic_filters.py").write_text(
        "def not_skipped(message):\n    return message.value() != b'skip'\n"
    )
    write_dag(
        dags,
        "watched",
        f"""
        orders = Asset("orders", watchers=[AssetWatcher(name="w", trigger={
            trigger.format(bootstrap=broker, topic=topic)
        })])
        with DAG("watched", schedule=[orders]):
            PythonOperator(task_id="read", python_callable=read_events)
        """,
        header=AIRFLOW_HEADER,
    )
    harness = make_harness()
    harness.start()
    wait_until(
        lambda: len(harness.store.get_topic_positions("watched", topic)) == 2,
        "the DAG's start positions",
    )
    values = [b"one", b"skip", b"three"] if "apply_function" in trigger else [b"one", b"three"]
    delivered = produce(broker, topic, [{"value": v} for v in values])
    records = wait_for_records(harness.store, "watched", 2)
    assert sorted(r["value"] for r in records) == ["one", "three"]
    kept = [p for p, v in zip(delivered, values, strict=True) if v != b"skip"]
    assert sorted(positions_of(records)) == sorted(kept)
    run = topic_runs(harness.store, "watched")[0]
    events = harness.store.list_run_asset_events("watched", run.run_id)
    assert [(e.name, e.uri) for e in events] == [("orders", "orders")]
    assert events[0].extra == {"from_trigger": True, "payload": run.conf}
    # The task sees the event through triggering_asset_events.
    assert harness.wait_for_run("watched", run.run_id).state == rec.DagRunState.SUCCESS
    seen = harness.store.get_xcom("watched", run.run_id, "read")
    assert seen is not None and seen.value == [events[0].extra]
    # The whole topic is consumed: filtered records move the positions too.
    wait_until(
        lambda: sum(harness.store.get_topic_positions("watched", topic).values()) == len(values),
        "positions past every record",
    )


def test_two_dags_on_one_topic_share_one_consumer(
    broker: str, tmp_path: Path, make_harness: MakeHarness
) -> None:
    topic = new_topic(broker)
    native_dag(tmp_path / "dags", "small_batches", topic, broker, max_records=2, max_wait=0.3)
    native_dag(tmp_path / "dags", "large_batches", topic, broker, max_records=50, max_wait=0.3)
    delivered = produce(broker, topic, SAMPLES)
    harness = make_harness()
    scheduler = harness.start()

    for dag_id in ("small_batches", "large_batches"):
        check_payloads(wait_for_records(harness.store, dag_id, len(SAMPLES)), delivered)
    assert max(len(r.conf["records"]) for r in topic_runs(harness.store, "small_batches")) == 2
    consumers = scheduler.event_triggering.topics.consumers
    assert list(consumers) == [(broker, topic)]

    # The consumer group shows how far both DAGs got, for lag tools.
    group = Consumer({"bootstrap.servers": broker, "group.id": "airstream-triggers"})
    try:
        ends = {p: sum(1 for q, _ in delivered if q == p) for p in (0, 1)}

        def committed() -> dict[int, int]:
            found = group.committed([TopicPartition(topic, p) for p in (0, 1)], timeout=10)
            return {tp.partition: tp.offset for tp in found}

        wait_until(lambda: committed() == ends, "the group offsets")
    finally:
        group.close()


def test_paused_dag_keeps_its_position_and_catches_up(
    broker: str, tmp_path: Path, make_harness: MakeHarness
) -> None:
    topic = new_topic(broker)
    native_dag(tmp_path / "dags", "witness", topic, broker, max_wait=0.2)
    native_dag(tmp_path / "dags", "sleeper", topic, broker, max_wait=0.2)
    harness = make_harness()
    assert harness.store.set_paused("sleeper", True)
    harness.start()
    delivered = produce(broker, topic, SAMPLES)

    check_payloads(wait_for_records(harness.store, "witness", len(SAMPLES)), delivered)
    assert topic_runs(harness.store, "sleeper") == []
    assert harness.store.get_topic_positions("sleeper", topic) == {}

    assert harness.store.set_paused("sleeper", False)
    check_payloads(wait_for_records(harness.store, "sleeper", len(SAMPLES)), delivered)
    assert len(run_records(harness.store, "witness")) == len(SAMPLES)


def test_new_dag_starts_at_the_log_end_and_new_partitions_are_read(
    broker: str, tmp_path: Path, make_harness: MakeHarness
) -> None:
    topic = new_topic(broker, partitions=1)
    produce(broker, topic, [{"value": b"before the DAG"}])
    write_dag(
        tmp_path / "dags",
        "from_now",
        f"""
        with DAG("from_now", schedule=Topic("{topic}", bootstrap_servers="{broker}",
                 max_wait=timedelta(seconds=0.2))):
            EmptyOperator(task_id="handle")
        """,
    )
    harness = make_harness()
    harness.start()
    wait_until(
        lambda: harness.store.get_topic_positions("from_now", topic) == {0: 1},
        "the start position at the log end",
    )
    add_partitions(broker, topic, 2)
    delivered = produce(
        broker, topic, [{"value": b"p0", "partition": 0}, {"value": b"p1", "partition": 1}]
    )
    records = wait_for_records(harness.store, "from_now", 2)
    assert sorted(positions_of(records)) == sorted(delivered)
    assert sorted(r["value"] for r in records) == ["p0", "p1"]


def test_against_tansu(tmp_path: Path, make_harness: MakeHarness) -> None:
    with tansu_broker() as tansu:
        topic = new_topic(tansu)
        delivered = produce(tansu, topic, SAMPLES)
        native_dag(tmp_path / "dags", "on_tansu", topic, tansu, max_records=3, max_wait=0.3)
        harness = make_harness()
        harness.start()
        check_payloads(wait_for_records(harness.store, "on_tansu", len(SAMPLES)), delivered)
        assert all(len(r.conf["records"]) <= 3 for r in topic_runs(harness.store, "on_tansu"))
        harness.stop()


def test_broker_down_at_start_is_retried(
    broker_process: BrokerProcess, tmp_path: Path, make_harness: MakeHarness
) -> None:
    bootstrap = broker_process.bootstrap
    topic = new_topic(bootstrap)
    native_dag(tmp_path / "dags", "patient", topic, bootstrap, max_wait=0.2)
    write_dag(
        tmp_path / "dags",
        "unrelated",
        """
        with DAG("unrelated", schedule=None):
            EmptyOperator(task_id="work")
        """,
    )
    broker_process.stop()
    harness = make_harness()
    harness.start()
    # The scheduler serves everything else meanwhile.
    run_id = harness.trigger("unrelated")
    assert harness.wait_for_run("unrelated", run_id).state == rec.DagRunState.SUCCESS
    assert topic_runs(harness.store, "patient") == []

    broker_process.start()  # same port, same log: the topic is still there
    delivered = produce(bootstrap, topic, SAMPLES)
    check_payloads(wait_for_records(harness.store, "patient", len(SAMPLES)), delivered)


def test_two_consumers_racing_on_one_dag_store_each_record_once(
    broker: str, tmp_path: Path, make_harness: MakeHarness
) -> None:
    """Two schedulers' consumers (a restart overlapping the old process, say) serve one DAG:
    the compare-and-set on its positions lets exactly one of them store each batch."""
    topic = new_topic(broker)
    native_dag(tmp_path / "dags", "raced", topic, broker, max_records=5, max_wait=0.05)
    harness = make_harness()
    dag = harness.dag("raced")
    watch = watches_of(dag, harness.store)[0]
    consumers = [TopicConsumer(harness.store, topic, watch.client_config) for _ in range(2)]
    try:
        for consumer in consumers:
            consumer.update({"raced": watch})
            consumer.start()
        wait_until(lambda: len(harness.store.get_topic_positions("raced", topic)) == 2, "positions")
        records = [{"value": f"v{i}".encode(), "partition": i % 2} for i in range(120)]
        delivered = produce(broker, topic, records)
        found = wait_for_records(harness.store, "raced", len(records))
        assert sorted(positions_of(found)) == sorted(delivered)
    finally:
        for consumer in consumers:
            consumer.stop()
