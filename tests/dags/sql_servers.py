"""SQL operators against the PostgreSQL and MariaDB servers (connections from the env)."""

from datetime import datetime

from airflow import DAG
from airflow.operators.python import PythonOperator
from airflow.providers.mysql.operators.mysql import MySqlOperator
from airflow.providers.postgres.operators.postgres import PostgresOperator


def show(ti):
    print(f"PG={ti.xcom_pull(task_ids='pg_select')} MYSQL={ti.xcom_pull(task_ids='mysql_select')}")


with DAG(
    "sql_servers",
    schedule=None,
    start_date=datetime(2024, 1, 1),
    params={"table": "airstream_sql_test"},
) as dag:
    table = "{{ params.table }}"
    pg_load = PostgresOperator(
        task_id="pg_load",
        postgres_conn_id="test_pg",
        sql=f"DROP TABLE IF EXISTS {table}; CREATE TABLE {table} (id int, day text);"
        f"INSERT INTO {table} VALUES (1, '{{{{ ds }}}}'), (2, 'two')",
    )
    pg_select = PostgresOperator(
        task_id="pg_select",
        postgres_conn_id="test_pg",
        sql=f"SELECT id, day FROM {table} ORDER BY id",
    )
    pg_drop = PostgresOperator(
        task_id="pg_drop", postgres_conn_id="test_pg", sql=f"DROP TABLE {table}"
    )
    my_load = MySqlOperator(
        task_id="mysql_load",
        mysql_conn_id="test_mysql",
        sql=f"DROP TABLE IF EXISTS {table}; CREATE TABLE {table} (id int, day varchar(20));"
        f"INSERT INTO {table} VALUES (1, '{{{{ ds }}}}'), (2, 'two')",
    )
    my_select = MySqlOperator(
        task_id="mysql_select",
        mysql_conn_id="test_mysql",
        sql=f"SELECT id, day FROM {table} ORDER BY id",
    )
    my_drop = MySqlOperator(
        task_id="mysql_drop", mysql_conn_id="test_mysql", sql=f"DROP TABLE {table}"
    )
    shown = PythonOperator(task_id="show", python_callable=show)
    pg_load >> pg_select >> shown >> pg_drop
    my_load >> my_select >> shown >> my_drop
