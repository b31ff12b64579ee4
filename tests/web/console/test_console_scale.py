"""The DAG list and the grid with 1,000 DAGs and 10,000 runs: paged, and only the page read.

The store is filled in bulk through the store's own verbs; the test checks what the pages
render (row counts, page links) and prints how long they take (it never asserts on time).
"""

from __future__ import annotations

import re
import statistics
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from api_server_process import ApiServerProcess
from console_stack import logged_in_client

from airstream.store import open_store
from airstream.store.records import (
    DagModel,
    DagRun,
    DagRunState,
    DagRunType,
    TaskInstance,
    TaskInstanceState,
)

DAGS = 1_000
RUNS = 10_000
#: The DAG with many runs (the grid's case); the others share what is left.
BIG_DAG = "dag_0000"
BIG_DAG_RUNS = RUNS - (DAGS - 1) * 9
TASKS = ("extract", "transform", "load")
START = datetime(2025, 1, 1, tzinfo=UTC)


def _serialized(dag_id: str) -> dict[str, object]:
    chain = list(TASKS)
    tasks = [
        {
            "task_id": task_id,
            "operator": "EmptyOperator",
            "upstream_task_ids": chain[i - 1 : i] if i else [],
            "downstream_task_ids": chain[i + 1 : i + 2],
        }
        for i, task_id in enumerate(chain)
    ]
    return {"dag_id": dag_id, "tasks": tasks, "params": {}}


def _runs(dag_id: str, count: int) -> tuple[list[DagRun], list[TaskInstance]]:
    runs, tis = [], []
    for n in range(count):
        when = START + timedelta(hours=n)
        run_id = DagRunType.SCHEDULED.generate_run_id(when)
        state = DagRunState.FAILED if n % 7 == 0 else DagRunState.SUCCESS
        runs.append(
            DagRun(
                dag_id=dag_id,
                run_id=run_id,
                run_type=DagRunType.SCHEDULED,
                state=state,
                logical_date=when,
                run_after=when,
                start_date=when,
                end_date=when + timedelta(minutes=1),
            )
        )
        ti_state = TaskInstanceState.FAILED if state == DagRunState.FAILED else "success"
        tis += [
            TaskInstance(dag_id, run_id, task_id, try_number=1, state=TaskInstanceState(ti_state))
            for task_id in TASKS
        ]
    return runs, tis


def fill(home: Path) -> None:
    """1,000 DAGs, 10,000 runs, 30,000 task instances, in a few transactions."""
    with open_store(f"sqlite:///{home / 'airstream.db'}") as store:
        dag_ids = [f"dag_{i:04d}" for i in range(DAGS)]
        store.upsert_dags(
            [
                (
                    DagModel(
                        dag_id,
                        fileloc=f"/dags/{dag_id}.py",
                        schedule="@hourly",
                        tags=("even" if i % 2 == 0 else "odd",),
                    ),
                    _serialized(dag_id),
                )
                for i, dag_id in enumerate(dag_ids)
            ]
        )
        batch_runs: list[DagRun] = []
        batch_tis: list[TaskInstance] = []
        for dag_id in dag_ids:
            runs, tis = _runs(dag_id, BIG_DAG_RUNS if dag_id == BIG_DAG else 9)
            batch_runs += runs
            batch_tis += tis
            if len(batch_runs) >= 2_000:
                store.create_dag_runs(batch_runs, batch_tis)
                batch_runs, batch_tis = [], []
        store.create_dag_runs(batch_runs, batch_tis)
        assert store.count_dags() == DAGS
        assert store.count_dag_runs() == RUNS


@pytest.fixture(scope="module")
def big_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServerProcess]:
    home = tmp_path_factory.mktemp("console-scale")
    fill(home)
    server = ApiServerProcess(home)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def client(big_server: ApiServerProcess) -> Iterator[httpx.Client]:
    opened = logged_in_client(big_server)
    yield opened
    opened.close()


