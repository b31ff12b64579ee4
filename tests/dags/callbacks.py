"""Task and DAG callbacks."""

from datetime import datetime

from airflow import DAG
from airflow.operators.python import PythonOperator


def report(kind):
    def callback(context):
        ti = context["ti"]
        print(f"CALLBACK {kind} {ti.task_id} try={ti.try_number}")

    return callback


def dag_done(context):
    print(f"DAG CALLBACK {context['reason']} {context['dag'].dag_id}")


def fail_once(ti):
    if ti.try_number == 1:
        raise RuntimeError("first try fails")


with DAG(
    "callbacks",
    schedule=None,
    start_date=datetime(2024, 1, 1),
    on_success_callback=dag_done,
    on_failure_callback=dag_done,
    default_args={
        "on_success_callback": report("success"),
        "on_failure_callback": report("failure"),
        "on_retry_callback": report("retry"),
        "on_execute_callback": [report("execute")],
    },
):
    PythonOperator(task_id="retrying", python_callable=fail_once, retries=1, retry_delay=0)
