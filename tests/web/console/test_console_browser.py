"""The console in headless Chromium against a real broker, scheduler and api-server."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, quote, urlsplit

import httpx
import pytest
from api_server_process import ADMIN_PASSWORD
from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic
from console_stack import ConsoleStack, logged_in_client, wait_until
from playwright.sync_api import Page, expect

DAG_ID = "console_demo"
TOPIC = "console-orders"
RUN_TIMEOUT_MS = 90_000


def api(stack: ConsoleStack, user: str = "admin") -> httpx.Client:
    headers = {"Authorization": f"Bearer {stack.api.token(user)}"}
    return httpx.Client(base_url=f"{stack.url}/api/v2", headers=headers, timeout=60)


@pytest.fixture(scope="module")
def demo_dag(stack: ConsoleStack) -> str:
    """The demo DAG, once the scheduler has parsed it."""
    with api(stack) as client:
        wait_until(lambda: client.get(f"/dags/{DAG_ID}").status_code == 200, "the demo DAG")
    return DAG_ID


def trigger_by_api(stack: ConsoleStack, conf: dict[str, object]) -> str:
    with api(stack) as client:
        response = client.post(f"/dags/{DAG_ID}/dagRuns", json={"logical_date": None, "conf": conf})
        assert response.status_code == 200, response.text
        return str(response.json()["dag_run_id"])


def wait_for_success(stack: ConsoleStack, run_id: str) -> None:
    with api(stack) as client:

        def state() -> object:
            return client.get(f"/dags/{DAG_ID}/dagRuns/{run_id}").json()["state"] in (
                "success",
                "failed",
            )

        wait_until(state, f"run {run_id} to finish", timeout=90)
        assert client.get(f"/dags/{DAG_ID}/dagRuns/{run_id}").json()["state"] == "success"


@pytest.fixture(scope="module")
def finished_run(stack: ConsoleStack, demo_dag: str) -> str:
    """A run of the demo DAG (conf rows=2) that has succeeded."""
    run_id = trigger_by_api(stack, {"rows": 2})
    wait_for_success(stack, run_id)
    return run_id


def log_in(page: Page, stack: ConsoleStack, user: str = "admin", password: str = "") -> None:
    page.goto(f"{stack.url}/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", password or ADMIN_PASSWORD)
    page.click("form[action='/login'] button[type=submit]")
    expect(page.locator(".topbar .who")).to_contain_text(user)


def task_url(stack: ConsoleStack, run_id: str, task_id: str) -> str:
    return f"{stack.url}/dags/{DAG_ID}/runs/{quote(run_id, safe='')}/tasks/{task_id}"


def test_login_refuses_a_wrong_password_then_returns_to_the_page(
    page: Page, stack: ConsoleStack, demo_dag: str
) -> None:
    page.goto(f"{stack.url}/dags/{DAG_ID}")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Fdags%2Fconsole_demo$"))
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", "not-the-password")
    page.click("button[type=submit]")
    expect(page.locator(".error")).to_have_text("Invalid username or password")
    assert page.context.cookies() == []

    page.fill("input[name=password]", ADMIN_PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{stack.url}/dags/{DAG_ID}")
    expect(page.locator("h1")).to_contain_text(DAG_ID)
    [cookie] = page.context.cookies()
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"

    page.click("text=Log out")
    expect(page).to_have_url(f"{stack.url}/login")
    page.goto(f"{stack.url}/")
    expect(page).to_have_url(re.compile(r"/login\?next=%2F$"))


def test_trigger_from_the_list_and_watch_the_grid_update_live(
    page: Page, stack: ConsoleStack, demo_dag: str
) -> None:
    log_in(page, stack)
    row = page.locator(f"tr.dag-row[data-dag-id='{DAG_ID}']")
    expect(row.locator("a.dag-link")).to_have_text(DAG_ID)
    row.locator("details.trigger summary").click()
    row.locator("textarea[name=conf]").fill('{"rows": 7}')
    row.locator("button", has_text="Trigger run").click()

    expect(page).to_have_url(re.compile(rf"/dags/{DAG_ID}\?run_id=manual__"))
    run_id = parse_qs(urlsplit(page.url).query)["run_id"][0]
    expect(page.locator("pre.conf")).to_contain_text('"rows": 7')
    # A mark on the document: a reload would erase it.
    page.evaluate("window.sameDocument = true")
    grid_row = page.locator(f"#grid tr[data-run-row='{run_id}']")
    expect(grid_row.locator("[data-state-label]")).to_have_text("success", timeout=RUN_TIMEOUT_MS)
    expect(grid_row.locator("a.cell.state-success")).to_have_count(3)
    expect(page.locator("svg.graph g.node.state-success")).to_have_count(3)

    # A run triggered elsewhere appears as a new row at the top, and finishes there.
    other = trigger_by_api(stack, {"rows": 1})
    new_row = page.locator(f"#grid tr[data-run-row='{other}']")
    expect(new_row).to_be_visible(timeout=30_000)
    expect(page.locator("#grid tbody tr").first).to_have_attribute("data-run-row", other)
    expect(new_row.locator("[data-state-label]")).to_have_text("success", timeout=RUN_TIMEOUT_MS)
    expect(new_row.locator("a.cell.state-success")).to_have_count(3)
    assert page.evaluate("window.sameDocument") is True


def test_task_page_shows_the_log_rendered_fields_and_xcoms(
    page: Page, stack: ConsoleStack, finished_run: str
) -> None:
    log_in(page, stack)
    page.goto(f"{stack.url}/dags/{DAG_ID}?run_id={quote(finished_run, safe='')}")
    page.locator(f"#grid tr[data-run-row='{finished_run}'] a.cell[data-ti-task='extract']").click()
    expect(page).to_have_url(task_url(stack, finished_run, "extract"))
    expect(page.locator("#log")).to_contain_text(f"hello from extract for {finished_run}")
    expect(page.locator(".tab.active")).to_have_text("Attempt 1")
    expect(page.locator("table.rendered")).to_contain_text(
        f"echo 'hello from extract for {finished_run}'"
    )

    page.click("text=summarise")
    expect(page).to_have_url(task_url(stack, finished_run, "summarise"))
    expect(page.locator("#log")).to_contain_text("summarising 2 rows")
    xcom = page.locator("table.xcoms tr", has_text="return_value")
    expect(xcom).to_contain_text('"rows": 2')


def test_clearing_a_task_runs_it_again(page: Page, stack: ConsoleStack, finished_run: str) -> None:
    log_in(page, stack)
    page.goto(task_url(stack, finished_run, "load"))
    badge = page.locator("h1 [data-state-label]")
    expect(badge).to_have_text("success")
    page.locator("form.action-clear button", has_text="Clear").click()
    expect(page.locator(".tab", has_text="Attempt 2")).to_be_visible(timeout=RUN_TIMEOUT_MS)
    expect(page.locator("h1 [data-state-label]")).to_have_text("success", timeout=RUN_TIMEOUT_MS)
    expect(page.locator("#log")).to_contain_text("loaded")
    with api(stack) as client:
        ti = client.get(f"/dags/{DAG_ID}/dagRuns/{finished_run}/taskInstances/load").json()
    assert (ti["state"], ti["try_number"]) == ("success", 2)
    # The upstream tasks were not cleared.
    page.goto(task_url(stack, finished_run, "extract"))
    expect(page.locator(".tab")).to_have_count(1)


def test_a_viewer_cannot_trigger_or_pause(page: Page, stack: ConsoleStack, demo_dag: str) -> None:
    with api(stack) as client:
        before = client.get(f"/dags/{DAG_ID}/dagRuns").json()["total_entries"]
    log_in(page, stack, "vera", stack.api.password("vera"))
    row = page.locator(f"tr.dag-row[data-dag-id='{DAG_ID}']")
    row.locator("details.trigger summary").click()
    row.locator("button", has_text="Trigger run").click()
    expect(page.locator("h1")).to_have_text("Error 403")
    expect(page.locator(".error-message")).to_contain_text("may not trigger DAG runs")
    page.go_back()
    page.reload()
    page.locator(f"tr.dag-row[data-dag-id='{DAG_ID}'] button.toggle").click()
    expect(page.locator(".error-message")).to_contain_text("may not pause or unpause DAGs")
    with api(stack) as client:
        assert client.get(f"/dags/{DAG_ID}/dagRuns").json()["total_entries"] == before
        assert client.get(f"/dags/{DAG_ID}").json()["is_paused"] is False


def _produce(bootstrap: str) -> None:
    admin = AdminClient({"bootstrap.servers": bootstrap})
    config = {"retention.ms": "3600000"}
    futures = admin.create_topics([NewTopic(TOPIC, num_partitions=2, config=config)])
    futures[TOPIC].result(timeout=30)
    producer = Producer({"bootstrap.servers": bootstrap})
    for i in range(30):
        producer.produce(TOPIC, key=f"k{i}".encode(), value=f"order {i}".encode(), partition=0)
    producer.produce(TOPIC, value=b"refund 1", partition=1, headers=[("source", b"test")])
    assert producer.flush(30) == 0


@pytest.fixture(scope="module")
def topic(stack: ConsoleStack) -> str:
    _produce(stack.bootstrap)
    return TOPIC


def test_browse_a_topics_records_page_by_page(page: Page, stack: ConsoleStack, topic: str) -> None:
    log_in(page, stack)
    page.click("nav >> text=Topics")
    page.click(f"text={topic}")
    partitions = page.locator("table.partitions tbody tr")
    expect(partitions).to_have_count(2)
    # Partition, leader, start offset, end offset, records.
    expect(partitions.nth(0).locator("td")).to_have_text(["0", re.compile(r"\d+"), "0", "30", "30"])
    expect(partitions.nth(1).locator("td")).to_have_text(["1", re.compile(r"\d+"), "0", "1", "1"])
    expect(page.locator("table.configs")).to_contain_text("retention.ms")
    expect(page.locator("table.configs")).to_contain_text("3600000")

    records = page.locator("tr.record")
    expect(records).to_have_count(20)
    expect(records.first).to_have_attribute("data-offset", "10")
    expect(records.last.locator(".value")).to_have_text("order 29")
    page.click("text=‹ Previous page")
    expect(records.first).to_have_attribute("data-offset", "0")
    expect(records.first.locator(".key")).to_have_text("k0")
    expect(records).to_have_count(20)
    page.click("text=Next page ›")
    expect(records.first).to_have_attribute("data-offset", "20")
    expect(records).to_have_count(10)

    page.select_option("select[name=partition]", "1")
    page.click("form.filters button")
    expect(records).to_have_count(1)
    expect(records.first.locator(".value")).to_have_text("refund 1")
    expect(records.first.locator(".headers")).to_have_text("source=test")


def test_a_consumer_groups_lag(page: Page, stack: ConsoleStack, topic: str) -> None:
    consumer = Consumer({"bootstrap.servers": stack.bootstrap, "group.id": "console-billing"})
    consumer.commit(offsets=[TopicPartition(topic, 0, 25)], asynchronous=False)
    consumer.close()
    log_in(page, stack)
    page.click("nav >> text=Consumer groups")
    page.click("text=console-billing")
    expect(page.locator("#total-lag")).to_have_text("5")
    row = page.locator("tr.offset-row", has_text=topic)
    expect(row.locator("td").nth(2)).to_have_text("25")
    expect(row.locator("td").nth(3)).to_have_text("30")
    expect(row.locator(".lag")).to_have_text("5")


def test_the_dag_list_shows_new_runs_live(page: Page, stack: ConsoleStack, demo_dag: str) -> None:
    log_in(page, stack)
    page.evaluate("window.sameDocument = true")
    expect(page.locator("body")).to_have_attribute("data-live", "connected")
    run_id = trigger_by_api(stack, {"rows": 3})
    dot = page.locator(f"td[data-recent-dag='{DAG_ID}'] a.dot[data-run-id='{run_id}']")
    expect(dot).to_have_class(re.compile(r"state-success"), timeout=RUN_TIMEOUT_MS)
    expect(page.locator(f"td[data-recent-dag='{DAG_ID}'] a.dot").first).to_have_attribute(
        "data-run-id", run_id
    )
    assert page.evaluate("window.sameDocument") is True


def test_broker_pages_answer_bad_input_with_4xx(stack: ConsoleStack, topic: str) -> None:
    client = logged_in_client(stack.api)
    try:
        cases = {
            "/topics/no-such-topic": 404,
            f"/topics/{topic}?partition=7": 404,
            f"/topics/{topic}?offset=-1": 400,
            f"/topics/{topic}?size=1000": 400,
            f"/topics/{topic}?partition=one": 400,
            "/groups/nobody-here": 404,
        }
        for url, status in cases.items():
            response = client.get(url)
            assert response.status_code == status, url
            assert "error-message" in response.text
        assert client.get(f"/topics/{topic}?offset=1000").status_code == 200
    finally:
        client.close()
