"""A child that keeps crashing makes the supervisor stop everything and exit non-zero."""

from __future__ import annotations

import io
import os
import re
import signal
import threading
import time
from pathlib import Path

from standalone_process import alive, group_alive, kill_group

from airstream.config import load_settings
from airstream.standalone import StandaloneOptions, run_standalone
from airstream.standalone.restart_policy import RestartPolicy

SCHEDULER_STARTED = re.compile(r"started scheduler \(pid (\d+),")


class Transcript(io.StringIO):
    """The supervisor's output, readable while it runs."""

    def __init__(self) -> None:
        super().__init__()
        self.lock = threading.Lock()

    def write(self, text: str) -> int:
        with self.lock:
            return super().write(text)

    def text(self) -> str:
        with self.lock:
            return self.getvalue()


def _kill_each_scheduler(out: Transcript, done: threading.Event, killed: list[int]) -> None:
    """Once ready, SIGKILL every scheduler the supervisor starts."""
    while not done.is_set() and "ready in" not in out.text():
        time.sleep(0.05)
    while not done.is_set():
        for pid in map(int, SCHEDULER_STARTED.findall(out.text())):
            if pid not in killed:
                killed.append(pid)
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.05)


def test_repeated_crashes_stop_everything_with_status_1(tmp_path: Path) -> None:
    settings = load_settings(env={"AIRSTREAM_HOME": str(tmp_path / "home")})
    options = StandaloneOptions(
        api_port=0,
        broker_port=0,
        restart=RestartPolicy(initial_delay=0.05, max_crashes=1, window=300.0),
    )
    out = Transcript()
    done = threading.Event()
    killed: list[int] = []
    killer = threading.Thread(target=_kill_each_scheduler, args=(out, done, killed), daemon=True)
    killer.start()
    try:
        status = run_standalone(settings, options, out)
    finally:
        done.set()
        killer.join(10)
        for pid in map(int, re.findall(r"\(pid (\d+),", out.text())):
            kill_group(pid)
    text = out.text()
    assert status == 1, text
    assert len(killed) == 2, text
    assert text.count("scheduler exited unexpectedly (exit code -9, killed by SIGKILL)") == 2
    assert "restarting scheduler in 0.1s" in text
    assert "scheduler crashed 2 times within 300s; giving up" in text
    for name in ("api-server", "broker"):
        assert f"{name} stopped" in text
    pids = [int(p) for p in re.findall(r"\(pid (\d+),", text)]
    assert not [pid for pid in pids if alive(pid) or group_alive(pid)]
