"""``async def`` tasks, and ``@task.bash`` with ``multiple_outputs`` and an output processor."""

from __future__ import annotations

import asyncio
import json

import pendulum
from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG, task


async def fetch_async(delay):
    await asyncio.sleep(delay)
    return {"fetched": delay}


with DAG(
    dag_id="ex_async_and_bash_outputs",
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    schedule=None,
):

    @task
    async def wait_a_little(seconds: float) -> float:
        await asyncio.sleep(seconds)
        return seconds * 2

    classic = PythonOperator(
        task_id="classic_async", python_callable=fetch_async, op_kwargs={"delay": 0}
    )

    @task.bash(multiple_outputs=True, output_processor=json.loads)
    def describe() -> str:
        return """printf '{"name": "%s", "count": "%s"}\\n' "orders" "3" """

    stats = describe()

    @task.bash
    def show(doubled) -> str:
        return f'echo "SHOW $NAME $COUNT {doubled}"'

    doubled = wait_a_little(0.01)
    show.override(env={"NAME": stats["name"], "COUNT": stats["count"]}, append_env=True)(doubled)

    @task
    def report(value, fetched):
        print("ASYNC", value, fetched)

    report(doubled, classic.output)
