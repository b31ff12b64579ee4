"""Tasks returning dates, timedeltas, tuples and sets to each other through XComs."""

from __future__ import annotations

import datetime

import pendulum
from airflow.sdk import dag, task


@dag(schedule="@daily", start_date=pendulum.datetime(2021, 1, 1, tz="Europe/Berlin"), catchup=False)
def ex_xcom_value_types():
    @task
    def produce(logical_date=None):
        return {
            "when": logical_date,
            "day": logical_date.date(),
            "naive": datetime.datetime(2020, 1, 2, 3, 4),
            "wait": datetime.timedelta(minutes=90),
            "pair": (1, "a"),
            "tags": {"x"},
        }

    @task
    def consume(value):
        print("WHEN", type(value["when"]).__name__, value["when"].add(days=1).to_date_string())
        print("DAY", repr(value["day"]))
        print("NAIVE", repr(value["naive"]))
        print("WAIT", value["wait"].total_seconds())
        print("PAIR", value["pair"], "TAGS", value["tags"])

    consume(produce())


ex_xcom_value_types()
