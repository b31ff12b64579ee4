"""Setup and teardown tasks: teardown runs after a failure; its own failure is ignored."""

from datetime import datetime

from airflow.sdk import DAG, setup, task, teardown

with DAG("setup_teardown_work_fails", schedule=None, start_date=datetime(2024, 1, 1)):

    @setup
    def create_cluster():
        print("SETUP create")
        return "cluster-1"

    @task
    def work(cluster):
        raise RuntimeError(f"work on {cluster} failed")

    @teardown
    def delete_cluster(cluster):
        print(f"TEARDOWN delete {cluster}")

    cluster = create_cluster()
    work(cluster) >> delete_cluster(cluster)


with DAG("setup_teardown_teardown_fails", schedule=None, start_date=datetime(2024, 1, 1)):

    @task
    def make():
        print("SETUP make")

    @task
    def use():
        print("WORK use")

    @task
    def clean():
        raise RuntimeError("cleanup failed")

    s, w, t = make(), use(), clean()
    s >> w >> t.as_teardown(setups=s)
