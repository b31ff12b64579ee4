"""Task groups: prefixes, nesting, group dependencies, @task_group, default_args."""

from datetime import datetime

from airflow.providers.standard.operators.bash import BashOperator
from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.sdk import DAG, TaskGroup, task, task_group

with DAG("task_groups", schedule=None, start_date=datetime(2024, 1, 1)):
    start = EmptyOperator(task_id="start")
    with TaskGroup("extract", default_args={"retries": 3}) as extract:
        a = BashOperator(task_id="a", bash_command="echo A retries={{ task.retries }}")
        with TaskGroup("inner") as inner:
            b = EmptyOperator(task_id="b")
        a >> inner
    with TaskGroup("flat", prefix_group_id=False) as flat:
        EmptyOperator(task_id="not_prefixed")

    @task_group
    def transform(value):
        @task
        def double(v):
            return v * 2

        @task
        def show(v):
            print(f"TRANSFORMED={v}")

        show(double(value))

    @task
    def seed():
        return 21

    end = EmptyOperator(task_id="end")
    start >> extract >> flat >> end
    transform(seed()) >> end
