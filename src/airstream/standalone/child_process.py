"""One supervised component: ``python -m airstream <command>`` with its output in a log file.

The child's stdout and stderr go through a pipe that a pump thread copies, line by line, into
``<name>.log`` (appended across restarts, so a crash and its restart read as one story). On the
way the pump watches for the ``... listening on <address>`` line that the broker and the
api-server print once they accept connections: with port 0 that line is the only place the
real port is known.

Each child leads a process group of its own, so a Ctrl-C at the terminal reaches only the
supervisor, which then stops the children in order; stopping kills what is left of the group
(parsing workers, task processes) so nothing outlives ``standalone``. On Linux a child also
gets SIGTERM if the supervisor dies without cleaning up (``PR_SET_PDEATHSIG``).

Thread-safety: the supervisor's main thread starts and stops children (the death signal is
tied to the thread that forked the child); the pump thread only writes the log and the
``address``/``listening`` pair.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

#: What the broker and the api-server print once they accept connections.
LISTENING_MARKER = " listening on "
#: Lines of a child's output kept in memory, to show why it failed to start.
TAIL_LINES = 20
_PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class ChildSpec:
    """How to run one component: its name, ``airstream`` arguments and environment."""

    name: str
    args: Sequence[str]
    env: Mapping[str, str]
    #: A line containing this text means the child is ready (besides ``listening on``).
    ready_text: str | None = None


class ChildProcess:
    """A running (or finished) component started from a :class:`ChildSpec`."""

    def __init__(self, spec: ChildSpec, log_path: Path) -> None:
        self.spec = spec
        self.log_path = log_path
        #: ``host:port`` or URL from the child's ``listening on`` line, once printed.
        self.address: str | None = None
        self.listening = threading.Event()
        self.ready_seen = threading.Event()
        self.tail: deque[str] = deque(maxlen=TAIL_LINES)
        self._proc: subprocess.Popen[bytes] | None = None
        self._pump: threading.Thread | None = None
        self._terminated = False

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def pid(self) -> int:
        if self._proc is None:
            raise RuntimeError(f"{self.name} was not started")
        return self._proc.pid

    def start(self) -> None:
        """Start the process and the thread that copies its output to the log."""
        log = self.log_path.open("ab")
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "airstream", *self.spec.args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=dict(self.spec.env),
            process_group=0,
            preexec_fn=_die_with_parent(),
        )
        assert self._proc.stdout is not None
        self._pump = threading.Thread(
            target=self._copy_output,
            args=(self._proc.stdout, log),
            name=f"standalone-{self.name}-output",
            daemon=True,
        )
        self._pump.start()

    def poll(self) -> int | None:
        """The exit code if the process has ended (negative: killed by that signal)."""
        return self._proc.poll() if self._proc is not None else None

    def terminate(self) -> None:
        """Ask the child to stop (SIGTERM), once; :meth:`stop` waits for it."""
        if self._proc is not None and not self._terminated and self._proc.poll() is None:
            self._proc.send_signal(signal.SIGTERM)
        self._terminated = True

    def stop(self, timeout: float) -> int | None:
        """SIGTERM, wait up to ``timeout`` seconds, then SIGKILL; returns the exit code."""
        if self._proc is None:
            return None
        self.terminate()
        try:
            code = self._proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            code = self._proc.wait()
        self.reap_group()
        return code

    def reap_group(self) -> None:
        """Kill whatever the child left in its process group (workers of a killed child)."""
        if self._proc is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self._proc.pid, signal.SIGKILL)
        if self._pump is not None:
            self._pump.join(timeout=5)

    def _copy_output(self, stream: IO[bytes], log: IO[bytes]) -> None:
        with stream, log:
            for raw in iter(stream.readline, b""):
                log.write(raw)
                log.flush()
                line = raw.decode(errors="replace").rstrip()
                self.tail.append(line)
                self._notice(line)

    def _notice(self, line: str) -> None:
        if LISTENING_MARKER in line and not self.listening.is_set():
            self.address = line.rsplit(LISTENING_MARKER, 1)[1].strip()
            self.listening.set()
        if self.spec.ready_text is not None and self.spec.ready_text in line:
            self.ready_seen.set()


def _die_with_parent() -> Callable[[], None] | None:
    """A pre-exec hook asking Linux to SIGTERM the child when the supervisor dies."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None

    def hook() -> None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)

    return hook
