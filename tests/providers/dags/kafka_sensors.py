"""The two Kafka sensors, each followed by a task showing what it passed on."""

from datetime import datetime
from pathlib import Path

from airflow import DAG
from airflow.exceptions import AirflowSkipException
from airflow.providers.apache.kafka.sensors.kafka import (
    AwaitMessageSensor,
    AwaitMessageTriggerFunctionSensor,
)
from airflow.providers.standard.operators.python import PythonOperator


def show(ti):
    print("return_value:", ti.xcom_pull(task_ids="await"))
    print("pushed:", ti.xcom_pull(task_ids="await", key="matched"))


with DAG("kafka_await_message", start_date=datetime(2024, 1, 1), schedule=None):
    await_message = AwaitMessageSensor(
        task_id="await",
        topics=["sensor-events"],
        apply_function="kafka_functions.match_value",
        apply_function_kwargs={
            "wanted": "{{ dag_run.conf['wanted'] }}",
            "seen": "{{ dag_run.conf['seen'] }}",
        },
        poll_timeout=0.5,
        poll_interval=0.1,
        timeout=120,
        xcom_push_key="matched",
    )
    await_message >> PythonOperator(task_id="show", python_callable=show)


def record_event(event, **context):
    out = Path(context["dag_run"].conf["out"])
    with out.open("a") as f:
        f.write(event + "\n")
    if len(out.read_text().splitlines()) >= int(context["dag_run"].conf["stop_after"]):
        raise AirflowSkipException("seen enough events")


with DAG("kafka_trigger_function", start_date=datetime(2024, 1, 1), schedule=None):
    AwaitMessageTriggerFunctionSensor(
        task_id="watch",
        topics=["sensor-events"],
        apply_function="kafka_functions.match_prefix",
        apply_function_args=["a"],
        event_triggered_function=record_event,
        poll_timeout=0.5,
        poll_interval=0.1,
        timeout=120,
    )
