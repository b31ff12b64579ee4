"""DAG params with validation, overridden by the run's conf."""

from datetime import datetime

from airflow.models.param import Param
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

with DAG(
    "params",
    schedule=None,
    start_date=datetime(2024, 1, 1),
    params={
        "count": Param(2, type="integer", minimum=1, maximum=10),
        "name": Param("world", type="string", minLength=2),
    },
):
    BashOperator(
        task_id="greet",
        bash_command="echo 'hello {{ params.name }} x{{ params.count }} conf={{ dag_run.conf }}'",
    )
