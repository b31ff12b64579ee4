"""
### Streaming ETL, part 1: the order producer

Every minute this DAG publishes a batch of synthetic order events to the topic `orders` of
the built-in broker (connection `kafka_default`), with `ProduceToTopicOperator`. Each event
is a JSON object `{"order_id", "region", "amount", "ts"}` keyed by its order id. The batch
depends only on the run's logical date, so re-running a minute re-sends the same orders
(which the ETL recognises and does not count twice). About one order in twenty is invalid
on purpose, so the ETL has something to reject.

`example_orders_etl` is triggered by these records. Watch them arrive with any Kafka client,
e.g. `kcat -b 127.0.0.1:9092 -t orders -C`.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from airflow import DAG
from airflow.providers.apache.kafka.operators.produce import ProduceToTopicOperator

TOPIC = "orders"
ORDERS_PER_BATCH = 20
REGIONS = ("emea", "americas", "apac")


def synthetic_orders(logical_date: str, count: int = ORDERS_PER_BATCH) -> Iterator[tuple[str, str]]:
    """``(order_id, JSON)`` pairs for one minute, the same every time for one logical date."""
    start = datetime.fromisoformat(logical_date).astimezone(UTC).replace(second=0)
    rng = random.Random(start.isoformat())
    for i in range(count):
        order_id = f"{start:%Y%m%d%H%M}-{i:03d}"
        ts = start + timedelta(seconds=i * 60 / count)
        order = {
            "order_id": order_id,
            "region": rng.choice(REGIONS),
            "amount": round(rng.uniform(5, 250), 2),
            "ts": ts.isoformat(),
        }
        if rng.random() < 0.05:
            order["amount"] = "n/a"  # a bad record: the ETL drops and counts it
        yield order_id, json.dumps(order)


with DAG(
    "example_orders_producer",
    description="Publishes synthetic order events to the topic 'orders' every minute",
    schedule="* * * * *",
    start_date=datetime(2025, 1, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,
    default_args={"owner": "airstream", "retries": 2, "retry_delay": timedelta(seconds=5)},
    tags=["example", "streaming"],
    doc_md=__doc__,
) as dag:
    ProduceToTopicOperator(
        task_id="produce_orders",
        topic=TOPIC,
        kafka_config_id="kafka_default",
        producer_function=synthetic_orders,
        producer_function_kwargs={"logical_date": "{{ ts }}"},
    )
