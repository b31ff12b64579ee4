"""DAG and task callbacks under the scheduler: each callback appends a line to conf["out"]."""

import os
import signal
import time
from datetime import datetime, timedelta

from airflow import DAG
from airflow.providers.standard.operators.python import PythonOperator


def note(context, what):
    with open(context["dag_run"].conf["out"], "a") as out:
        ti = context["ti"]
        out.write(f"{what} reason={context.get('reason')} ti={ti.task_id} try={ti.try_number}\n")


def on_dag_success(context):
    note(context, "dag_success")


def on_dag_failure(context):
    note(context, "dag_failure")


def on_task_retry(context):
    note(context, f"task_retry exception={context['exception']}")


def on_task_failure(context):
    note(context, f"task_failure exception={context['exception']}")


def fail():
    raise ValueError("no luck")


def die():
    os.kill(os.getpid(), signal.SIGKILL)


common = dict(
    schedule=None,
    start_date=datetime(2024, 1, 1),
    on_success_callback=on_dag_success,
    on_failure_callback=[on_dag_failure],
)

with DAG("callbacks_success", **common):
    PythonOperator(task_id="first", python_callable=lambda: None) >> PythonOperator(
        task_id="second", python_callable=lambda: None
    )

with DAG("callbacks_failure", **common):
    PythonOperator(task_id="ok", python_callable=lambda: None) >> PythonOperator(
        task_id="broken", python_callable=fail
    )

with DAG("callbacks_killed", **common):
    PythonOperator(
        task_id="dies",
        python_callable=die,
        retries=1,
        retry_delay=timedelta(0),
        on_retry_callback=on_task_retry,
        on_failure_callback=on_task_failure,
    )

with DAG("callbacks_timeout", dagrun_timeout=timedelta(seconds=1), **common):
    PythonOperator(task_id="slow", python_callable=lambda: time.sleep(60))
