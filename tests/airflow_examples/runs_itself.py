"""A DAG file that tests itself when run as a script (``dag.test()`` at the bottom)."""

from __future__ import annotations

from pathlib import Path

import pendulum
from airflow.sdk import BaseHook, Variable, dag, task

INCLUDE = Path(__file__).parent / "include"


@dag(schedule=None, start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), catchup=False)
def ex_self_test():
    @task
    def hello(ds=None):
        print("HELLO", ds)
        print("VAR", Variable.get("ex_greeting"), Variable.get("ex_limits", deserialize_json=True))
        db = BaseHook.get_connection("ex_file_db")
        print("CONN", db.conn_type, db.host, db.port, BaseHook.get_connection("ex_file_uri").host)

    hello()


example = ex_self_test()

if __name__ == "__main__":
    example.test(
        logical_date=pendulum.datetime(2024, 5, 1, tz="UTC"),
        variable_file_path=str(INCLUDE / "test_variables.json"),
        conn_file_path=str(INCLUDE / "test_connections.yaml"),
    )
