from datetime import datetime

from airflow import DAG
from airflow.operators.empty import EmptyOperator

with DAG(
    "console_other",
    schedule="@daily",
    start_date=datetime(2024, 1, 1),
    catchup=False,
    tags=["other"],
    is_paused_upon_creation=True,
):
    EmptyOperator(task_id="nothing")
