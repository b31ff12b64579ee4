"""Branching with @task.branch and BranchPythonOperator; a join after the branches."""

from datetime import datetime

from airflow import DAG
from airflow.decorators import task
from airflow.operators.empty import EmptyOperator
from airflow.operators.python import BranchPythonOperator
from airflow.utils.edgemodifier import Label
from airflow.utils.trigger_rule import TriggerRule

with DAG("branching", schedule="@daily", start_date=datetime(2024, 1, 1)):

    @task.branch
    def pick(ds=None):
        return "left" if ds.endswith("01") else "right"

    left = EmptyOperator(task_id="left")
    right = EmptyOperator(task_id="right")
    after_right = EmptyOperator(task_id="after_right")
    join = EmptyOperator(task_id="join", trigger_rule=TriggerRule.NONE_FAILED_MIN_ONE_SUCCESS)
    branch = pick()
    branch >> Label("day one") >> left >> join
    branch >> Label("other days") >> right >> after_right >> join

    classic = BranchPythonOperator(task_id="classic_branch", python_callable=lambda: ["c_yes"])
    c_yes = EmptyOperator(task_id="c_yes")
    c_no = EmptyOperator(task_id="c_no")
    c_end = EmptyOperator(task_id="c_end", trigger_rule="none_failed")
    classic >> [c_yes, c_no] >> c_end


with DAG("branch_by_date", schedule=None, start_date=datetime(2024, 1, 1)):
    from airflow.providers.standard.operators.datetime import BranchDateTimeOperator
    from airflow.providers.standard.operators.weekday import BranchDayOfWeekOperator

    by_day = BranchDayOfWeekOperator(
        task_id="by_day",
        week_day={"Monday", "Tuesday"},
        use_task_logical_date=True,
        follow_task_ids_if_true="early_week",
        follow_task_ids_if_false="later",
    )
    by_day >> [EmptyOperator(task_id="early_week"), EmptyOperator(task_id="later")]
    in_window = BranchDateTimeOperator(
        task_id="in_window",
        target_lower=datetime(2024, 1, 1),
        target_upper=datetime(2024, 1, 31),
        use_task_logical_date=True,
        follow_task_ids_if_true="january",
        follow_task_ids_if_false="not_january",
    )
    in_window >> [EmptyOperator(task_id="january"), EmptyOperator(task_id="not_january")]
