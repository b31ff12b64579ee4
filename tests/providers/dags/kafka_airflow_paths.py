"""Produce then consume, written against the provider's import paths as an Airflow user would."""

from datetime import datetime

from airflow import DAG
from airflow.providers.apache.kafka.operators.consume import ConsumeFromTopicOperator
from airflow.providers.apache.kafka.operators.produce import ProduceToTopicOperator

with DAG("kafka_produce_consume", start_date=datetime(2024, 1, 1), schedule=None):
    produce = ProduceToTopicOperator(
        task_id="produce",
        topic="{{ dag_run.conf['topic'] }}",
        producer_function="kafka_functions.numbered_records",
        producer_function_kwargs={"count": "{{ dag_run.conf['count'] }}"},
        delivery_callback="kafka_functions.print_delivery",
        synchronous=False,
    )
    consume = ConsumeFromTopicOperator(
        task_id="consume",
        topics=["{{ dag_run.conf['topic'] }}"],
        apply_function="kafka_functions.append_record",
        apply_function_kwargs={"out": "{{ dag_run.conf['out'] }}"},
        return_apply_function_results=True,
        max_messages=100,
        max_batch_size=3,
        poll_timeout=1,
    )
    produce >> consume
