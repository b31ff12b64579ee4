"""@task.virtualenv / ExternalPythonOperator next to ordinary tasks: the file still loads."""

from __future__ import annotations

import pendulum
from airflow.providers.standard.operators.python import ExternalPythonOperator
from airflow.sdk import dag, task


def in_other_python():
    return 1


@dag(start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), schedule=None, catchup=False)
def ex_other_environments():
    @task.virtualenv(requirements=["colorama==0.4.0"], system_site_packages=False)
    def in_virtualenv():
        return 1

    @task.external_python(python="/usr/bin/python3")
    def in_external():
        return 2

    @task
    def ordinary():
        print("ORDINARY ran")

    ExternalPythonOperator(
        task_id="external_operator", python="/usr/bin/python3", python_callable=in_other_python
    )
    in_virtualenv()
    in_external()
    ordinary()


ex_other_environments()
