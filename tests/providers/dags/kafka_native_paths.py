"""Produce then consume in batches with airstream's own import paths and plain callables."""

from datetime import datetime
from pathlib import Path

from airstream.providers.kafka.operators import ConsumeFromTopicOperator, ProduceToTopicOperator
from airstream.workflows import DAG


def squares(count):
    return [(str(i).encode(), str(i * i).encode()) for i in range(int(count))]


def write_batch(messages, out):
    with Path(out).open("a") as f:
        f.write(",".join(m.value().decode() for m in messages) + "\n")


with DAG("kafka_native", start_date=datetime(2024, 1, 1), schedule=None):
    produce = ProduceToTopicOperator(
        task_id="produce",
        topic="squares",
        producer_function=squares,
        producer_function_args=["{{ dag_run.conf['count'] }}"],
    )
    consume = ConsumeFromTopicOperator(
        task_id="consume",
        topics="squares",
        apply_function_batch=write_batch,
        apply_function_kwargs={"out": "{{ dag_run.conf['out'] }}"},
        max_batch_size=2,
        poll_timeout=1,
    )
    produce >> consume
