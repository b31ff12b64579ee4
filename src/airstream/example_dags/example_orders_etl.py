"""
### Streaming ETL, part 2: orders into the warehouse

Triggered by records on the topic `orders` (Airflow 3's `AssetWatcher` with a
`MessageQueueTrigger`): each run receives a batch of records in
`dag_run.conf["records"]` (`topic`, `partition`, `offset`, `timestamp`, `key`, `value`,
`headers`), then

1. **transform**: parses each value as JSON and validates it (`order_id`, `region`, a
   non-negative `amount`, an ISO-8601 `ts`); bad records are dropped and counted;
2. **load**: adds the new orders to the SQLite warehouse
   `$AIRSTREAM_HOME/warehouse/warehouse.db`, aggregated per minute and region into
   `sales_by_minute(minute, region, orders, revenue)`.

The load is idempotent per order: the warehouse remembers every `order_id` it counted
(`loaded_orders`), in the same transaction as the totals, so a retried task or a re-sent
batch never counts an order twice. The console draws its dashboard (`/dashboards/orders`)
from `sales_by_minute`.

Try it by hand: `airstream dags test example_orders_etl -c '{"records": [{"value":
"{\\"order_id\\": \\"o1\\", \\"region\\": \\"emea\\", \\"amount\\": 9.5, \\"ts\\":
\\"2026-01-01T12:00:30+00:00\\"}"}]}'`.
"""

from __future__ import annotations

import json
import logging
import math
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from airflow.providers.common.messaging.triggers.msg_queue import MessageQueueTrigger
from airflow.sdk import DAG, Asset, AssetWatcher, task

TOPIC = "orders"
log = logging.getLogger(__name__)

WAREHOUSE_SCHEMA = """
CREATE TABLE IF NOT EXISTS sales_by_minute (
    minute TEXT NOT NULL,
    region TEXT NOT NULL,
    orders INTEGER NOT NULL,
    revenue REAL NOT NULL,
    PRIMARY KEY (minute, region)
);
CREATE TABLE IF NOT EXISTS loaded_orders (
    order_id TEXT PRIMARY KEY,
    minute TEXT NOT NULL,
    region TEXT NOT NULL,
    amount REAL NOT NULL,
    topic TEXT,
    partition INTEGER,
    "offset" INTEGER
);
"""

# New orders of this batch (in a temporary table) added to the per-minute totals. The
# ``WHERE true`` keeps SQLite from reading ``ON CONFLICT`` as part of the SELECT.
ADD_TO_TOTALS = """
INSERT INTO sales_by_minute (minute, region, orders, revenue)
SELECT minute, region, COUNT(*), SUM(amount) FROM batch_new_orders WHERE true
GROUP BY minute, region
ON CONFLICT (minute, region) DO UPDATE SET
    orders = orders + excluded.orders,
    revenue = revenue + excluded.revenue
"""


def warehouse_path() -> Path:
    """``$AIRSTREAM_HOME/warehouse/warehouse.db``."""
    from airstream.config import load_settings

    return load_settings().home / "warehouse" / "warehouse.db"


def parse_order(record: dict[str, Any]) -> dict[str, Any] | None:
    """The order a record carries, with its minute; ``None`` when the record is invalid."""
    try:
        order = json.loads(record.get("value") or "")
    except ValueError:
        return None
    if not isinstance(order, dict):
        return None
    order_id, region, amount = order.get("order_id"), order.get("region"), order.get("amount")
    if not (isinstance(order_id, str) and order_id and isinstance(region, str) and region):
        return None
    if isinstance(amount, bool) or not isinstance(amount, (int, float)):
        return None
    if not math.isfinite(amount) or amount < 0:
        return None
    try:
        ts = datetime.fromisoformat(str(order.get("ts")))
    except ValueError:
        return None
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=UTC)
    minute = ts.astimezone(UTC).replace(second=0, microsecond=0)
    return {
        "order_id": order_id,
        "minute": minute.isoformat(),
        "region": region,
        "amount": float(amount),
        "topic": record.get("topic"),
        "partition": record.get("partition"),
        "offset": record.get("offset"),
    }


def load_orders(path: Path, orders: list[dict[str, Any]]) -> int:
    """Add the orders not loaded before to the totals, in one transaction; how many were new."""
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(path, timeout=30)
    try:
        connection.executescript(WAREHOUSE_SCHEMA)
        with connection:
            connection.execute(
                "CREATE TEMP TABLE IF NOT EXISTS batch_new_orders "
                "(minute TEXT, region TEXT, amount REAL)"
            )
            connection.execute("DELETE FROM batch_new_orders")
            new = 0
            for order in orders:
                inserted = connection.execute(
                    "INSERT OR IGNORE INTO loaded_orders (order_id, minute, region, amount, topic, "
                    'partition, "offset") VALUES (:order_id, :minute, :region, :amount, :topic, '
                    ":partition, :offset)",
                    order,
                )
                if inserted.rowcount == 1:
                    new += 1
                    connection.execute(
                        "INSERT INTO batch_new_orders VALUES (:minute, :region, :amount)", order
                    )
            connection.execute(ADD_TO_TOTALS)
        return new
    finally:
        connection.close()


orders_asset = Asset(
    "orders",
    watchers=[
        AssetWatcher(
            name="orders_watcher",
            trigger=MessageQueueTrigger(scheme="kafka", topics=[TOPIC]),
        )
    ],
)

with DAG(
    "example_orders_etl",
    description="Orders from the topic 'orders', aggregated per minute into the warehouse",
    schedule=[orders_asset],
    start_date=datetime(2025, 1, 1, tzinfo=UTC),
    catchup=False,
    default_args={"owner": "airstream", "retries": 2},
    tags=["example", "streaming"],
    doc_md=__doc__,
) as dag:

    @task
    def transform(dag_run: Any = None) -> dict[str, Any]:
        """Parse and validate the batch; bad records are dropped and counted."""
        records = (dag_run.conf or {}).get("records") or []
        orders = [order for order in map(parse_order, records) if order is not None]
        rejected = len(records) - len(orders)
        log.info("%d records: %d valid orders, %d rejected", len(records), len(orders), rejected)
        return {"orders": orders, "received": len(records), "rejected": rejected}

    @task
    def load(batch: dict[str, Any]) -> dict[str, Any]:
        """Add the batch's new orders to ``sales_by_minute``."""
        path = warehouse_path()
        new = load_orders(path, batch["orders"])
        duplicates = len(batch["orders"]) - new
        log.info("loaded %d new orders into %s (%d already loaded)", new, path, duplicates)
        return {"loaded": new, "duplicates": duplicates, "rejected": batch["rejected"]}

    load(transform())
