"""Dynamic task mapping: literals, partial, expand_kwargs, XComs, dicts, zero length."""

from datetime import datetime

from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG, task

with DAG("mapping", schedule=None, start_date=datetime(2024, 1, 1)):

    @task
    def numbers():
        return [1, 2, 3]

    @task
    def nothing():
        return []

    @task
    def add(x, y):
        return x + y

    @task
    def total(values):
        print(f"TOTAL={sum(values)}")
        return sum(values)

    @task
    def pairs():
        return {"k1": "v1", "k2": "v2"}

    @task
    def show_pair(pair):
        key, value = pair
        print(f"PAIR {key}={value}")

    @task
    def never(x):
        print("should not run")

    @task
    def kwargs_list():
        return [{"x": 100, "y": 1}, {"x": 200, "y": 2}]

    added = add.partial(y=10).expand(x=numbers())
    total.override(task_id="sum_added")(added)
    total.override(task_id="sum_cross")(add.expand(x=[1, 2], y=[10, 20]))
    total.override(task_id="sum_kwargs")(add.expand_kwargs(kwargs_list()))
    show_pair.expand(pair=pairs())
    never.expand(x=nothing())
    BashOperator.partial(task_id="echo", do_xcom_push=True).expand(
        bash_command=["echo one", "echo two"]
    )


with DAG("mapping_labels", schedule=None, start_date=datetime(2024, 1, 1)):

    @task(map_index_template="{{ city }}")
    def weather(city, expanded_ti_count=None):
        from airflow.sdk import get_current_context

        get_current_context()["city"] = city.upper()
        print(f"CITY {city} of {expanded_ti_count}")

    weather.expand(city=["oslo", "lima"])
