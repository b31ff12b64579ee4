"""Callback lists, task options on @task, Param types and enums, doc_md, Assets as outlets."""

from __future__ import annotations

import datetime
from pathlib import Path

import pendulum
from airflow.providers.standard.operators.bash import BashOperator
from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.sdk import DAG, Asset, Param, task


def note(tag):
    def callback(context):
        print(f"CALLBACK {tag} {context['ti'].task_id} {context['dag_run'].run_id}")

    return callback


report = Asset("s3://example-bucket/report.csv")
INCLUDE = Path(__file__).parent / "include"

with DAG(
    dag_id="ex_callbacks_params",
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    schedule=None,
    params={
        "size": Param(5, type="integer", minimum=1, maximum=10),
        "colour": Param("red", type="string", enum=["red", "green", "blue"]),
        "note": Param(None, type=["null", "string"]),
        "flags": Param(["a"], type="array"),
    },
    default_args={"retries": 0, "retry_delay": datetime.timedelta(seconds=1)},
    on_success_callback=[note("dag-success-1"), note("dag-success-2")],
    doc_md=__doc__,
    template_searchpath=[str(INCLUDE)],
) as dag:

    @task(
        task_id="renamed_task",
        retries=2,
        retry_delay=datetime.timedelta(seconds=0),
        on_success_callback=[note("ok-1"), note("ok-2")],
        on_retry_callback=[note("retry")],
        outlets=[report],
        doc_md="Fails once, then succeeds.",
    )
    def flaky(params=None, ti=None):
        print("PARAMS", params["size"], params["colour"], params["note"], params["flags"])
        if ti.try_number == 1:
            raise RuntimeError("first try fails")
        return "ok"

    # A script found on template_searchpath is rendered first; with a trailing space the
    # command runs as written (the script's own text is left alone).
    script = BashOperator(task_id="script", bash_command="greet.sh", env={"WHO": "bash"})
    raw = BashOperator(task_id="raw_script", bash_command=f"sh {INCLUDE}/greet.sh ")
    EmptyOperator(task_id="end", on_success_callback=note("end")) << [flaky(), script, raw]
