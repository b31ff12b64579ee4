"""Deferrable time sensors: without a triggerer they still wake at their target moment."""

from __future__ import annotations

import datetime

import pendulum
from airflow.providers.standard.sensors.date_time import DateTimeSensor
from airflow.providers.standard.sensors.time_delta import TimeDeltaSensor
from airflow.sdk import DAG

with DAG(
    dag_id="ex_deferrable_sensors",
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    schedule=None,
):
    TimeDeltaSensor(
        task_id="wait_a_second",
        delta=datetime.timedelta(seconds=1),
        deferrable=True,
        mode="reschedule",
    )
    DateTimeSensor(
        task_id="wait_until",
        target_time="{{ (dag_run.run_after + macros.timedelta(seconds=1)).isoformat() }}",
        deferrable=True,
    )
