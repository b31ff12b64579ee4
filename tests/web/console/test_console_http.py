"""The console over plain HTTP: sessions, CSRF, roles, bad input, live events, dashboard.

A real api-server over a filled store (tests/web/api_store_data.py); no scheduler runs, so
states only change when a test changes them.
"""

from __future__ import annotations

import html
import json
import re
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import httpx
import pytest
from api_server_process import ApiServerProcess
from api_store_data import DAG_ID, RUN_ID
from console_stack import csrf_token, logged_in_client

from airstream.store import open_store
from airstream.store.records import TaskInstanceKey, TaskInstanceState

RUN = quote(RUN_ID, safe="")
TASK_PAGE = f"/dags/{DAG_ID}/runs/{RUN}/tasks/extract"


@pytest.fixture(scope="module")
def admin(api_server: ApiServerProcess) -> Iterator[httpx.Client]:
    client = logged_in_client(api_server)
    yield client
    client.close()


@pytest.fixture(scope="module")
def viewer(api_server: ApiServerProcess) -> Iterator[httpx.Client]:
    client = logged_in_client(api_server, "vera")
    yield client
    client.close()


def message(response: httpx.Response) -> str:
    found = re.search(r'class="error-message">([^<]*)<', response.text)
    assert found, response.text[:500]
    return found.group(1).replace("&#39;", "'")


def token(client: httpx.Client) -> str:
    return csrf_token(client.get("/").text)


def run_state(server: ApiServerProcess, run_id: str = RUN_ID) -> str | None:
    with open_store(f"sqlite:///{server.home / 'airstream.db'}") as store:
        run = store.get_dag_run(DAG_ID, run_id)
    return run.state.value if run else None


def test_without_a_session_pages_redirect_to_login(api_server: ApiServerProcess) -> None:
    with httpx.Client(base_url=api_server.url) as anonymous:
        for page in ("/", f"/dags/{DAG_ID}", TASK_PAGE, "/import-errors", "/topics", "/groups"):
            response = anonymous.get(page)
            assert response.status_code == 303, page
            assert response.headers["location"] == f"/login?next={quote(page, safe='')}"
        events = anonymous.get("/console/events", params={"dag_id": DAG_ID})
        assert events.status_code == 401
        posted = anonymous.post(f"/dags/{DAG_ID}/trigger", data={"conf": "{}"})
        assert posted.status_code == 303 and posted.headers["location"].startswith("/login")
        anonymous.cookies.set("airstream_session", "forged.token.value")
        assert anonymous.get("/").status_code == 303
        # The API keeps answering in JSON.
        assert anonymous.get("/api/v2/dags").json() == {"detail": "Not authenticated"}


def test_a_wrong_password_is_refused(api_server: ApiServerProcess) -> None:
    with httpx.Client(base_url=api_server.url) as client:
        response = client.post("/login", data={"username": "admin", "password": "nope"})
        assert response.status_code == 401
        assert "Invalid username or password" in response.text
        assert "airstream_session" not in response.cookies
        assert client.get("/").status_code == 303


def test_login_only_redirects_to_local_paths(api_server: ApiServerProcess) -> None:
    with httpx.Client(base_url=api_server.url) as client:
        data = {"username": "admin", "password": "admin-secret", "next": "//evil.example/x"}
        response = client.post("/login", data=data)
        assert response.status_code == 303 and response.headers["location"] == "/"
        cookie = response.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=lax" in cookie


@pytest.mark.parametrize(
    ("page", "expected"),
    [
        ("/dags/nope", "there is no DAG 'nope'"),
        (f"/dags/{DAG_ID}?run_id=nope", f"DAG '{DAG_ID}' has no run 'nope'"),
        (f"/dags/{DAG_ID}/runs/nope", f"DAG '{DAG_ID}' has no run 'nope'"),
        (f"/dags/{DAG_ID}/runs/{RUN}/tasks/nope", "has no task 'nope'"),
        (f"/dags/{DAG_ID}/runs/{RUN}/tasks/extract?map_index=3", "(map index 3)"),
        ("/dags/nope/runs/x/tasks/y", "there is no DAG 'nope'"),
        ("/no/such/page", "there is no such page"),
    ],
)
def test_unknown_ids_are_404_pages(admin: httpx.Client, page: str, expected: str) -> None:
    response = admin.get(page)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert expected in message(response)


