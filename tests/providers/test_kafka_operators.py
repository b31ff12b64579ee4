"""ProduceToTopicOperator and ConsumeFromTopicOperator, run in DAG files by ``dags test``."""

from __future__ import annotations

from pathlib import Path

import pytest
from kafka_testing import (
    committed_offset,
    connection_json,
    produce,
    read_topic,
    run_dag,
)


def test_produce_then_consume_with_the_provider_import_paths(
    kafka_default: str, tmp_path: Path
) -> None:
    out = tmp_path / "consumed.txt"
    run = run_dag("kafka_produce_consume", {"topic": "orders", "count": 7, "out": str(out)})
    assert run.exit_code == 0, run.output
    assert run.state("produce") == "success"
    assert run.state("consume") == "success"
    expected = [(f"key-{i}", f"record-{i}") for i in range(7)]
    assert read_topic(kafka_default, "orders", 7) == expected
    assert out.read_text().splitlines() == [f"{k}={v}" for k, v in expected]
    # The dotted-path delivery callback saw every acknowledgement.
    assert "delivered key-6 at offset 6 error=None" in run.output
    assert committed_offset(kafka_default, "orders") == 7


def test_default_connection_points_at_the_broker_and_batches_reach_the_function(
    broker: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No kafka_default defined anywhere: the built-in broker from AIRSTREAM_BOOTSTRAP_SERVERS.
    monkeypatch.setenv("AIRSTREAM_BOOTSTRAP_SERVERS", broker)
    out = tmp_path / "batches.txt"
    run = run_dag("kafka_native", {"count": 5, "out": str(out)})
    assert run.exit_code == 0, run.output
    assert read_topic(broker, "squares", 5) == [(str(i), str(i * i)) for i in range(5)]
    batches = out.read_text().splitlines()
    assert ",".join(batches).split(",") == ["0", "1", "4", "9", "16"]
    assert all(len(batch.split(",")) <= 2 for batch in batches)
    assert committed_offset(broker, "squares", group="airstream") == 5


@pytest.mark.parametrize(
    ("cadence", "fail_at", "committed", "consumed"),
    [
        ("end_of_operator", "", 5, 5),
        ("end_of_operator", "value-3", -1, 3),
        ("end_of_batch", "value-3", 2, 3),
        ("end_of_batch", "", 5, 5),
        ("never", "", -1, 5),
    ],
)
def test_commit_cadence(
    kafka_default: str,
    tmp_path: Path,
    cadence: str,
    fail_at: str,
    committed: int,
    consumed: int,
) -> None:
    produce(kafka_default, "cadence", [f"value-{i}" for i in range(5)])
    out = tmp_path / "consumed.txt"
    run = run_dag(f"kafka_cadence_{cadence}", {"out": str(out), "fail_at": fail_at})
    assert run.state("consume") == ("failed" if fail_at else "success"), run.output
    assert len(out.read_text().splitlines()) == consumed
    # Negative: the group has no committed offset on the partition.
    offset = committed_offset(kafka_default, "cadence")
    assert offset == committed if committed >= 0 else offset < 0


def test_missing_group_id_is_a_clear_error(
    broker: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    no_group = connection_json(broker).replace('"group.id": "provider-tests", ', "")
    assert "group.id" not in no_group
    monkeypatch.setenv("AIRFLOW_CONN_KAFKA_DEFAULT", no_group)
    produce(broker, "cadence", ["value-0"])
    run = run_dag("kafka_cadence_end_of_operator", {"out": str(tmp_path / "out.txt")})
    assert run.exit_code == 1
    assert run.state("consume") == "failed"
    assert "Kafka connection 'kafka_default' has no 'group.id' in its config" in run.output


def test_undelivered_records_fail_the_producing_task(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Nothing listens on port 1: each record times out instead of being acknowledged.
    monkeypatch.setenv(
        "AIRFLOW_CONN_KAFKA_DEFAULT",
        connection_json("127.0.0.1:1", **{"message.timeout.ms": "300"}),
    )
    run = run_dag("kafka_produce_consume", {"topic": "t", "count": 2, "out": str(tmp_path)})
    assert run.state("produce") == "failed"
    assert run.state("consume") == "upstream_failed"
    assert "2 record(s) were not delivered to topic 't' (0 were)" in run.output


def test_constructor_arguments_are_checked_when_the_dag_is_parsed() -> None:
    from airstream.providers.kafka.operators import ConsumeFromTopicOperator
    from airstream.providers.kafka.sensors import AwaitMessageTriggerFunctionSensor
    from airstream.workflows.exceptions import AirflowException

    with pytest.raises(AirflowException, match="commit_cadence must be one of"):
        ConsumeFromTopicOperator(task_id="c", topics=["t"], commit_cadence="sometimes")
    with pytest.raises(AirflowException, match="not both"):
        ConsumeFromTopicOperator(
            task_id="c", topics=["t"], apply_function=print, apply_function_batch=print
        )
    with pytest.raises(TypeError, match="event_triggered_function is expected"):
        AwaitMessageTriggerFunctionSensor(
            task_id="s",
            topics=["t"],
            apply_function="m.f",
            event_triggered_function="not.callable",  # type: ignore[arg-type]
        )
