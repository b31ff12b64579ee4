"""Names from the providers' compat shim, config, weekdays, time sensors, notifiers, assets."""

from __future__ import annotations

import datetime

import pendulum
from airflow.configuration import conf
from airflow.providers.common.compat.sdk import TriggerRule, timezone
from airflow.providers.standard.operators.weekday import BranchDayOfWeekOperator
from airflow.providers.standard.sensors.time import TimeSensor
from airflow.providers.standard.sensors.time_delta import TimeDeltaSensor
from airflow.providers.standard.sensors.weekday import DayOfWeekSensor
from airflow.providers.standard.utils.weekday import WeekDay
from airflow.sdk import (
    DAG,
    Asset,
    AssetAlias,
    AssetOrTimeSchedule,
    CronTriggerTimetable,
    Metadata,
    task,
)
from airflow.sdk.bases.notifier import BaseNotifier

DEFERRABLE = conf.getboolean("operators", "default_deferrable", fallback=False)
OWNER = conf.get("operators", "default_owner")
UNKNOWN = conf.get("ex_section", "ex_key", fallback="unset")
orders = Asset("s3://warehouse/orders.parquet")


class PrintNotifier(BaseNotifier):
    template_fields = ("message",)

    def __init__(self, message):
        self.message = message

    def notify(self, context):
        print("NOTIFY", self.message)


with DAG(
    dag_id="ex_provider_imports",
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    schedule=AssetOrTimeSchedule(
        timetable=CronTriggerTimetable("0 6 * * *", timezone="UTC"), assets=[orders]
    ),
    on_success_callback=PrintNotifier("run {{ run_id }} of {{ dag.dag_id }} done"),
    doc_md="ex_provider_imports.md",
):

    @task(outlets=[orders])
    def produce(outlet_events=None):
        print("CONF", DEFERRABLE, OWNER, UNKNOWN)
        print("NOW_AWARE", timezone.utcnow().tzinfo is not None)
        outlet_events[AssetAlias("ex-alias")].add(orders, extra={"rows": 1})
        yield Metadata(orders, {"rows": 42})
        return "produced"

    # 2024-03-10 is a Sunday.
    weekend = DayOfWeekSensor(
        task_id="weekend",
        week_day={WeekDay.SATURDAY, WeekDay.SUNDAY},
        use_task_logical_date=True,
        poke_interval=1,
        timeout=5,
        mode="reschedule",
        soft_fail=True,
    )
    branch = BranchDayOfWeekOperator(
        task_id="branch_weekday",
        week_day=WeekDay.SUNDAY,
        use_task_logical_date=True,
        follow_task_ids_if_true="on_sunday",
        follow_task_ids_if_false="other_day",
    )
    past_midnight = TimeSensor(task_id="after_midnight", target_time=datetime.time(0, 0))
    waited = TimeDeltaSensor(
        task_id="waited", delta=datetime.timedelta(seconds=0), deferrable=True, poke_interval=1
    )

    @task(task_id="on_sunday")
    def on_sunday(ti=None):
        print("PULLED", ti.xcom_pull(task_ids="produce"))

    @task(task_id="other_day")
    def other_day():
        print("NOT SUNDAY")

    @task(trigger_rule=TriggerRule.NONE_FAILED_MIN_ONE_SUCCESS)
    def done():
        print("DONE")

    produce() >> weekend >> branch >> [on_sunday(), other_day()] >> done()
    [past_midnight, waited] >> branch
