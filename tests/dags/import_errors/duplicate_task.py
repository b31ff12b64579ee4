from datetime import datetime

from airflow import DAG
from airflow.operators.empty import EmptyOperator

with DAG("duplicate_task", schedule=None, start_date=datetime(2024, 1, 1)):
    EmptyOperator(task_id="same")
    EmptyOperator(task_id="same")
