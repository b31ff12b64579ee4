"""Classic XComs: pushes from operators, pulls of several tasks, templates_dict, op_kwargs."""

from __future__ import annotations

import pendulum
from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG


def push_values(ti, **context):
    ti.xcom_push(key="count", value=3)
    context["task_instance"].xcom_push(key="names", value=["a", "b"])
    return {"pushed": True}


def push_other(**context):
    context["ti"].xcom_push(key="count", value=4)


def pull_values(ti, templates_dict, day, label, **context):
    counts = ti.xcom_pull(task_ids=["push_values", "push_other"], key="count")
    print("COUNTS", counts)
    print("NAMES", ti.xcom_pull(task_ids="push_values", key="names"))
    print("RETURN", ti.xcom_pull(task_ids="push_values"))
    print("TEMPLATES", templates_dict["run_day"], templates_dict["pulled"])
    print("OP_KWARGS", day, label)
    print("OP_ARGS", context["positional"])
    return sum(counts)


def positional(first, second, **context):
    print("POSITIONAL", first, second)


with DAG(
    dag_id="ex_xcom_features",
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    schedule=None,
) as dag:
    first = PythonOperator(task_id="push_values", python_callable=push_values)
    second = PythonOperator(task_id="push_other", python_callable=push_other)
    pull = PythonOperator(
        task_id="pull_values",
        python_callable=pull_values,
        templates_dict={
            "run_day": "{{ ds }}",
            "pulled": "{{ ti.xcom_pull(task_ids='push_values', key='names') | join('+') }}",
        },
        op_kwargs={"day": "{{ ds_nodash }}", "label": "run-{{ params.suffix }}", "positional": "p"},
        params={"suffix": "x"},
    )
    args = PythonOperator(
        task_id="positional",
        python_callable=positional,
        op_args=["{{ ds }}", "{{ task.task_id }}"],
    )
    [first, second] >> pull >> args
