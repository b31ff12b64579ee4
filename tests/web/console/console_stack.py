"""Real processes for the console tests: broker, scheduler and api-server over one home.

Shared per test module (they take seconds to start); stopped even when a test fails.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from api_server_process import ADMIN_PASSWORD, ApiServerProcess

from broker_process import BrokerProcess

DAGS = Path(__file__).parent / "dags"
CHROMIUM = "/usr/bin/chromium"


class SchedulerProcess:
    """``python -m airstream scheduler`` parsing a DAG folder, over ``home``."""

    def __init__(self, home: Path, dags_folder: Path, env: dict[str, str]) -> None:
        self.home = home
        self.dags_folder = dags_folder
        self.env = {**os.environ, "AIRSTREAM_HOME": str(home), **env}
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with (self.home / "scheduler.log").open("ab") as log:
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "airstream",
                    "scheduler",
                    "--dags-folder",
                    str(self.dags_folder),
                ],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@dataclass
class ConsoleStack:
    """A broker, a scheduler and an api-server sharing one AIRSTREAM_HOME."""

    home: Path
    broker: BrokerProcess
    scheduler: SchedulerProcess
    api: ApiServerProcess

    @property
    def url(self) -> str:
        return self.api.url

    @property
    def bootstrap(self) -> str:
        return self.broker.bootstrap


def wait_until(condition: Callable[[], Any], what: str, timeout: float = 60) -> Any:
    """Poll ``condition`` until it returns something truthy; fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the page has no CSRF field"
    return match.group(1)


def logged_in_client(server: ApiServerProcess, user: str = "admin") -> httpx.Client:
    """An httpx client holding a console session cookie of ``user``."""
    client = httpx.Client(base_url=server.url, timeout=60)
    password = ADMIN_PASSWORD if user == "admin" else server.password(user)
    response = client.post("/login", data={"username": user, "password": password, "next": "/"})
    assert response.status_code == 303, response.text
    return client