@pytest.mark.parametrize(
    ("page", "expected"),
    [
        (f"/dags/{DAG_ID}?page=abc", "page must be an integer, not 'abc'"),
        (f"/dags/{DAG_ID}?page=0", "page must be at least 1"),
        (f"/dags/{DAG_ID}?limit=1000", "limit must be between 1 and 100"),
        ("/?paused=sometimes", "paused must be one of all, active, paused"),
        (f"{TASK_PAGE}?try=9", "try must be between 1 and 1"),
        (f"{TASK_PAGE}?map_index=x", "map_index must be an integer"),
    ],
)
def test_bad_query_input_is_a_400_page(admin: httpx.Client, page: str, expected: str) -> None:
    response = admin.get(page)
    assert response.status_code == 400
    assert expected in message(response)


@pytest.mark.parametrize(
    ("action", "form", "expected"),
    [
        ("trigger", {"conf": "{not json"}, "conf is not valid JSON"),
        ("trigger", {"conf": "[1, 2]"}, "conf must be a JSON object, not list"),
        ("trigger", {"conf": "{}", "logical_date": "yesterday"}, "is not an ISO 8601"),
        ("pause", {"is_paused": "maybe"}, "is_paused must be true or false"),
        (f"runs/{RUN}/mark", {"state": "purple"}, "state must be one of success, failed"),
        (f"runs/{RUN}/tasks/extract/mark", {"state": "queued"}, "state must be one of"),
    ],
)
def test_bad_form_input_is_a_400_page(
    api_server: ApiServerProcess,
    admin: httpx.Client,
    action: str,
    form: dict[str, str],
    expected: str,
) -> None:
    before = run_state(api_server)
    response = admin.post(f"/dags/{DAG_ID}/{action}", data={**form, "csrf_token": token(admin)})
    assert response.status_code == 400
    assert expected in message(response)
    assert run_state(api_server) == before


def test_a_form_needs_its_csrf_token_and_our_origin(admin: httpx.Client) -> None:
    missing = admin.post(f"/dags/{DAG_ID}/pause", data={"is_paused": "true"})
    assert missing.status_code == 403 and "CSRF token" in message(missing)
    data = {"is_paused": "true", "csrf_token": token(admin)}
    foreign = admin.post(f"/dags/{DAG_ID}/pause", data=data, headers={"Origin": "http://evil"})
    assert foreign.status_code == 403 and "http://evil" in message(foreign)
    not_a_form = admin.post(f"/dags/{DAG_ID}/pause", json=data)
    assert not_a_form.status_code == 400
    page = admin.get(f"/dags/{DAG_ID}")
    assert "Pause</button>" in page.text  # still active


@pytest.mark.parametrize(
    ("action", "form", "verb"),
    [
        ("trigger", {"conf": "{}"}, "trigger DAG runs"),
        ("pause", {"is_paused": "true"}, "pause or unpause DAGs"),
        (f"runs/{RUN}/mark", {"state": "failed"}, "mark DAG runs"),
        (f"runs/{RUN}/clear", {}, "clear DAG runs"),
        (f"runs/{RUN}/tasks/extract/clear", {"downstream": "on"}, "clear task instances"),
        (f"runs/{RUN}/tasks/extract/mark", {"state": "failed"}, "mark task instances"),
    ],
)
def test_a_viewer_gets_403_for_every_action(
    api_server: ApiServerProcess,
    viewer: httpx.Client,
    action: str,
    form: dict[str, str],
    verb: str,
) -> None:
    response = viewer.post(f"/dags/{DAG_ID}/{action}", data={**form, "csrf_token": token(viewer)})
    assert response.status_code == 403
    assert f"'vera' has the viewer role and may not {verb}" in message(response)
    assert run_state(api_server) == "success"


