"""Mapping over a task group: each copy runs its tasks for one value, pairing by map index."""

from __future__ import annotations

import pendulum
from airflow.sdk import DAG, task, task_group

with DAG(
    dag_id="ex_mapped_task_groups",
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    schedule=None,
):

    @task
    def numbers():
        return [1, 2, 3]

    @task
    def add_one(value):
        if value == 2:
            raise ValueError("two is not allowed")
        return value + 1

    @task
    def double(value, label):
        return f"{label}:{value * 2}"

    @task(trigger_rule="all_done")
    def report(value, ti=None):
        pulled = ti.xcom_pull(task_ids="per_number.double")
        print(f"REPORT[{ti.map_index}] {value} {pulled}")

    @task_group
    def per_number(number, label):
        doubled = double(add_one(number), label)
        report(doubled)
        return doubled

    @task(trigger_rule="all_done")
    def collect(values):
        print("COLLECT", sorted(values))

    collect(per_number.partial(label="n").expand(number=numbers()))