def _get(client: httpx.Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.text[:300]
    return response.text


def test_the_dag_list_pages_through_1000_dags(client: httpx.Client) -> None:
    first = _get(client, "/")
    assert len(re.findall(r'<tr class="dag-row"', first)) == 25
    assert "1000 total · page 1 of 40" in first
    assert 'href="/?page=40"' in first and 'href="/?page=2"' in first
    # Five recent runs of each DAG, newest first, batched in one query.
    big_row = first.split('data-dag-id="dag_0000"')[1].split("</tr>")[0]
    assert len(re.findall(r'class="dot state-', big_row)) == 5
    newest = DagRunType.SCHEDULED.generate_run_id(START + timedelta(hours=BIG_DAG_RUNS - 1))
    assert f'data-run-id="{newest}"' in big_row.split('class="dot')[1]

    last = _get(client, "/?page=40")
    rows = re.findall(r'<tr class="dag-row" data-dag-id="([^"]+)"', last)
    assert rows == [f"dag_{i:04d}" for i in range(975, 1000)]
    assert 'rel="next"' not in last

    searched = _get(client, "/?search=dag_09")
    assert "100 total · page 1 of 4" in searched
    tagged = _get(client, "/?tag=odd&page=2")
    assert "500 total · page 2 of 20" in tagged
    assert 'href="/?page=3&amp;tag=odd"' in tagged


def test_the_grid_pages_through_a_dags_runs(client: httpx.Client) -> None:
    first = _get(client, f"/dags/{BIG_DAG}")
    rows = re.findall(r'<tr class="grid-row[^"]*" data-run-row="([^"]+)"', first)
    assert len(rows) == 25
    assert rows[0] == DagRunType.SCHEDULED.generate_run_id(
        START + timedelta(hours=BIG_DAG_RUNS - 1)
    )
    assert len(re.findall(r'<a class="cell state-', first)) == 25 * len(TASKS)
    pages = -(-BIG_DAG_RUNS // 25)
    assert f"{BIG_DAG_RUNS} total · page 1 of {pages}" in first
    assert f'href="/dags/{BIG_DAG}?page={pages}"' in first

    last = _get(client, f"/dags/{BIG_DAG}?page={pages}")
    rows = re.findall(r'data-run-row="([^"]+)"', last)
    assert len(rows) == BIG_DAG_RUNS - (pages - 1) * 25
    assert rows[-1] == DagRunType.SCHEDULED.generate_run_id(START)

    wide = _get(client, f"/dags/{BIG_DAG}?limit=100")
    assert len(re.findall(r'data-run-row="', wide)) == 100
    assert f"page 1 of {-(-BIG_DAG_RUNS // 100)}" in wide
    assert f'href="/dags/{BIG_DAG}?page=2&amp;limit=100"' in wide


def _timed(client: httpx.Client, url: str, repeat: int = 5) -> float:
    durations = []
    for _ in range(repeat):
        started = time.perf_counter()
        _get(client, url)
        durations.append(time.perf_counter() - started)
    return statistics.median(durations)


def test_print_page_timings(client: httpx.Client) -> None:
    pages = -(-BIG_DAG_RUNS // 25)
    urls = {
        "DAG list, page 1": "/",
        "DAG list, page 40": "/?page=40",
        "DAG list, search": "/?search=dag_05",
        "grid, newest 25 runs": f"/dags/{BIG_DAG}",
        f"grid, page {pages}": f"/dags/{BIG_DAG}?page={pages}",
        "grid, 100 runs": f"/dags/{BIG_DAG}?limit=100",
        "grid of a 9-run DAG": "/dags/dag_0500",
        # What any request costs on this server and client (no store, no template).
        "baseline: API health": "/api/v2/monitor/health",
    }
    print(f"\nconsole pages with {DAGS} DAGs and {RUNS} runs (median of 5, over HTTP):")
    for label, url in urls.items():
        print(f"  {label:<24} {_timed(client, url) * 1000:7.1f} ms")
