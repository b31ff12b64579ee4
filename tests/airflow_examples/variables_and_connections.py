"""Variables and connections the Airflow 2 and 3 ways, in callables and in templates."""

from __future__ import annotations

import pendulum
from airflow.hooks.base import BaseHook
from airflow.models import Variable
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG, task

with DAG(
    dag_id="ex_variables_connections",
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    schedule=None,
):

    @task
    def read_settings():
        print("DEFAULT_VAR", Variable.get("ex_missing_variable", default_var="fallback"))
        print("DEFAULT", Variable.get("ex_missing_variable", "positional"))
        settings = Variable.get("ex_settings", deserialize_json=True)
        print("JSON", settings["region"], settings["limits"][1])
        conn = BaseHook.get_connection("ex_warehouse")
        print("CONN", conn.conn_type, conn.host, conn.port, conn.login, conn.schema)
        return settings["region"]

    BashOperator(
        task_id="templated",
        bash_command=(
            "echo TPL {{ var.value.get('ex_missing_variable', 'tpl-fallback') }} "
            "{{ var.json.ex_settings.region }} {{ conn.ex_warehouse.host }}"
        ),
    )

    read_settings()
