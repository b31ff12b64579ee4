"""A DAG file that runs itself: ``python -m airstream.compat self_testing.py`` calls dag.test()."""

from datetime import datetime

from airflow.sdk import dag, task


@dag(schedule=None, start_date=datetime(2024, 1, 1))
def self_testing():
    @task
    def hello():
        print("HELLO FROM DAG.TEST")

    hello()


built = self_testing()

if __name__ == "__main__":
    built.test()
