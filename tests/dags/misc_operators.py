"""LatestOnlyOperator, chain, cross_downstream, setting relations by method; masking."""

from datetime import datetime

from airflow import DAG
from airflow.hooks.base import BaseHook
from airflow.models.baseoperator import chain, cross_downstream
from airflow.operators.empty import EmptyOperator
from airflow.operators.latest_only import LatestOnlyOperator
from airflow.operators.python import PythonOperator


def leak():
    conn = BaseHook.get_connection("secret_db")
    print(f"connecting as {conn.login} with password {conn.password}")


with DAG("misc_operators", schedule="@daily", start_date=datetime(2024, 1, 1)):
    latest = LatestOnlyOperator(task_id="latest_only")
    after_latest = EmptyOperator(task_id="after_latest")
    latest >> after_latest
    t = [EmptyOperator(task_id=f"t{i}") for i in range(6)]
    chain(t[0], [t[1], t[2]], [t[3], t[4]], t[5])
    x1, x2, y1, y2 = (EmptyOperator(task_id=n) for n in ("x1", "x2", "y1", "y2"))
    cross_downstream([x1, x2], [y1, y2])
    up = EmptyOperator(task_id="up")
    down = EmptyOperator(task_id="down")
    down.set_upstream(up)
    up << EmptyOperator(task_id="before_up")
    PythonOperator(task_id="leak", python_callable=leak)
