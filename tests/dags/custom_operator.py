"""A user-defined operator: templated fields, template_ext, xcom helpers, default_args."""

from datetime import datetime
from pathlib import Path

from airflow.models import BaseOperator
from airflow.sdk import DAG


class GreetOperator(BaseOperator):
    template_fields = ("greeting", "body")
    template_ext = (".txt",)

    def __init__(self, *, greeting: str, body: str = "", shout: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.greeting = greeting
        self.body = body
        self.shout = shout

    def execute(self, context):
        text = self.greeting.upper() if self.shout else self.greeting
        self.xcom_push(context, key="greeting", value=text)
        print(f"GREET {text} | {self.body.strip()}")
        return len(text)


class ReadOperator(BaseOperator):
    def execute(self, context):
        pulled = self.xcom_pull(context, task_ids="greet", key="greeting")
        length = self.xcom_pull(context, task_ids="greet")
        print(f"READ {pulled} {length}")


with DAG(
    "custom_operator",
    schedule=None,
    start_date=datetime(2024, 1, 1),
    template_searchpath=str(Path(__file__).parent / "templates"),
    default_args={"shout": True, "retries": 2},
):
    greet = GreetOperator(task_id="greet", greeting="hello {{ ds }}", body="body.txt")
    greet >> ReadOperator(task_id="read")
