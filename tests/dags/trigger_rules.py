"""Every trigger rule against a success, a failure and a skip upstream."""

from datetime import datetime

from airflow import DAG
from airflow.exceptions import AirflowSkipException
from airflow.operators.empty import EmptyOperator
from airflow.operators.python import PythonOperator
from airflow.utils.trigger_rule import TriggerRule


def fail():
    raise ValueError("boom")


def skip():
    raise AirflowSkipException("nothing to do")


with DAG("trigger_rules", schedule=None, start_date=datetime(2024, 1, 1)):
    ok = EmptyOperator(task_id="ok")
    bad = PythonOperator(task_id="bad", python_callable=fail)
    skipped = PythonOperator(task_id="skipped", python_callable=skip)
    mixed = [ok, bad, skipped]
    for rule in TriggerRule:
        if rule in (TriggerRule.ALL_DONE_SETUP_SUCCESS,):
            continue
        mixed >> EmptyOperator(task_id=f"mixed_{rule.value}", trigger_rule=rule)
    [ok] >> EmptyOperator(task_id="only_ok_all_success")
    [skipped] >> EmptyOperator(task_id="only_skipped_all_skipped", trigger_rule="all_skipped")
    [bad] >> EmptyOperator(task_id="only_bad_all_failed", trigger_rule="all_failed")
    [ok, skipped] >> EmptyOperator(task_id="ok_skipped_none_failed", trigger_rule="none_failed")
    chain_head = EmptyOperator(task_id="after_bad", trigger_rule="all_success")
    bad >> chain_head >> EmptyOperator(task_id="after_after_bad")
