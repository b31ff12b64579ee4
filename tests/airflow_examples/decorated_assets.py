"""``@asset`` / ``@asset.multi`` functions, and a DAG scheduled on the assets they make."""

from __future__ import annotations

import pendulum
from airflow.sdk import Asset, asset, dag, task


@asset(uri="s3://lake/raw_orders", schedule=None, tags=["assets"])
def ex_raw_orders(self, context):
    print("MATERIALIZE", self.name, self.uri, context["dag"].dag_id)
    return 3


@asset(schedule=ex_raw_orders)
def ex_clean_orders(self, ex_raw_orders):
    print("FROM", ex_raw_orders.name, "TO", self.name)


@asset.multi(outlets=[Asset("s3://lake/a"), Asset("s3://lake/b")], schedule=None)
def ex_split_orders():
    print("SPLIT")


@dag(schedule=ex_raw_orders | ex_clean_orders, start_date=pendulum.datetime(2024, 1, 1, tz="UTC"))
def ex_orders_report():
    @task
    def report():
        print("REPORT")

    report()


ex_orders_report()
