"""A DAG written against airstream's own names (no airflow imports)."""

from datetime import datetime

from airstream.operators.bash import BashOperator
from airstream.workflows import DAG, task

with DAG("native_airstream", schedule="0 6 * * *", start_date=datetime(2024, 1, 1)):

    @task
    def hello():
        return "native"

    (
        BashOperator(task_id="echo", bash_command="echo {{ ti.xcom_pull(task_ids='hello') }}")
        << hello()
    )
