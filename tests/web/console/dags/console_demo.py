from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator
from airflow.operators.python import PythonOperator


def summarise(**context):
    rows = context["dag_run"].conf.get("rows", 0)
    print(f"summarising {rows} rows")
    return {"rows": rows, "status": "ok"}


with DAG(
    "console_demo",
    schedule=None,
    start_date=datetime(2024, 1, 1),
    tags=["console", "demo"],
    description="Extract, summarise, load",
):
    extract = BashOperator(
        task_id="extract", bash_command="echo 'hello from extract for {{ dag_run.run_id }}'"
    )
    summary = PythonOperator(task_id="summarise", python_callable=summarise)
    load = BashOperator(task_id="load", bash_command="echo loaded")
    extract >> summary >> load
