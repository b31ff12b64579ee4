"""TaskFlow: @dag, @task, multiple_outputs, passing values, override, get_current_context."""

from datetime import datetime

from airflow.sdk import dag, get_current_context, task


@dag(schedule=None, start_date=datetime(2024, 1, 1), tags=["taskflow"])
def taskflow_etl(factor: int = 3):
    @task
    def extract() -> dict[str, int]:
        return {"a": 1, "b": 2}

    @task(multiple_outputs=True)
    def split(data: dict):
        return {"first": data["a"], "second": data["b"]}

    @task
    def combine(first, second, factor):
        context = get_current_context()
        print(f"combine in {context['ti'].task_id} for {context['ds']}")
        return (first + second) * factor

    @task
    def report(value, ti=None, params=None):
        print(f"RESULT={value} from={ti.task_id} factor_param={params['factor']}")
        return value

    parts = split(extract())
    total = combine(parts["first"], parts["second"], factor)
    report(total)
    report.override(task_id="report_again")(total)


taskflow_etl()
