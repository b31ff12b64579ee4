"""A real broker process for tests: ``python -m airstream broker`` on a free port."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path


class BrokerProcess:
    """``python -m airstream broker`` on 127.0.0.1 with an OS-chosen port and its own data dir."""

    def __init__(self, data_dir: Path, *extra_args: str, env: dict[str, str] | None = None):
        self.data_dir = data_dir
        self.extra_args = extra_args
        self.env = {**os.environ, "AIRSTREAM_HOME": str(data_dir), **(env or {})}
        self.proc: subprocess.Popen[str] | None = None
        self.port = 0
        self.log_path = data_dir / "broker.stderr"

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> str:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        # Reuse the previous port on restart so clients' bootstrap address stays valid.
        cmd = [
            sys.executable,
            "-m",
            "airstream",
            "broker",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--data-dir",
            str(self.data_dir),
            *self.extra_args,
        ]
        stderr = self.log_path.open("a")
        self.proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=stderr, text=True, env=self.env
        )
        stderr.close()
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if "listening on" not in line:
            self.proc.kill()
            raise RuntimeError(f"broker did not start: {line!r}\n{self.log_path.read_text()}")
        self.port = int(line.strip().rsplit(":", 1)[1])
        return self.bootstrap

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30.0) -> int:
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait()
        if self.proc.stdout:
            self.proc.stdout.close()
        return code

    def kill(self) -> None:
        self.stop(signal.SIGKILL)

    def stderr_text(self) -> str:
        return self.log_path.read_text() if self.log_path.exists() else ""
