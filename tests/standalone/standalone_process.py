"""``python -m airstream standalone`` as a test drives it: started, read, signalled, checked."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

STARTED = re.compile(r"started (\S+) \(pid (\d+),")


class StandaloneProcess:
    """A standalone on free ports with its own AIRSTREAM_HOME; its output kept line by line."""

    def __init__(self, home: Path, *args: str, env: dict[str, str] | None = None) -> None:
        self.home = home
        self.args = args or ("--port", "0", "--broker-port", "0")
        self.env = {**os.environ, "AIRSTREAM_HOME": str(home), **(env or {})}
        self.env.pop("AIRSTREAM_BOOTSTRAP_SERVERS", None)
        self.lines: list[str] = []
        self.proc: subprocess.Popen[str] | None = None
        self._changed = threading.Condition()

    def start(self) -> StandaloneProcess:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "airstream", "standalone", *self.args],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=self.env,
        )
        threading.Thread(target=self._read, daemon=True).start()
        return self

    def _read(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        for line in self.proc.stdout:
            with self._changed:
                self.lines.append(line.rstrip("\n"))
                self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def wait_for(self, pattern: str, timeout: float = 90.0, after: int = 0) -> re.Match[str]:
        """The first output line from index ``after`` on matching ``pattern``."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for line in self.lines[after:]:
                    match = regex.search(line)
                    if match:
                        return match
                assert self.proc is not None
                left = deadline - time.monotonic()
                if left <= 0 or (self.proc.poll() is not None and not self._pending()):
                    raise AssertionError(f"no line matching {pattern!r} in:\n{self.output}")
                self._changed.wait(min(left, 0.5))

    def _pending(self) -> bool:
        assert self.proc is not None and self.proc.stdout is not None
        return not self.proc.stdout.closed and self.proc.poll() is None

    def wait_ready(self) -> None:
        self.wait_for(r"standalone \| ready in")

    def value(self, label: str) -> str:
        """What the ready banner prints after ``label:``."""
        return self.wait_for(rf"standalone \| {label}:\s+(\S+)").group(1)

    def pids(self) -> dict[str, list[int]]:
        """Every pid each child had, in start order."""
        found: dict[str, list[int]] = {}
        for line in list(self.lines):
            match = STARTED.search(line)
            if match:
                found.setdefault(match.group(1), []).append(int(match.group(2)))
        return found

    def stop(self, sig: int = signal.SIGINT, timeout: float = 60.0) -> int:
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        return self.proc.wait(timeout)

    def cleanup(self) -> None:
        """After a failed test: stop the supervisor, then whatever its children left."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for pids in self.pids().values():
            for pid in pids:
                kill_group(pid)


def kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


def alive(pid: int) -> bool:
    """Whether a process (not a zombie) with this pid exists."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"


def group_alive(pgid: int) -> bool:
    """Whether any live process is in process group ``pgid``."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, IndexError, ProcessLookupError):
            continue
        if fields[0] != "Z" and int(fields[2]) == pgid:
            return True
    return False
