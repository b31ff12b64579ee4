"""Wake the supervisor's main thread when a signal arrives: a stop request or a child's exit.

Signal handlers only record what happened; :func:`signal.set_wakeup_fd` writes the signal
number into a socket pair, so :meth:`SignalWakeup.wait` (a ``select`` on it) returns the moment
SIGINT, SIGTERM or SIGCHLD arrives rather than at the next tick of a polling loop.

Must be entered on the main thread (the only one Python delivers signals to).
"""

from __future__ import annotations

import select
import signal
import socket
from types import FrameType, TracebackType
from typing import Any

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class SignalWakeup:
    """While entered: SIGINT/SIGTERM request a stop, and every SIGCHLD wakes :meth:`wait`."""

    def __init__(self) -> None:
        self.stop_signal: int | None = None
        self._reader, self._writer = socket.socketpair()
        self._previous: dict[int, Any] = {}
        self._previous_fd = -1

    @property
    def stop_requested(self) -> bool:
        return self.stop_signal is not None

    def __enter__(self) -> SignalWakeup:
        for sock in (self._reader, self._writer):
            sock.setblocking(False)
        self._previous_fd = signal.set_wakeup_fd(self._writer.fileno())
        for sig in STOP_SIGNALS:
            self._previous[sig] = signal.signal(sig, self._on_stop)
        # SIGCHLD is ignored by default, and an ignored signal never reaches the wakeup fd.
        self._previous[signal.SIGCHLD] = signal.signal(signal.SIGCHLD, _on_child)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        signal.set_wakeup_fd(self._previous_fd)
        self._reader.close()
        self._writer.close()

    def wait(self, timeout: float | None) -> None:
        """Block until a signal arrives or ``timeout`` seconds pass (``None``: no limit)."""
        if timeout is not None and timeout <= 0:
            return
        readable, _, _ = select.select([self._reader], [], [], timeout)
        if readable:
            try:
                while self._reader.recv(512):
                    pass
            except BlockingIOError:
                pass

    def _on_stop(self, signum: int, frame: FrameType | None) -> None:
        if self.stop_signal is None:
            self.stop_signal = signum


def _on_child(signum: int, frame: FrameType | None) -> None:
    """Nothing to do: the write to the wakeup fd is what wakes the supervisor."""
