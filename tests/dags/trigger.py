"""TriggerDagRunOperator waiting for the triggered DAG; ExternalTaskSensor on that run."""

from datetime import datetime

from airflow import DAG
from airflow.operators.python import PythonOperator
from airflow.operators.trigger_dagrun import TriggerDagRunOperator
from airflow.sensors.external_task import ExternalTaskSensor


def print_conf(dag_run, params):
    print(f"TARGET conf={dag_run.conf} run_id={dag_run.run_id}")


with DAG("trigger_target", schedule=None, start_date=datetime(2024, 1, 1)):
    PythonOperator(task_id="target_task", python_callable=print_conf)

with DAG("trigger_source", schedule=None, start_date=datetime(2024, 1, 1)):
    trigger = TriggerDagRunOperator(
        task_id="trigger",
        trigger_dag_id="trigger_target",
        trigger_run_id="triggered__{{ ds }}",
        logical_date="{{ logical_date.isoformat() }}",
        conf={"source": "{{ dag.dag_id }}"},
        wait_for_completion=True,
        poke_interval=1,
    )
    wait = ExternalTaskSensor(
        task_id="wait_for_target",
        external_dag_id="trigger_target",
        external_task_id="target_task",
        poke_interval=0.01,
        timeout=5,
    )
    trigger >> wait
