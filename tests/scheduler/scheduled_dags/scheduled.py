"""DAGs with schedules, for run creation under an injected clock."""

from datetime import datetime, timedelta

from airflow import DAG
from airflow.operators.empty import EmptyOperator

START = datetime(2024, 1, 1)

with DAG("every_day_catchup", schedule=timedelta(days=1), start_date=START, catchup=True):
    EmptyOperator(task_id="noop")

with DAG("every_day_no_catchup", schedule=timedelta(days=1), start_date=START):
    EmptyOperator(task_id="noop")

with DAG("daily_cron", schedule="@daily", start_date=START, catchup=True):
    EmptyOperator(task_id="noop")

with DAG(
    "hourly_cron_ending",
    schedule="0 * * * *",
    start_date=START,
    end_date=datetime(2024, 1, 1, 3),
    catchup=True,
):
    EmptyOperator(task_id="noop")

with DAG("just_once", schedule="@once", start_date=START):
    EmptyOperator(task_id="noop")

with DAG("unscheduled", schedule=None, start_date=START):
    EmptyOperator(task_id="noop")
