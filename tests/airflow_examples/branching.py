"""Branches joined with none_failed_min_one_success, labelled edges, start/end, short circuits."""

from __future__ import annotations

import pendulum
from airflow.providers.common.compat.sdk import TriggerRule
from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.providers.standard.operators.python import ShortCircuitOperator
from airflow.sdk import DAG, Label, task

with DAG(
    dag_id="ex_branching",
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    schedule=None,
    doc_md="# Branching\nPicks one path per run.",
):
    start = EmptyOperator(task_id="start")
    end = EmptyOperator(task_id="end", trigger_rule="none_failed_min_one_success")

    @task.branch(task_id="choose")
    def choose(params=None):
        return [f"path_{params['path']}"]

    chosen = choose()
    start >> chosen
    for name in ("a", "b", "c"):
        step = EmptyOperator(task_id=f"path_{name}")
        chosen >> Label(f"when {name}") >> step >> end

with DAG(
    dag_id="ex_short_circuit",
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    schedule=None,
):
    respecting = ShortCircuitOperator(
        task_id="respect_rules",
        python_callable=lambda: False,
        ignore_downstream_trigger_rules=False,
    )
    skipped_direct = EmptyOperator(task_id="skipped_direct")
    always = EmptyOperator(task_id="always_runs", trigger_rule=TriggerRule.ALL_DONE)
    respecting >> skipped_direct >> always

    strict = ShortCircuitOperator(task_id="skip_everything", python_callable=lambda: 0)
    first = EmptyOperator(task_id="first_skipped")
    second = EmptyOperator(task_id="second_skipped", trigger_rule=TriggerRule.ALL_DONE)
    strict >> first >> second
