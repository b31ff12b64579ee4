"""Explicit xcom_push/xcom_pull, BashOperator output and do_xcom_push=False."""

from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator
from airflow.operators.python import PythonOperator


def push(ti):
    ti.xcom_push(key="explicit", value={"rows": 3})
    return "returned"


def pull(ti):
    explicit = ti.xcom_pull(task_ids="push", key="explicit")
    returned = ti.xcom_pull(task_ids="push")
    bash_out = ti.xcom_pull(task_ids="bash_out")
    quiet = ti.xcom_pull(task_ids="quiet")
    both = ti.xcom_pull(task_ids=["push", "bash_out"])
    print(
        f"PULLED explicit={explicit} returned={returned} bash={bash_out} quiet={quiet} both={both}"
    )


with DAG("xcoms", schedule=None, start_date=datetime(2024, 1, 1)):
    p = PythonOperator(task_id="push", python_callable=push)
    b = BashOperator(task_id="bash_out", bash_command="echo first; echo last-line")
    q = BashOperator(task_id="quiet", bash_command="echo hidden", do_xcom_push=False)
    templated = BashOperator(
        task_id="templated_pull",
        bash_command=(
            "echo \"TEMPLATED {{ ti.xcom_pull(task_ids='push', key='explicit')['rows'] }}\""
        ),
    )
    [p, b, q] >> PythonOperator(task_id="pull", python_callable=pull) >> templated
