"""Pendulum start dates, and pendulum methods on the context dates in callables and templates."""

from __future__ import annotations

import pendulum
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG, task

with DAG(
    dag_id="ex_pendulum_dates",
    start_date=pendulum.datetime(2021, 1, 1, tz="UTC"),
    schedule="@daily",
    catchup=False,
    tags=["example"],
) as dag:

    @task
    def inspect_dates(logical_date=None, data_interval_end=None, dag_run=None, ti=None):
        print("NEXT", logical_date.add(days=1).to_date_string())
        print("PREV", logical_date.subtract(days=1).to_date_string())
        print("LOCAL", logical_date.in_timezone("Asia/Tokyo").format("YYYY-MM-DD HH:mm"))
        print("EPOCH", data_interval_end.int_timestamp)
        print("RUN", dag_run.logical_date.format("YYYY/MM/DD"))
        print("TI", ti.logical_date.to_iso8601_string())
        print("AWARE", logical_date.tzinfo is not None, logical_date.timezone_name)
        return logical_date.to_date_string()

    templated = BashOperator(
        task_id="templated",
        bash_command=(
            "echo TPL {{ logical_date.add(days=2).to_date_string() }} "
            "{{ data_interval_start.format('YYYYMMDD') }} {{ macros.ds_add(ds, 7) }} "
            "{{ dag_run.logical_date.strftime('%Y') }}"
        ),
    )

    inspect_dates() >> templated

with DAG(
    dag_id="ex_pendulum_amsterdam",
    start_date=pendulum.datetime(2021, 3, 1, tz="Europe/Amsterdam"),
    schedule="0 1 * * *",
    catchup=True,
):

    @task
    def zone(dag=None):
        print("ZONE", dag.timezone.name)

    zone()
