"""SQL operators against SQLite: a script, a template file, and the SqliteOperator alias."""

from datetime import datetime
from pathlib import Path

from airflow import DAG
from airflow.operators.python import PythonOperator
from airflow.providers.common.sql.operators.sql import SQLExecuteQueryOperator
from airflow.providers.sqlite.operators.sqlite import SqliteOperator


def show(ti):
    print(f"ROWS={ti.xcom_pull(task_ids='select')} TEMPLATED={ti.xcom_pull(task_ids='from_file')}")


with DAG(
    "sql_sqlite",
    schedule=None,
    start_date=datetime(2024, 1, 1),
    template_searchpath=str(Path(__file__).parent / "templates"),
    params={"n": 7},
):
    create = SQLExecuteQueryOperator(
        task_id="create",
        conn_id="test_sqlite",
        sql="""
            DROP TABLE IF EXISTS events;
            CREATE TABLE events (id INTEGER, name TEXT);
            INSERT INTO events VALUES (1, 'a;b'), (2, '{{ ds }}');
        """,
    )
    select = SqliteOperator(
        task_id="select",
        sqlite_conn_id="test_sqlite",
        sql="SELECT id, name FROM events ORDER BY id",
    )
    from_file = SQLExecuteQueryOperator(
        task_id="from_file", conn_id="test_sqlite", sql="/query_template.sql"
    )
    create >> select >> from_file >> PythonOperator(task_id="show", python_callable=show)
