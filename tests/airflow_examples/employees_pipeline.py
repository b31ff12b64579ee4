"""A data pipeline in the style of Airflow's tutorial: CSV into PostgreSQL via ``copy_expert``."""

from __future__ import annotations

import csv
import datetime
import os
import tempfile

import pendulum
from airflow.providers.common.sql.operators.sql import SQLExecuteQueryOperator
from airflow.providers.postgres.hooks.postgres import PostgresHook
from airflow.sdk import dag, task

ROWS = [
    ("1", "Acme", "Ann", "first", "3"),
    ("2", "Acme", "Bob", "second", "5"),
    ("2", "Acme", "Bob", "duplicate", "5"),
]


@dag(
    dag_id="ex_employees_pipeline",
    schedule="0 0 * * *",
    start_date=pendulum.datetime(2021, 1, 1, tz="UTC"),
    catchup=False,
    dagrun_timeout=datetime.timedelta(minutes=60),
    params={"table": "employees"},
)
def process_employees():
    create_employees_table = SQLExecuteQueryOperator(
        task_id="create_employees_table",
        conn_id="ex_tutorial_pg",
        sql="""
            CREATE TABLE IF NOT EXISTS {{ params.table }} (
                "Serial Number" NUMERIC PRIMARY KEY,
                "Company Name" TEXT,
                "Employee Markme" TEXT,
                "Description" TEXT,
                "Leave" INTEGER
            );""",
    )

    create_employees_temp_table = SQLExecuteQueryOperator(
        task_id="create_employees_temp_table",
        conn_id="ex_tutorial_pg",
        sql="""
            DROP TABLE IF EXISTS {{ params.table }}_temp;
            CREATE TABLE {{ params.table }}_temp (
                "Serial Number" NUMERIC,
                "Company Name" TEXT,
                "Employee Markme" TEXT,
                "Description" TEXT,
                "Leave" INTEGER
            );""",
    )

    @task
    def get_data(params=None):
        data_path = os.path.join(tempfile.mkdtemp(), "employees.csv")
        with open(data_path, "w", newline="") as file:
            writer = csv.writer(file)
            writer.writerow(
                ["Serial Number", "Company Name", "Employee Markme", "Description", "Leave"]
            )
            writer.writerows(ROWS)
        postgres_hook = PostgresHook(postgres_conn_id="ex_tutorial_pg")
        conn = postgres_hook.get_conn()
        cur = conn.cursor()
        with open(data_path) as file:
            cur.copy_expert(
                f"COPY {params['table']}_temp FROM STDIN WITH CSV HEADER DELIMITER AS ',' "
                "QUOTE '\"'",
                file,
            )
        conn.commit()
        conn.close()

    @task
    def merge_data(params=None):
        table = params["table"]
        query = f"""
            INSERT INTO {table}
            SELECT * FROM (SELECT DISTINCT ON ("Serial Number") * FROM {table}_temp) t
            ON CONFLICT ("Serial Number") DO UPDATE
            SET "Employee Markme" = excluded."Employee Markme",
                "Description" = excluded."Description",
                "Leave" = excluded."Leave";
        """
        postgres_hook = PostgresHook(postgres_conn_id="ex_tutorial_pg")
        conn = postgres_hook.get_conn()
        cur = conn.cursor()
        cur.execute(query)
        conn.commit()
        count = postgres_hook.get_first(f"SELECT count(*) FROM {table}")[0]
        print("MERGED", count)
        export = os.path.join(tempfile.mkdtemp(), "export.csv")
        postgres_hook.copy_expert(
            f"COPY (SELECT * FROM {table} ORDER BY 1) TO STDOUT WITH CSV", export
        )
        with open(export) as file:
            print("EXPORTED", len(file.read().splitlines()))
        return 0

    [create_employees_table, create_employees_temp_table] >> get_data() >> merge_data()


dag = process_employees()
