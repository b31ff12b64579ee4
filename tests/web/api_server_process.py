"""A real ``python -m airstream api-server`` on a free port, over its own AIRSTREAM_HOME."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx

ADMIN_PASSWORD = "admin-secret"
USERS = "admin:admin,vera:viewer,ursula:user,otto:op"


class ApiServerProcess:
    """Starts the server, tells its URL, gives tokens per user, stops it with SIGTERM."""

    def __init__(self, home: Path, env: dict[str, str] | None = None) -> None:
        self.home = home
        self.env = {
            **os.environ,
            "AIRSTREAM_HOME": str(home),
            "AIRSTREAM_API_USERS": USERS,
            "AIRSTREAM_ADMIN_PASSWORD": ADMIN_PASSWORD,
            **(env or {}),
        }
        self.proc: subprocess.Popen[str] | None = None
        self.url = ""
        self.first_lines: list[str] = []

    def start(self) -> str:
        cmd = [sys.executable, "-m", "airstream", "api-server", "--port", "0"]
        self.proc = subprocess.Popen(
            cmd,
            stdout=subprocess.PIPE,
            stderr=(self.home / "api-server.stderr").open("a"),
            text=True,
            env=self.env,
        )
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.first_lines.append(line)
            if "listening on" in line:
                self.url = line.strip().rsplit(" ", 1)[1]
                return self.url
        self.proc.wait()
        raise RuntimeError(f"api-server did not start: {self.first_lines}\n{self.stderr()}")

    def stderr(self) -> str:
        path = self.home / "api-server.stderr"
        return path.read_text() if path.exists() else ""

    def password(self, user: str) -> str:
        if user == "admin" and "AIRSTREAM_ADMIN_PASSWORD" in self.env:
            return self.env["AIRSTREAM_ADMIN_PASSWORD"]
        passwords = json.loads(
            (self.home / "simple_auth_manager_passwords.json.generated").read_text()
        )
        return str(passwords[user])

    def token(self, user: str = "admin") -> str:
        response = httpx.post(
            f"{self.url}/auth/token",
            json={"username": user, "password": self.password(user)},
        )
        assert response.status_code == 201, response.text
        return str(response.json()["access_token"])

    def stop(self, sig: int = signal.SIGTERM) -> int:
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise
        finally:
            if self.proc.stdout is not None:
                self.proc.stdout.close()
