"""Bad input gets a 4xx with a message, never a 500."""

from __future__ import annotations

import httpx
import pytest
from api_server_process import ApiServerProcess
from api_store_data import DAG_ID, RUN_ID


@pytest.fixture(scope="module")
def http(api_server: ApiServerProcess) -> httpx.Client:
    headers = {"Authorization": f"Bearer {api_server.token('admin')}"}
    return httpx.Client(base_url=f"{api_server.url}/api/v2", headers=headers)


def _detail(response: httpx.Response) -> object:
    body = response.json()
    assert body["detail"], body
    return body["detail"]


def test_malformed_json(http: httpx.Client) -> None:
    response = http.post(
        "/variables", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert "JSON" in str(_detail(response))


def test_wrong_types_and_unknown_fields(http: httpx.Client) -> None:
    assert http.post("/pools", json={"name": "p", "slots": "many"}).status_code == 422
    assert http.post("/pools", json={"name": "p", "slots": 1, "colour": "red"}).status_code == 422
    assert http.patch(f"/dags/{DAG_ID}", json={"is_paused": "maybe"}).status_code == 422
    response = http.get("/dags", params={"limit": "ten"})
    assert response.status_code == 422
    _detail(response)


def test_trigger_requires_logical_date_and_valid_dates(http: httpx.Client) -> None:
    missing = http.post(f"/dags/{DAG_ID}/dagRuns", json={"conf": {}})
    assert missing.status_code == 422
    assert "logical_date" in str(_detail(missing))
    bad_date = http.post(f"/dags/{DAG_ID}/dagRuns", json={"logical_date": "yesterday"})
    assert bad_date.status_code == 422
    naive = http.post(f"/dags/{DAG_ID}/dagRuns", json={"logical_date": "2026-01-01T00:00:00"})
    assert naive.status_code == 422
    not_object = http.post(f"/dags/{DAG_ID}/dagRuns", json={"logical_date": None, "conf": [1]})
    assert not_object.status_code == 422
    bad_filter = http.get(f"/dags/{DAG_ID}/dagRuns", params={"logical_date_gte": "soon"})
    assert bad_filter.status_code == 422


def test_unknown_ids_are_404(http: httpx.Client) -> None:
    for path in (
        "/dags/nope",
        "/dags/nope/details",
        "/dags/nope/tasks",
        "/dags/nope/dagRuns",
        f"/dags/{DAG_ID}/dagRuns/nope",
        f"/dags/{DAG_ID}/dagRuns/nope/taskInstances",
        f"/dags/{DAG_ID}/dagRuns/{RUN_ID}/taskInstances/nope",
        f"/dags/{DAG_ID}/dagRuns/{RUN_ID}/taskInstances/nope/logs/1",
        f"/dags/{DAG_ID}/dagRuns/{RUN_ID}/taskInstances/extract/xcomEntries/nope",
        "/variables/nope",
        "/connections/nope",
        "/pools/nope",
        "/importErrors/12345",
    ):
        response = http.get(path)
        assert response.status_code == 404, path
        assert "not found" in str(_detail(response)), path


def test_unknown_order_by_is_400(http: httpx.Client) -> None:
    for path in ("/dags", f"/dags/{DAG_ID}/dagRuns", "/pools", "/variables", "/importErrors"):
        response = http.get(path, params={"order_by": "no_such_column"})
        assert response.status_code == 400, path
        assert "no_such_column" in str(_detail(response))
    tasks = http.get(f"/dags/{DAG_ID}/tasks", params={"order_by": "nope"})
    assert tasks.status_code == 400


def test_bad_update_mask_and_mismatched_keys(http: httpx.Client) -> None:
    mask = http.patch(f"/dags/{DAG_ID}", params={"update_mask": "owners"}, json={"is_paused": True})
    assert mask.status_code == 400
    mismatch = http.patch("/variables/a", json={"key": "b", "value": "v"})
    assert mismatch.status_code == 400


def test_log_paths_cannot_escape(http: httpx.Client) -> None:
    response = http.get(f"/dags/{DAG_ID}/dagRuns/{RUN_ID}/taskInstances/..%2F..%2Fx/logs/1")
    assert response.status_code == 404


def test_bad_state_filter(http: httpx.Client) -> None:
    response = http.get(f"/dags/{DAG_ID}/dagRuns/{RUN_ID}/taskInstances", params={"state": "x"})
    assert response.status_code == 400
    runs = http.get(f"/dags/{DAG_ID}/dagRuns", params={"state": "x"})
    assert runs.status_code == 422
