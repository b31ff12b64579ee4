"""``with teardown(setup()):`` and ``with setup >> teardown:`` blocks, nested."""

from __future__ import annotations

import pendulum
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import dag, setup, task, teardown


@dag(start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), schedule=None)
def ex_setup_teardown_blocks():
    @setup
    def create_cluster():
        return "cluster-1"

    @teardown
    def delete_cluster(cluster):
        print("DELETE", cluster)

    @task
    def outer_work():
        print("OUTER")

    @task
    def inner_work():
        raise RuntimeError("inner work fails")

    with delete_cluster(create_cluster()):
        outer_work()
        make = BashOperator(task_id="make_table", bash_command="echo make").as_setup()
        drop = BashOperator(task_id="drop_table", bash_command="echo drop").as_teardown()
        with make >> drop:
            inner_work()


ex_setup_teardown_blocks()
