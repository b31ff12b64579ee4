"""ShortCircuitOperator and @task.short_circuit, with and without ignoring trigger rules."""

from datetime import datetime

from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.providers.standard.operators.python import ShortCircuitOperator
from airflow.sdk import DAG, task

with DAG("short_circuit", schedule=None, start_date=datetime(2024, 1, 1)):

    @task.short_circuit
    def go():
        return True

    @task.short_circuit
    def stop():
        return 0

    after_go = EmptyOperator(task_id="after_go")
    after_stop = EmptyOperator(task_id="after_stop")
    far_after_stop = EmptyOperator(task_id="far_after_stop", trigger_rule="all_done")
    go() >> after_go
    stop() >> after_stop >> far_after_stop

    respectful = ShortCircuitOperator(
        task_id="respectful",
        python_callable=lambda: False,
        ignore_downstream_trigger_rules=False,
    )
    direct = EmptyOperator(task_id="direct")
    runs_anyway = EmptyOperator(task_id="runs_anyway", trigger_rule="all_done")
    respectful >> direct >> runs_anyway
