"""Wake long-polling fetches the moment data arrives on a partition they wait for."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

PartitionKey = tuple[str, int]


class PartitionWatchers:
    """Futures of waiting fetches, indexed by ``(topic, partition)``.

    Only the event loop's thread calls this. A fetch reads its partitions and registers in
    the same synchronous step, so no append can fall between its read and its wait.
    """

    def __init__(self) -> None:
        self._waiters: dict[PartitionKey, set[asyncio.Future[None]]] = {}
        self._closing = False

    async def wait(self, keys: Iterable[PartitionKey], timeout: float) -> None:
        """Return when any of ``keys`` gets data, ``timeout`` seconds pass, or the broker stops."""
        if self._closing or timeout <= 0:
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        keys = list(keys)
        for key in keys:
            self._waiters.setdefault(key, set()).add(future)
        try:
            await asyncio.wait((future,), timeout=timeout)
        finally:
            for key in keys:
                waiting = self._waiters.get(key)
                if waiting is not None:
                    waiting.discard(future)
                    if not waiting:
                        del self._waiters[key]

    @property
    def closed(self) -> bool:
        return self._closing

    def notify(self, key: PartitionKey) -> None:
        for future in self._waiters.pop(key, ()):
            if not future.done():
                future.set_result(None)

    def notify_topic(self, topic: str, partitions: int) -> None:
        """Wake fetches of a deleted topic so they answer with its new (unknown) state."""
        for partition in range(partitions):
            self.notify((topic, partition))

    def close(self) -> None:
        """Release every waiting fetch (shutdown): they answer with what they have."""
        self._closing = True
        for key in list(self._waiters):
            self.notify(key)