def test_trigger_with_conf_and_a_logical_date(
    api_server: ApiServerProcess, admin: httpx.Client
) -> None:
    form = {"conf": '{"rows": 5}', "logical_date": "2026-02-03T04:05", "csrf_token": token(admin)}
    response = admin.post(f"/dags/{DAG_ID}/trigger", data=form)
    assert response.status_code == 303
    run_id = "manual__2026-02-03T04:05:00+00:00"
    assert response.headers["location"] == f"/dags/{DAG_ID}?run_id={quote(run_id, safe='')}"
    with open_store(f"sqlite:///{api_server.home / 'airstream.db'}") as store:
        run = store.get_dag_run(DAG_ID, run_id)
        assert run is not None
        assert run.conf == {"rows": 5} and run.triggered_by == "ui"
        assert run.logical_date == datetime(2026, 2, 3, 4, 5, tzinfo=UTC)
        assert {ti.task_id for ti in store.list_run_tis(DAG_ID, run_id)} == {"extract", "load"}
    again = admin.post(f"/dags/{DAG_ID}/trigger", data=form)
    assert again.status_code == 409 and "already has a run" in message(again)
    page = admin.get(response.headers["location"])
    text = html.unescape(page.text)
    assert '"rows": 5' in text and "2026-02-03 04:05:00 UTC" in text


def test_mark_and_clear_from_forms(api_server: ApiServerProcess, admin: httpx.Client) -> None:
    run_id = "manual__2026-02-03T04:05:00+00:00"
    quoted = quote(run_id, safe="")
    if run_state(api_server, run_id) is None:
        form = {"conf": "{}", "logical_date": "2026-02-03T04:05", "csrf_token": token(admin)}
        admin.post(f"/dags/{DAG_ID}/trigger", data=form)
    marked = admin.post(
        f"/dags/{DAG_ID}/runs/{quoted}/mark", data={"state": "success", "csrf_token": token(admin)}
    )
    assert marked.status_code == 303
    assert run_state(api_server, run_id) == "success"
    cleared = admin.post(
        f"/dags/{DAG_ID}/runs/{quoted}/tasks/extract/clear",
        data={"downstream": "on", "csrf_token": token(admin)},
    )
    assert cleared.status_code == 303
    with open_store(f"sqlite:///{api_server.home / 'airstream.db'}") as store:
        states = {ti.task_id: ti.state for ti in store.list_run_tis(DAG_ID, run_id)}
        run = store.get_dag_run(DAG_ID, run_id)
    assert states == {"extract": TaskInstanceState.NONE, "load": TaskInstanceState.NONE}
    assert run is not None and run.state == "queued"
    failed = admin.post(
        f"/dags/{DAG_ID}/runs/{quoted}/tasks/load/mark",
        data={"state": "failed", "csrf_token": token(admin)},
    )
    assert failed.status_code == 303
    page = admin.get(f"/dags/{DAG_ID}/runs/{quoted}/tasks/load")
    assert 'data-state-label data-ti-dag="etl"' in page.text
    assert ">failed</span>" in page.text


def _events(client: httpx.Client, params: dict[str, str], wanted: int) -> list[tuple[str, dict]]:
    found: list[tuple[str, dict]] = []
    name = ""
    with client.stream("GET", "/console/events", params=params) as stream:
        assert stream.status_code == 200
        assert stream.headers["content-type"].startswith("text/event-stream")
        for line in stream.iter_lines():
            if line.startswith("event: "):
                name = line.removeprefix("event: ")
            elif line.startswith("data: "):
                found.append((name, json.loads(line.removeprefix("data: "))))
                if len(found) >= wanted:
                    break
    return found


