"""Airflow 3 assets: declared as outlets and as a schedule (run manually here)."""

from datetime import datetime

from airflow.sdk import DAG, Asset, task

orders = Asset("s3://warehouse/orders")

with DAG("asset_producer", schedule=None, start_date=datetime(2024, 1, 1)):

    @task(outlets=[orders])
    def produce(outlets=None):
        print(f"PRODUCED {outlets[0].uri}")

    produce()

with DAG("asset_consumer", schedule=[orders], start_date=datetime(2024, 1, 1)):

    @task
    def consume():
        print("CONSUMED")

    consume()
