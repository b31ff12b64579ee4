from datetime import datetime, timedelta
from airflow import DAG
from airflow.operators.bash import BashOperator
with DAG("mlops", default_args={"retries": 1}, schedule=timedelta(days=1),
         start_date=datetime(2023, 1, 1)) as dag:
    task1 = BashOperator(task_id="print_date", bash_command="date")
    task2 = BashOperator(task_id="sleep", bash_command="sleep 1")
    task3 = BashOperator(task_id="templated", bash_command="echo {{ ds }}")
    task1 >> [task2, task3]
