"""DAGs the scheduler tests run: XCom chains, branches, retries, timeouts, limits."""

import os
import time
from datetime import datetime, timedelta

from airflow import DAG
from airflow.decorators import task
from airflow.operators.bash import BashOperator
from airflow.operators.empty import EmptyOperator
from airflow.operators.python import BranchPythonOperator, PythonOperator
from airflow.sensors.python import PythonSensor

START = datetime(2024, 1, 1)

with DAG("xcom_chain", schedule=None, start_date=START):

    @task
    def first() -> int:
        return 1

    @task
    def add_one(value: int) -> int:
        return value + 1

    @task
    def mapped_double(value: int) -> int:
        return value * 2

    total = add_one(add_one(first()))
    doubled = mapped_double.expand(value=[1, 2, 3])
    echo = BashOperator(task_id="echo", bash_command="echo value={{ ti.xcom_pull('add_one__1') }}")
    total >> echo


with DAG("branching", schedule=None, start_date=START):
    choose = BranchPythonOperator(task_id="choose", python_callable=lambda: "left")
    left = EmptyOperator(task_id="left")
    right = EmptyOperator(task_id="right")
    after_right = EmptyOperator(task_id="after_right")
    join = EmptyOperator(task_id="join", trigger_rule="none_failed_min_one_success")
    choose >> [left, right]
    right >> after_right
    [left, after_right] >> join


def _flaky(ti, **_):
    if ti.try_number < 2:
        raise RuntimeError("first try fails")
    return ti.try_number


def _always_fails():
    raise RuntimeError("always fails")


with DAG("retrying", schedule=None, start_date=START):
    PythonOperator(
        task_id="flaky",
        python_callable=_flaky,
        retries=2,
        retry_delay=timedelta(seconds=0.3),
    )
    PythonOperator(
        task_id="hopeless",
        python_callable=_always_fails,
        retries=1,
        retry_delay=timedelta(seconds=0.1),
    )


with DAG("timing_out", schedule=None, start_date=START):
    PythonOperator(
        task_id="sleepy",
        python_callable=lambda: time.sleep(60),
        execution_timeout=timedelta(seconds=0.5),
    )


def _exclusive(dag_run, ti, **_):
    """Fails if another task holding the same probe file runs at the same time."""
    probe = dag_run.conf["probe"]
    fd = os.open(probe, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    try:
        time.sleep(0.2)
    finally:
        os.close(fd)
        os.unlink(probe)


with DAG("pooled", schedule=None, start_date=START):
    for i in range(3):
        PythonOperator(task_id=f"exclusive_{i}", python_callable=_exclusive, pool="single")


with DAG("one_task_at_a_time", schedule=None, start_date=START, max_active_tasks=1):
    for i in range(3):
        PythonOperator(task_id=f"exclusive_{i}", python_callable=_exclusive)


with DAG("one_run_at_a_time", schedule=None, start_date=START, max_active_runs=1):
    PythonOperator(task_id="exclusive", python_callable=_exclusive)


def _append_name(dag_run, task, **_):
    with open(dag_run.conf["order_file"], "a") as out:
        out.write(task.task_id + "\n")


with DAG("prioritized", schedule=None, start_date=START):
    for name, weight in [("low", 1), ("high", 10), ("middle", 5)]:
        PythonOperator(
            task_id=name,
            python_callable=_append_name,
            pool="single",
            priority_weight=weight,
            weight_rule="absolute",
        )


def _sleep_on_first_try(ti, **_):
    if ti.try_number == 1:
        time.sleep(120)
    return ti.try_number


with DAG("killed_midway", schedule=None, start_date=START):
    PythonOperator(
        task_id="survivor",
        python_callable=_sleep_on_first_try,
        retries=1,
        retry_delay=timedelta(seconds=0),
    )
    PythonOperator(task_id="casualty", python_callable=lambda: time.sleep(120))


def _third_poke(dag_run, **_):
    counter = dag_run.conf["counter"]
    pokes = 1
    if os.path.exists(counter):
        with open(counter) as previous:
            pokes += int(previous.read())
    with open(counter, "w") as out:
        out.write(str(pokes))
    return pokes >= 3


with DAG("rescheduling", schedule=None, start_date=START):
    PythonSensor(
        task_id="wait",
        python_callable=_third_poke,
        mode="reschedule",
        poke_interval=0.1,
    ) >> EmptyOperator(task_id="after")


with DAG("failing_fast", schedule=None, start_date=START, fail_fast=True):
    PythonOperator(task_id="fails", python_callable=_always_fails)
    PythonOperator(task_id="sleeps", python_callable=lambda: time.sleep(60))
    EmptyOperator(task_id="never") << PythonOperator(
        task_id="waits", python_callable=lambda: time.sleep(60)
    )


with DAG("run_timeout", schedule=None, start_date=START, dagrun_timeout=timedelta(seconds=0.5)):
    PythonOperator(task_id="sleeps", python_callable=lambda: time.sleep(60))


with DAG("stalling", schedule=None, start_date=START):
    PythonOperator(
        task_id="stalls_once",
        python_callable=_sleep_on_first_try,
        retries=1,
        retry_delay=timedelta(seconds=0),
    )


@task(max_active_tis_per_dagrun=1)
def _one_copy_at_a_time(value: int, dag_run=None) -> int:
    probe = dag_run.conf["probe"]
    fd = os.open(probe, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    try:
        time.sleep(0.1)
    finally:
        os.close(fd)
        os.unlink(probe)
    return value


with DAG("mapped_one_at_a_time", schedule=None, start_date=START):
    _one_copy_at_a_time.override(task_id="copy").expand(value=[1, 2, 3])
