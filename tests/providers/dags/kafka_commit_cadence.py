"""One consuming DAG per commit cadence: ``kafka_cadence_<cadence>``, in batches of two."""

from datetime import datetime

from airflow import DAG
from airflow.providers.apache.kafka.operators.consume import ConsumeFromTopicOperator

for cadence in ("end_of_operator", "end_of_batch", "never"):
    with DAG(f"kafka_cadence_{cadence}", start_date=datetime(2024, 1, 1), schedule=None):
        ConsumeFromTopicOperator(
            task_id="consume",
            topics=["cadence"],
            apply_function="kafka_functions.append_record",
            apply_function_kwargs={
                "out": "{{ dag_run.conf['out'] }}",
                "fail_at": "{{ dag_run.conf.get('fail_at', '') }}",
            },
            commit_cadence=cadence,
            max_batch_size=2,
            poll_timeout=1,
        )