def test_the_event_stream_sends_state_changes(
    api_server: ApiServerProcess, admin: httpx.Client
) -> None:
    since = datetime.now(UTC)
    with open_store(f"sqlite:///{api_server.home / 'airstream.db'}") as store:
        key = TaskInstanceKey(DAG_ID, RUN_ID, "load")
        store.update_ti_state(key, TaskInstanceState.UP_FOR_RETRY, try_number=1)
        store.set_dag_run_state(DAG_ID, RUN_ID, store.get_dag_run(DAG_ID, RUN_ID).state)  # type: ignore[union-attr]
    params = {"dag_id": DAG_ID, "run_id": RUN_ID, "since": since.isoformat()}
    events = _events(admin, params, 2)
    assert ("run", RUN_ID) in [(name, data["run_id"]) for name, data in events]
    [ti] = [data for name, data in events if name == "ti"]
    assert (ti["task_id"], ti["state"], ti["try_number"]) == ("load", "up_for_retry", 1)
    # Another DAG's stream does not see it.
    quiet = admin.get("/console/events", params={"dag_id": "reports", "since": since.isoformat()})
    assert "up_for_retry" not in quiet.text
    assert admin.get("/console/events").status_code == 400


def test_import_errors_page(admin: httpx.Client) -> None:
    page = admin.get("/import-errors")
    assert page.status_code == 200
    assert "/dags/broken.py" in page.text and "SyntaxError: invalid syntax" in page.text
    assert "1 total · page 1 of 1" in page.text


def _warehouse(api_server: ApiServerProcess) -> sqlite3.Connection:
    folder = api_server.home / "warehouse"
    folder.mkdir(exist_ok=True)
    return sqlite3.connect(folder / "warehouse.db")


def test_orders_dashboard_from_empty_to_a_chart(
    api_server: ApiServerProcess, admin: httpx.Client
) -> None:
    empty = admin.get("/dashboards/orders")
    assert empty.status_code == 200 and "No warehouse yet" in empty.text
    with _warehouse(api_server) as db:
        db.execute(
            "CREATE TABLE sales_by_minute (minute TEXT, region TEXT, orders INTEGER, "
            "revenue REAL, PRIMARY KEY (minute, region))"
        )
    assert "table sales_by_minute is empty" in admin.get("/dashboards/orders").text
    start = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
    rows = [
        ((start + timedelta(minutes=m)).isoformat(), region, 2, 10.0 + m)
        for m in range(70)
        for region in ("eu", "us")
    ]
    with _warehouse(api_server) as db:
        db.executemany("INSERT INTO sales_by_minute VALUES (?, ?, ?, ?)", rows)
    page = admin.get("/dashboards/orders")
    assert page.status_code == 200
    assert len(re.findall(r'<polyline class="series" data-region="(eu|us)"', page.text)) == 2
    points = re.search(r'data-region="eu"[^>]*points="([^"]+)"', page.text)
    assert points and len(points.group(1).split()) == 60
    # Totals over the last 60 minutes shown (10..69): 2 orders and 10 + m revenue a minute.
    row = r'<tr class="total-row"><td>(\w+)</td><td>(\d+)</td><td>([\d.]+)</td>'
    revenue = f"{sum(10.0 + m for m in range(10, 70)):.2f}"
    assert re.findall(row, page.text) == [("eu", "120", revenue), ("us", "120", revenue)]
    assert "2026-11-25T15:10:00+00:00 to 2026-11-25T16:09:00+00:00" in page.text


def test_pause_unpause_and_clear_a_run_from_forms(
    api_server: ApiServerProcess, admin: httpx.Client
) -> None:
    paused = admin.post(
        f"/dags/{DAG_ID}/pause",
        data={"is_paused": "true", "next": "/?paused=paused", "csrf_token": token(admin)},
    )
    assert paused.status_code == 303 and paused.headers["location"] == "/?paused=paused"
    listing = admin.get("/?paused=paused").text
    assert re.findall(r'data-dag-id="([^"]+)"', listing) == [DAG_ID]
    admin.post(f"/dags/{DAG_ID}/pause", data={"is_paused": "false", "csrf_token": token(admin)})
    assert 'data-dag-id="etl"' in admin.get("/?paused=active").text

    cleared = admin.post(f"/dags/{DAG_ID}/runs/{RUN}/clear", data={"csrf_token": token(admin)})
    assert cleared.status_code == 303
    with open_store(f"sqlite:///{api_server.home / 'airstream.db'}") as store:
        states = {ti.state for ti in store.list_run_tis(DAG_ID, RUN_ID)}
    assert states == {TaskInstanceState.NONE}
    assert run_state(api_server) == "queued"
