"""More ``airflow.sdk`` names: literal, get_parsing_context, WeightRule, states, conf, macros."""

from __future__ import annotations

import pendulum
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import (
    DAG,
    BaseBranchOperator,
    DagRunState,
    TaskInstanceState,
    WeightRule,
    get_parsing_context,
    literal,
    macros,
    task,
)

current = get_parsing_context()
# DAG factories skip other DAGs when the parse is for one DAG; None means build them all.
for name in ("ex_sdk_names", "ex_sdk_names_other"):
    if current.dag_id is not None and current.dag_id != name:
        continue
    with DAG(dag_id=name, start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), schedule=None):

        class PickFirst(BaseBranchOperator):
            def choose_branch(self, context):
                return "kept"

        @task(task_id="kept", weight_rule=WeightRule.UPSTREAM)
        def kept(raw, rendered):
            print("RAW", raw, "RENDERED", rendered)
            print("STATES", DagRunState.SUCCESS.value, TaskInstanceState.SKIPPED.value)
            print("MACROS", macros.ds_add("2024-01-31", 1))

        dropped = BashOperator(task_id="dropped", bash_command="echo dropped")
        PickFirst(task_id="pick") >> [kept(literal("{{ ds }}"), "{{ ds }}"), dropped]
