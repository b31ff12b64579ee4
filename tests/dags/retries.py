"""Retries, exponential backoff, AirflowFailException and execution_timeout."""

from datetime import datetime, timedelta

from airflow import DAG
from airflow.exceptions import AirflowFailException
from airflow.operators.bash import BashOperator
from airflow.operators.python import PythonOperator


def flaky(ti):
    print(f"attempt {ti.try_number}")
    if ti.try_number < 3:
        raise RuntimeError(f"flaky failure on try {ti.try_number}")
    return ti.try_number


def hopeless():
    raise RuntimeError("always fails")


def fatal():
    raise AirflowFailException("do not retry me")


with DAG(
    "retries",
    schedule=None,
    start_date=datetime(2024, 1, 1),
    default_args={"retries": 2, "retry_delay": timedelta(seconds=0)},
):
    PythonOperator(task_id="flaky", python_callable=flaky)
    PythonOperator(
        task_id="backoff",
        python_callable=flaky,
        retry_delay=0.05,
        retry_exponential_backoff=True,
        max_retry_delay=timedelta(milliseconds=200),
    )
    PythonOperator(task_id="hopeless", python_callable=hopeless, retries=1)
    PythonOperator(task_id="fatal", python_callable=fatal)
    BashOperator(
        task_id="too_slow",
        bash_command="sleep 30",
        execution_timeout=timedelta(seconds=1),
        retries=0,
    )
