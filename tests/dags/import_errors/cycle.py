from datetime import datetime

from airflow import DAG
from airflow.operators.empty import EmptyOperator

with DAG("cycle", schedule=None, start_date=datetime(2024, 1, 1)):
    a = EmptyOperator(task_id="a")
    b = EmptyOperator(task_id="b")
    c = EmptyOperator(task_id="c")
    a >> b >> c >> a
