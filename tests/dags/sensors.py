"""Sensors in poke and reschedule mode, timeouts, soft_fail, and @task.sensor."""

from datetime import datetime, timedelta

from airflow.providers.standard.sensors.bash import BashSensor
from airflow.providers.standard.sensors.date_time import DateTimeSensor
from airflow.providers.standard.sensors.filesystem import FileSensor
from airflow.providers.standard.sensors.python import PythonSensor
from airflow.providers.standard.sensors.time_delta import TimeDeltaSensor
from airflow.sdk import DAG, PokeReturnValue, task

_calls = {"n": 0}


def third_time_lucky():
    _calls["n"] += 1
    return _calls["n"] >= 3


def rescheduled_third_time(ti):
    _calls["reschedules"] = _calls.get("reschedules", 0) + 1
    print(f"RESCHEDULE POKE {_calls['reschedules']} try={ti.try_number}")
    return _calls["reschedules"] >= 3


with DAG("sensors", schedule=None, start_date=datetime(2024, 1, 1)):
    PythonSensor(task_id="poke_python", python_callable=third_time_lucky, poke_interval=0.01)
    PythonSensor(
        task_id="reschedule_python",
        python_callable=rescheduled_third_time,
        mode="reschedule",
        poke_interval=0.01,
        timeout=30,
    )
    PythonSensor(
        task_id="reschedule_timeout",
        python_callable=lambda: False,
        mode="reschedule",
        poke_interval=0.01,
        timeout=0.1,
    )
    PythonSensor(
        task_id="soft_timeout",
        python_callable=lambda: False,
        poke_interval=0.01,
        timeout=0.05,
        soft_fail=True,
    )
    PythonSensor(
        task_id="hard_timeout",
        python_callable=lambda: False,
        poke_interval=0.01,
        timeout=0.05,
        retries=2,
    )
    BashSensor(task_id="bash_sensor", bash_command="test -d /tmp", poke_interval=0.01)
    FileSensor(
        task_id="file_sensor",
        filepath="{{ var.value.sensor_file }}",
        poke_interval=0.01,
        timeout=5,
    )
    DateTimeSensor(
        task_id="date_time", target_time="{{ logical_date.isoformat() }}", poke_interval=0.01
    )
    TimeDeltaSensor(task_id="time_delta", delta=timedelta(seconds=0), poke_interval=0.01)

    @task.sensor(poke_interval=0.01, timeout=5)
    def decorated_sensor():
        return PokeReturnValue(is_done=True, xcom_value="sensed")

    @task
    def after_sensor(value):
        print(f"SENSED={value}")

    after_sensor(decorated_sensor())
