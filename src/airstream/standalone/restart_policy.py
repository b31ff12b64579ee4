"""When to restart a crashed child, and when to give up: exponential backoff over a window.

Pure decisions over timestamps (the clock is the caller's), so the policy is tested without
processes or sleeps. A crash long after the previous ones starts the backoff afresh: a child
that ran for a while and then died is not "crash looping".
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field


@dataclass(frozen=True)
class RestartPolicy:
    """Backoff ``initial_delay * 2**(n-1)`` capped at ``max_delay`` for the n-th recent crash;
    more than ``max_crashes`` crashes within ``window`` seconds means giving up."""

    initial_delay: float = 0.5
    max_delay: float = 10.0
    max_crashes: int = 5
    window: float = 60.0


@dataclass
class CrashHistory:
    """The recent crashes of one child, judged by a :class:`RestartPolicy`."""

    policy: RestartPolicy = field(default_factory=RestartPolicy)
    _crashes: deque[float] = field(default_factory=deque)

    def record(self, now: float) -> float | None:
        """Note a crash at ``now``: the delay before restarting, or ``None`` to give up."""
        self._crashes.append(now)
        while self._crashes and now - self._crashes[0] > self.policy.window:
            self._crashes.popleft()
        recent = len(self._crashes)
        if recent > self.policy.max_crashes:
            return None
        return min(self.policy.initial_delay * (1 << (recent - 1)), self.policy.max_delay)

    @property
    def recent_crashes(self) -> int:
        """Crashes still inside the window as of the last :meth:`record`."""
        return len(self._crashes)
