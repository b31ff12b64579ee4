"""A DAG file that reads a Variable at parse time (top-level code)."""

from datetime import datetime

from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG, Variable

tables = Variable.get("parse_tables", default="none").split(",")

with DAG("parse_time_variable", schedule=None, start_date=datetime(2024, 1, 1)):
    for table in tables:
        BashOperator(task_id=f"load_{table}", bash_command=f"echo loading {table}")
