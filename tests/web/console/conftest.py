"""Fixtures of the console tests: the real processes, and headless Chromium via Playwright.

Chromium is Debian's ``/usr/bin/chromium``; when it is missing the browser tests fail
(launching it raises), they never skip.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from api_server_process import ApiServerProcess
from console_stack import CHROMIUM, DAGS, ConsoleStack, SchedulerProcess
from playwright.sync_api import Browser, Page, sync_playwright

from broker_process import BrokerProcess


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConsoleStack]:
    """The three processes, started once per test module and stopped afterwards."""
    home = tmp_path_factory.mktemp("console-home")
    broker = BrokerProcess(home / "broker")
    scheduler = SchedulerProcess(home, DAGS, {})
    api: ApiServerProcess | None = None
    try:
        broker.start()
        env = {"AIRSTREAM_BOOTSTRAP_SERVERS": broker.bootstrap}
        scheduler.env.update(env)
        scheduler.start()
        api = ApiServerProcess(home, env=env)
        api.start()
        yield ConsoleStack(home, broker, scheduler, api)
    finally:
        if api is not None and api.proc is not None:
            api.stop()
        scheduler.stop()
        if broker.proc is not None:
            broker.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless Chromium (one per module; each test gets its own context)."""
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A page in a fresh browser context: no cookies, so no session."""
    context = browser.new_context()
    context.set_default_timeout(30_000)
    opened = context.new_page()
    yield opened
    context.close()
