"""``airstream api-server`` as a command: help, start-up line, clean exit on signals."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from api_server_process import ApiServerProcess


def test_help() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "airstream", "api-server", "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0
    assert "--port" in result.stdout
    assert "AIRSTREAM_ADMIN_PASSWORD" in result.stdout


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_prints_url_serves_and_exits_zero_on_signal(tmp_path: Path, sig: int) -> None:
    server = ApiServerProcess(tmp_path)
    url = server.start()
    assert url.startswith("http://127.0.0.1:")
    assert httpx.get(f"{url}/api/v2/version").status_code == 200
    assert server.stop(sig) == 0


def test_busy_port_is_an_error(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "airstream", "api-server", "--port", str(port)],
            capture_output=True,
            text=True,
            check=False,
            env=ApiServerProcess(tmp_path).env,
            timeout=60,
        )
    assert result.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr


def test_bad_users_setting_is_an_error(tmp_path: Path) -> None:
    env = {**ApiServerProcess(tmp_path).env, "AIRSTREAM_API_USERS": "admin:superuser"}
    result = subprocess.run(
        [sys.executable, "-m", "airstream", "api-server", "--port", "0"],
        capture_output=True,
        text=True,
        check=False,
        env=env,
        timeout=60,
    )
    assert result.returncode == 1
    assert "unknown role 'superuser'" in result.stderr
