"""End to end: a DAG file parsed and run by ``airstream dags test``, read back with the client."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from airflow_client import client
from airflow_client.client.api import dag_api, dag_run_api, task_instance_api, x_com_api
from airflow_client.client.exceptions import BadRequestException
from api_server_process import ApiServerProcess

DAG_FILE = """\
from datetime import datetime

from airflow import DAG
from airflow.decorators import task
from airflow.models.param import Param
from airflow.operators.bash import BashOperator

with DAG(
    "hello",
    start_date=datetime(2026, 1, 1),
    schedule=None,
    tags=["demo"],
    params={"rows": Param(5, type="integer", minimum=1)},
) as dag:
    @task
    def produce():
        print("producing the answer")
        return {"n": 42}

    say = BashOperator(task_id="say", bash_command="echo hello")
    produce() >> say
"""


def _airstream(home: Path, *args: str) -> str:
    env = {**os.environ, "AIRSTREAM_HOME": str(home), "AIRSTREAM_LOAD_EXAMPLES": "false"}
    result = subprocess.run(
        [sys.executable, "-m", "airstream", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[client.ApiClient]:
    home = tmp_path_factory.mktemp("dags-test-home")
    (home / "dags").mkdir()
    (home / "dags" / "hello.py").write_text(DAG_FILE)
    _airstream(home, "dags", "reserialize")
    _airstream(home, "dags", "test", "hello")
    server = ApiServerProcess(home, env={"AIRSTREAM_LOAD_EXAMPLES": "false"})
    server.start()
    config = client.Configuration(host=server.url, access_token=server.token())
    with client.ApiClient(config) as api_client:
        yield api_client
    assert server.stop() == 0


def test_the_run_its_task_instances_xcom_and_logs(api: client.ApiClient) -> None:
    assert "hello" in [d.dag_id for d in dag_api.DAGApi(api).get_dags().dags]
    [run] = dag_run_api.DagRunApi(api).get_dag_runs("hello").dag_runs
    assert run.state == client.DagRunState.SUCCESS
    tis = task_instance_api.TaskInstanceApi(api)
    listing = tis.get_task_instances("hello", run.dag_run_id)
    assert {t.task_id: t.state for t in listing.task_instances} == {
        "produce": client.TaskInstanceState.SUCCESS,
        "say": client.TaskInstanceState.SUCCESS,
    }
    xcom = x_com_api.XComApi(api).get_xcom_entry("hello", "produce", run.dag_run_id, "return_value")
    assert xcom.actual_instance.value == {"n": 42}
    log = tis.get_log("hello", run.dag_run_id, "produce", 1)
    assert any("producing the answer" in line.event for line in log.content.actual_instance)


def test_trigger_creates_task_instances_from_the_stored_structure(api: client.ApiClient) -> None:
    body = client.TriggerDAGRunPostBody(logical_date=None, conf={"rows": 3})
    run = dag_run_api.DagRunApi(api).trigger_dag_run("hello", body)
    listing = task_instance_api.TaskInstanceApi(api).get_task_instances("hello", run.dag_run_id)
    by_id = {t.task_id: t for t in listing.task_instances}
    assert set(by_id) == {"produce", "say"}
    assert by_id["produce"].pool == "default_pool"
    assert by_id["produce"].priority_weight == 2  # its own weight plus its downstream task's
    assert by_id["say"].operator == "BashOperator"


def test_trigger_validates_conf_against_the_dag_params(api: client.ApiClient) -> None:
    runs = dag_run_api.DagRunApi(api)
    for bad in ({"rows": "many"}, {"rows": 0}):
        with pytest.raises(BadRequestException) as refused:
            runs.trigger_dag_run("hello", client.TriggerDAGRunPostBody(logical_date=None, conf=bad))
        assert "Invalid input for param rows" in str(refused.value.body)
    default = runs.trigger_dag_run("hello", client.TriggerDAGRunPostBody(logical_date=None))
    assert default.conf == {}
