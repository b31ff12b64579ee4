"""Dynamic task mapping over literals and over an upstream task's XCom."""

from __future__ import annotations

import pendulum
from airflow.sdk import DAG, task

with DAG(
    dag_id="ex_mapped_tasks",
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    schedule=None,
):

    @task
    def square(x, expanded_ti_count=None):
        print(f"SQUARE {x} of {expanded_ti_count}")
        return x * x

    @task
    def numbers():
        return [1, 2]

    @task
    def from_upstream(n):
        return n

    @task
    def total(values):
        print("TOTAL", sum(values))

    total(square.expand(x=[1, 2, 3]))
    from_upstream.expand(n=numbers())
