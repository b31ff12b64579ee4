"""``airstream standalone`` end to end: real children, real clients, real signals."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
from confluent_kafka import Consumer, Producer
from standalone_process import StandaloneProcess, alive, group_alive

EXAMPLE_DAG_IDS = {
    "example_ml_train_deploy",
    "example_orders_etl",
    "example_orders_producer",
    "example_tutorial",
}


def _token(console: str, password: str) -> str:
    response = httpx.post(
        f"{console}/auth/token", json={"username": "admin", "password": password}, timeout=10
    )
    assert response.status_code == 201, response.text
    return str(response.json()["access_token"])


def _round_trip(bootstrap: str) -> None:
    topic = f"standalone-{uuid.uuid4().hex[:8]}"
    producer = Producer({"bootstrap.servers": bootstrap})
    producer.produce(topic, key=b"k", value=b"hello standalone")
    assert producer.flush(30) == 0
    consumer = Consumer(
        {"bootstrap.servers": bootstrap, "group.id": topic, "auto.offset.reset": "earliest"}
    )
    try:
        consumer.subscribe([topic])
        deadline = time.monotonic() + 30
        message = None
        while message is None and time.monotonic() < deadline:
            polled = consumer.poll(1.0)
            if polled is not None and polled.error() is None:
                message = polled
        assert message is not None, "the record did not come back"
        assert (message.key(), message.value()) == (b"k", b"hello standalone")
    finally:
        consumer.close()


def _wait_until_gone(pids: list[int], timeout: float = 30.0) -> list[int]:
    deadline = time.monotonic() + timeout
    left = pids
    while left and time.monotonic() < deadline:
        left = [pid for pid in pids if alive(pid) or group_alive(pid)]
        if left:
            time.sleep(0.1)
    return left


def test_starts_serves_and_stops_cleanly(standalone: StandaloneProcess) -> None:
    home = standalone.home
    console = standalone.value("console")
    bootstrap = standalone.value("broker")
    password = standalone.wait_for(r"login:\s+admin / (\S+)").group(1)

    # Initialised from nothing: schema, folders, the generated admin password.
    assert (home / "airstream.db").is_file() and (home / "dags").is_dir()
    assert password in (home / "simple_auth_manager_passwords.json.generated").read_text()
    for name in ("broker", "scheduler", "api-server"):
        assert (home / "logs" / "standalone" / f"{name}.log").is_file()

    health = httpx.get(f"{console}/api/v2/monitor/health", timeout=10)
    assert health.status_code == 200 and health.json()["metadatabase"]["status"] == "healthy"
    headers = {"Authorization": f"Bearer {_token(console, password)}"}
    dags = httpx.get(f"{console}/api/v2/dags", headers=headers, timeout=10).json()
    assert {dag["dag_id"] for dag in dags["dags"]} >= EXAMPLE_DAG_IDS

    _round_trip(bootstrap)

    pids = standalone.pids()
    assert set(pids) == {"broker", "scheduler", "api-server"}
    assert standalone.stop(signal.SIGINT) == 0
    for name in ("api-server", "scheduler", "broker"):
        assert f"{name} stopped" in standalone.output
    every_pid = [pid for group in pids.values() for pid in group]
    assert _wait_until_gone(every_pid) == []


def test_killed_scheduler_is_reported_and_restarted(standalone: StandaloneProcess) -> None:
    [first] = standalone.pids()["scheduler"]
    mark = len(standalone.lines)
    os.kill(first, signal.SIGKILL)

    standalone.wait_for(r"scheduler exited unexpectedly \(exit code -9", after=mark)
    standalone.wait_for(r"scheduler restarted", after=mark)
    second = standalone.pids()["scheduler"][-1]
    assert second != first and alive(second)
    # The new scheduler serves: it parses the DAG folder again and says so in its log.
    log = standalone.home / "logs" / "standalone" / "scheduler.log"
    deadline = time.monotonic() + 60
    while log.read_text().count("Scheduler started") < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert log.read_text().count("Scheduler started") == 2

    all_pids = [pid for group in standalone.pids().values() for pid in group]
    assert standalone.stop(signal.SIGTERM) == 0
    assert _wait_until_gone(all_pids) == []


def test_a_taken_port_fails_fast_with_a_clear_message(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "airstream", "standalone", "--port", str(port)],
            env={**os.environ, "AIRSTREAM_HOME": str(tmp_path / "home")},
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 1
    assert f"port {port} on 127.0.0.1 (the console) is already in use" in result.stdout
    assert "--port" in result.stdout
    assert "started" not in result.stdout


def test_help_lists_the_options() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "airstream", "standalone", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0
    for option in ("--port", "--broker-port", "--host"):
        assert option in result.stdout
