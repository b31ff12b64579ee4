"""The REST API driven by Airflow's own client, apache-airflow-client, unchanged."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from airflow_client import client
from airflow_client.client.api import (
    connection_api,
    dag_api,
    dag_run_api,
    import_error_api,
    monitor_api,
    pool_api,
    task_api,
    task_instance_api,
    variable_api,
    version_api,
    x_com_api,
)
from airflow_client.client.exceptions import ApiException, BadRequestException, NotFoundException
from api_server_process import ApiServerProcess
from api_store_data import DAG_ID, LOG_TEXT, RUN_ID


@pytest.fixture
def api(api_server: ApiServerProcess) -> Iterator[client.ApiClient]:
    config = client.Configuration(host=api_server.url, access_token=api_server.token("admin"))
    with client.ApiClient(config) as api_client:
        yield api_client


def test_health_and_version(api: client.ApiClient) -> None:
    health = monitor_api.MonitorApi(api).get_health()
    assert health.metadatabase.status == "healthy"
    assert version_api.VersionApi(api).get_version().version


def test_list_and_get_dags(api: client.ApiClient) -> None:
    dags = dag_api.DAGApi(api)
    listing = dags.get_dags()
    assert listing.total_entries == 2
    assert [d.dag_id for d in listing.dags] == ["etl", "reports"]
    page = dags.get_dags(limit=1, offset=1)
    assert [d.dag_id for d in page.dags] == ["reports"]
    assert page.total_entries == 2
    newest_first = dags.get_dags(order_by=["-dag_id"])
    assert [d.dag_id for d in newest_first.dags] == ["reports", "etl"]
    assert [d.dag_id for d in dags.get_dags(tags=["etl"]).dags] == ["etl"]
    etl = dags.get_dag(DAG_ID)
    assert etl.dag_display_name == "ETL pipeline"
    assert etl.owners == ["data"]
    assert [t.name for t in etl.tags] == ["etl"]
    assert etl.timetable_summary == "@daily"
    with pytest.raises(NotFoundException):
        dags.get_dag("nope")


def test_dag_details_and_tasks(api: client.ApiClient) -> None:
    details = dag_api.DAGApi(api).get_dag_details(DAG_ID)
    assert details.catchup is False
    assert details.doc_md == "# ETL"
    assert details.start_date == datetime(2025, 12, 1, tzinfo=UTC)
    tasks = task_api.TaskApi(api)
    listing = tasks.get_tasks(DAG_ID)
    assert [t.task_id for t in listing.tasks] == ["extract", "load"]
    extract = tasks.get_task(DAG_ID, "extract")
    assert extract.downstream_task_ids == ["load"]
    assert extract.retry_delay is not None and extract.retry_delay.seconds == 300
    assert extract.operator_name == "BashOperator"
    with pytest.raises(NotFoundException):
        tasks.get_task(DAG_ID, "nope")


def test_pause_and_unpause(api: client.ApiClient) -> None:
    dags = dag_api.DAGApi(api)
    paused = dags.patch_dag(DAG_ID, client.DAGPatchBody(is_paused=True), update_mask=["is_paused"])
    assert paused.is_paused is True
    assert dags.get_dag(DAG_ID).is_paused is True
    assert [d.dag_id for d in dags.get_dags(paused=True).dags] == [DAG_ID]
    assert dags.patch_dag(DAG_ID, client.DAGPatchBody(is_paused=False)).is_paused is False


def test_list_get_and_trigger_dag_runs(api: client.ApiClient) -> None:
    runs = dag_run_api.DagRunApi(api)
    run = runs.get_dag_run(DAG_ID, RUN_ID)
    assert run.state == client.DagRunState.SUCCESS
    assert run.conf == {"rows": 3}
    assert run.duration == 30.0
    logical = datetime(2026, 2, 1, tzinfo=UTC)
    body = client.TriggerDAGRunPostBody(
        dag_run_id="api_run", logical_date=logical, conf={"rows": 7}
    )
    created = runs.trigger_dag_run(DAG_ID, body)
    assert created.dag_run_id == "api_run"
    assert created.state == client.DagRunState.QUEUED
    assert created.logical_date == logical
    assert created.triggered_by == client.DagRunTriggeredByType.REST_API
    no_date = runs.trigger_dag_run(DAG_ID, client.TriggerDAGRunPostBody(logical_date=None))
    assert no_date.logical_date is None
    assert no_date.dag_run_id.startswith("manual__")
    listing = runs.get_dag_runs(DAG_ID, order_by=["-logical_date"])
    assert listing.total_entries == 3
    queued = runs.get_dag_runs(DAG_ID, state=["queued"])
    assert {r.dag_run_id for r in queued.dag_runs} == {"api_run", no_date.dag_run_id}
    tis = task_instance_api.TaskInstanceApi(api).get_task_instances(DAG_ID, "api_run")
    assert sorted(t.task_id for t in tis.task_instances) == ["extract", "load"]
    assert all(t.state is None for t in tis.task_instances)
    with pytest.raises(ApiException) as conflict:
        runs.trigger_dag_run(DAG_ID, body)
    assert conflict.value.status == 409
    with pytest.raises(NotFoundException):
        runs.get_dag_run(DAG_ID, "nope")


def test_task_instances(api: client.ApiClient) -> None:
    tis = task_instance_api.TaskInstanceApi(api)
    listing = tis.get_task_instances(DAG_ID, RUN_ID)
    assert listing.total_entries == 2
    assert [t.task_id for t in listing.task_instances] == ["extract", "load"]
    extract = tis.get_task_instance(DAG_ID, RUN_ID, "extract")
    assert extract.state == client.TaskInstanceState.SUCCESS
    assert extract.try_number == 1
    assert extract.logical_date == datetime(2026, 1, 1, tzinfo=UTC)
    only_load = tis.get_task_instances(DAG_ID, RUN_ID, task_id="load")
    assert [t.task_id for t in only_load.task_instances] == ["load"]
    with pytest.raises(NotFoundException):
        tis.get_task_instance(DAG_ID, RUN_ID, "nope")


def test_xcom_entries(api: client.ApiClient) -> None:
    xcoms = x_com_api.XComApi(api)
    listing = xcoms.get_xcom_entries(DAG_ID, RUN_ID, "extract")
    assert listing.total_entries == 3
    assert {e.key for e in listing.xcom_entries} == {"return_value", "note", "window"}
    entry = xcoms.get_xcom_entry(DAG_ID, "extract", RUN_ID, "return_value")
    assert entry.actual_instance.value == {"rows": 3}
    text = xcoms.get_xcom_entry(DAG_ID, "extract", RUN_ID, "return_value", stringify=True)
    assert text.actual_instance.value == '{"rows": 3}'
    window = xcoms.get_xcom_entry(DAG_ID, "extract", RUN_ID, "window")
    assert window.actual_instance.value == ["2026-01-01T00:00:00+00:00", 7]
    window_text = xcoms.get_xcom_entry(DAG_ID, "extract", RUN_ID, "window", stringify=True)
    # Airflow's stringify is str() of the deserialized value.
    assert window_text.actual_instance.value == str((datetime(2026, 1, 1, tzinfo=UTC), 7))
    with pytest.raises(NotFoundException):
        xcoms.get_xcom_entry(DAG_ID, "extract", RUN_ID, "missing")


def test_task_logs_json_and_text(api: client.ApiClient) -> None:
    tis = task_instance_api.TaskInstanceApi(api)
    log = tis.get_log(DAG_ID, RUN_ID, "extract", 1)
    lines = log.content.actual_instance
    assert [line.event for line in lines] == ["extracting 3 rows", "Done."]
    assert lines[0].timestamp == datetime(2026, 1, 1, 0, 0, 1, tzinfo=UTC)
    raw_json = tis.get_log_without_preload_content(DAG_ID, RUN_ID, "extract", 1).json()
    assert raw_json["content"][0]["level"] == "info"
    assert raw_json["content"][0]["logger"] == "task_runner"
    assert lines[1].timestamp is None
    raw = tis.get_log_without_preload_content(DAG_ID, RUN_ID, "extract", 1, accept="text/plain")
    assert raw.headers["content-type"].startswith("text/plain")
    assert raw.data.decode() == LOG_TEXT
    with pytest.raises(NotFoundException):
        tis.get_log(DAG_ID, RUN_ID, "extract", 5)


def test_clear_task_instances(api: client.ApiClient) -> None:
    tis = task_instance_api.TaskInstanceApi(api)
    body = client.ClearTaskInstancesBody(
        dag_run_id=RUN_ID,
        task_ids=[client.ClearTaskInstancesBodyTaskIdsInner("load")],
        dry_run=True,
        only_failed=False,
    )
    dry = tis.post_clear_task_instances(DAG_ID, body)
    assert [t.task_id for t in dry.task_instances] == ["load"]
    assert tis.get_task_instance(DAG_ID, RUN_ID, "load").state == client.TaskInstanceState.SUCCESS
    body.dry_run = False
    cleared = tis.post_clear_task_instances(DAG_ID, body)
    assert [t.task_id for t in cleared.task_instances] == ["load"]
    assert tis.get_task_instance(DAG_ID, RUN_ID, "load").state is None
    assert tis.get_task_instance(DAG_ID, RUN_ID, "extract").state == "success"
    run = dag_run_api.DagRunApi(api).get_dag_run(DAG_ID, RUN_ID)
    assert run.state == client.DagRunState.QUEUED


def test_import_errors(api: client.ApiClient) -> None:
    errors = import_error_api.ImportErrorApi(api)
    listing = errors.get_import_errors()
    assert listing.total_entries == 1
    error = listing.import_errors[0]
    assert error.filename == "/dags/broken.py"
    assert "SyntaxError" in errors.get_import_error(error.import_error_id).stack_trace
    with pytest.raises(NotFoundException):
        errors.get_import_error(999)


def test_variables_crud(api: client.ApiClient) -> None:
    variables = variable_api.VariableApi(api)
    created = variables.post_variable(
        client.VariableBody(key="bucket", value="s3://data", description="landing")
    )
    assert created.value == "s3://data"
    variables.post_variable(client.VariableBody(key="limits", value={"rows": 10}))
    assert variables.get_variable("limits").value == '{"rows": 10}'
    variables.post_variable(client.VariableBody(key="db_password", value="hunter2"))
    assert variables.get_variable("db_password").value == "***"
    patched = variables.patch_variable(
        "bucket", client.VariableBody(key="bucket", value="s3://new"), update_mask=["value"]
    )
    assert patched.value == "s3://new"
    assert patched.description == "landing"
    listing = variables.get_variables(order_by=["key"])
    assert [v.key for v in listing.variables] == ["bucket", "db_password", "limits"]
    assert listing.total_entries == 3
    with pytest.raises(ApiException) as conflict:
        variables.post_variable(client.VariableBody(key="bucket", value="x"))
    assert conflict.value.status == 409
    variables.delete_variable("bucket")
    with pytest.raises(NotFoundException):
        variables.get_variable("bucket")
    with pytest.raises(NotFoundException):
        variables.delete_variable("bucket")


def test_connections_crud_never_show_passwords(api: client.ApiClient) -> None:
    connections = connection_api.ConnectionApi(api)
    body = client.ConnectionBody(
        connection_id="warehouse",
        conn_type="postgres",
        host="db.example",
        login="etl",
        password="s3cret",
        port=5432,
        var_schema="analytics",
        extra='{"sslmode": "require", "api_key": "k"}',
    )
    created = connections.post_connection(body)
    assert created.password == "***"
    assert created.var_schema == "analytics"
    assert '"api_key": "***"' in (created.extra or "")
    fetched = connections.get_connection("warehouse")
    assert fetched.host == "db.example"
    assert fetched.password == "***"
    patched = connections.patch_connection(
        "warehouse",
        client.ConnectionBody(connection_id="warehouse", conn_type="postgres", host="db2"),
        update_mask=["host"],
    )
    assert patched.host == "db2"
    assert patched.login == "etl"
    listing = connections.get_connections()
    assert [c.connection_id for c in listing.connections] == ["warehouse"]
    assert all(c.password in (None, "***") for c in listing.connections)
    with pytest.raises(ApiException) as conflict:
        connections.post_connection(body)
    assert conflict.value.status == 409
    connections.delete_connection("warehouse")
    with pytest.raises(NotFoundException):
        connections.get_connection("warehouse")


def test_pools_crud(api: client.ApiClient) -> None:
    pools = pool_api.PoolApi(api)
    created = pools.post_pool(client.PoolBody(name="gpu", slots=2, description="GPUs"))
    assert created.open_slots == 2
    assert pools.get_pool("gpu").slots == 2
    patched = pools.patch_pool("gpu", client.PoolPatchBody(slots=4), update_mask=["slots"])
    assert patched.slots == 4
    assert patched.description == "GPUs"
    listing = pools.get_pools()
    assert [p.name for p in listing.pools] == ["default_pool", "gpu"]
    pools.delete_pool("gpu")
    with pytest.raises(NotFoundException):
        pools.get_pool("gpu")
    with pytest.raises(BadRequestException):
        pools.delete_pool("default_pool")
    assert pools.get_pool("default_pool").slots == 128


def test_mark_task_instances_and_runs(api: client.ApiClient) -> None:
    runs = dag_run_api.DagRunApi(api)
    tis = task_instance_api.TaskInstanceApi(api)
    run = runs.trigger_dag_run(
        DAG_ID, client.TriggerDAGRunPostBody(dag_run_id="to_mark", logical_date=None)
    )
    marked = tis.patch_task_instance(
        DAG_ID,
        run.dag_run_id,
        "extract",
        client.PatchTaskInstanceBody(new_state=client.TaskInstanceState.FAILED),
    )
    assert [(t.task_id, t.state) for t in marked.task_instances] == [("extract", "failed")]
    noted = tis.patch_task_instance(
        DAG_ID,
        run.dag_run_id,
        "extract",
        client.PatchTaskInstanceBody(note="looked at it", new_state=None),
        update_mask=["note"],
    )
    assert noted.task_instances[0].note == "looked at it"
    assert noted.task_instances[0].state == "failed"
    success = runs.patch_dag_run(
        DAG_ID, run.dag_run_id, client.DAGRunPatchBody(state=client.DagRunMutableStates.SUCCESS)
    )
    assert success.state == client.DagRunState.SUCCESS
    states = {
        t.task_id: t.state for t in tis.get_task_instances(DAG_ID, run.dag_run_id).task_instances
    }
    # Marking the run success finishes what was unfinished; a failed task stays failed.
    assert states == {"extract": "failed", "load": "success"}
    with pytest.raises(ApiException) as bad_state:
        runs.patch_dag_run_with_http_info(
            DAG_ID, run.dag_run_id, client.DAGRunPatchBody(), update_mask=["colour"]
        )
    assert bad_state.value.status == 400


def test_task_instance_tries(api: client.ApiClient) -> None:
    tries = task_instance_api.TaskInstanceApi(api).get_task_instance_tries(
        DAG_ID, RUN_ID, "extract"
    )
    assert [(t.try_number, t.state) for t in tries.task_instances] == [(1, "success")]


def test_delete_dag(api: client.ApiClient) -> None:
    dags = dag_api.DAGApi(api)
    dags.delete_dag("reports")
    with pytest.raises(NotFoundException):
        dags.get_dag("reports")
    with pytest.raises(NotFoundException):
        dags.delete_dag("reports")
