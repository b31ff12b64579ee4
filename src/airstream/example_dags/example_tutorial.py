"""
### The tutorial

Airflow's first DAG, as airstream runs it: `print_date` prints the date, then `sleep` and
`templated` run side by side. `templated` shows Jinja templating (a loop over
`macros.ds_add`), and every task retries once by default (`sleep` up to three times).
"""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime, timedelta

from airflow import DAG
from airflow.operators.bash import BashOperator

TEMPLATED_COMMAND = textwrap.dedent(
    """
    {% for i in range(3) %}
        echo "run date: {{ ds }}"
        echo "one week later: {{ macros.ds_add(ds, 7) }}"
    {% endfor %}
    """
)

with DAG(
    "example_tutorial",
    description="Airflow's tutorial: print_date, then sleep and templated",
    default_args={
        "owner": "airstream",
        "depends_on_past": False,
        "retries": 1,
        "retry_delay": timedelta(seconds=30),
    },
    schedule=timedelta(days=1),
    start_date=datetime(2025, 1, 1, tzinfo=UTC),
    catchup=False,
    tags=["example"],
    doc_md=__doc__,
) as dag:
    print_date = BashOperator(task_id="print_date", bash_command="date")
    print_date.doc_md = "Prints the current date: the first task of the run."

    sleep = BashOperator(task_id="sleep", bash_command="sleep 1", retries=3)

    templated = BashOperator(task_id="templated", bash_command=TEMPLATED_COMMAND)
    templated.doc_md = "A Jinja loop rendering `ds` and `macros.ds_add(ds, 7)`."

    print_date >> [sleep, templated]
