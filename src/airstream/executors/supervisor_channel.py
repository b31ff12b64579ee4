"""The channel between a task process and the zygote that forked it, its supervisor.

A freshly forked task process that opens its own database connection spends about as much
CPU on that connection and on SQLAlchemy's first statements as on everything else a no-op
task does, most of it copying pages of the zygote's memory that it touches (see
``bench/README.md``). So, as Airflow 3's task supervisor makes its task's API calls, the
zygote makes the two writes every attempt needs, the claim and the outcome (and the
heartbeats in between), on its own warm connection. A task process opens a connection of its
own only when its code reads or writes anything else (another task's XComs, a variable...).

Messages are length-prefixed pickles on a Unix socket pair. Both ends are the same program
(one forked from the other), so pickle is safe here, and it carries the store's records
(datetimes, enums) as they are.
"""

from __future__ import annotations

import pickle
import socket
import struct
import threading
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from airstream.store.base import ExpectedTiState, MetadataStore
from airstream.store.records import DagRun, TaskInstance, TaskInstanceKey
from airstream.store.sql import SqlMetadataStore

_LENGTH = struct.Struct("!I")

#: The request a task process sends once its outcome is stored (no store operation).
STORED = "stored"


class ChannelClosed(EOFError):
    """The other end of the channel is gone."""


def send(channel: socket.socket, message: Any) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    channel.sendall(_LENGTH.pack(len(data)) + data)


def receive(channel: socket.socket) -> Any:
    """The next message; :class:`ChannelClosed` at end of file."""
    (length,) = _LENGTH.unpack(_read_exactly(channel, _LENGTH.size))
    return pickle.loads(_read_exactly(channel, length))


def _read_exactly(channel: socket.socket, size: int) -> bytes:
    buffer = bytearray(size)
    view = memoryview(buffer)
    done = 0
    while done < size:
        count = channel.recv_into(view[done:])
        if count == 0:
            raise ChannelClosed("the other end of the channel closed it")
        done += count
    return bytes(buffer)


class Failure:
    """A store operation's exception, sent back to the task process to be raised there."""

    def __init__(self, error: BaseException) -> None:
        self.error = _picklable(error)


def _picklable(error: BaseException) -> BaseException:
    try:
        pickle.loads(pickle.dumps(error))
    except Exception:
        return RuntimeError(f"{type(error).__name__}: {error}")
    return error


def serve_request(store: MetadataStore, request: tuple[str, tuple[Any, ...]]) -> Any:
    """Run a task process's store operation on the zygote's ``store``; the reply to send."""
    op, args = request
    try:
        if op == "start_attempt":
            key, fields, resuming = args
            return store.start_attempt(key, fields, resuming=resuming)
        if op == "update_ti":
            key, fields, expected = args
            return store.update_ti(key, fields, expected)
        raise ValueError(f"unknown supervisor request {op!r}")
    except Exception as exc:  # the task process raises it; the zygote keeps serving
        return Failure(exc)


class ChannelStore(SqlMetadataStore):
    """A task process's store: the claim and task instance updates go through the zygote,
    everything else to the database on this process's own (lazily opened) connection."""

    def __init__(self, engine: sa.Engine, channel: socket.socket) -> None:
        super().__init__(engine)
        self._channel = channel
        self._lock = threading.Lock()  # a task's own threads may share the channel

    def _call(self, op: str, *args: Any) -> Any:
        with self._lock:
            send(self._channel, (op, args))
            if op == STORED:
                return None
            reply = receive(self._channel)
        if isinstance(reply, Failure):
            raise reply.error
        return reply

    def start_attempt(
        self, key: TaskInstanceKey, fields: Mapping[str, Any], *, resuming: bool = False
    ) -> tuple[TaskInstance, DagRun] | None:
        result: tuple[TaskInstance, DagRun] | None = self._call(
            "start_attempt", key, dict(fields), resuming
        )
        return result

    def update_ti(
        self, key: TaskInstanceKey, fields: Mapping[str, Any], expected: ExpectedTiState = None
    ) -> bool:
        return bool(self._call("update_ti", key, dict(fields), expected))

    def close(self) -> None:
        # Close this process's own connections, if its task opened any; no new pool (what
        # ``engine.dispose`` would make): the process is about to exit.
        self.engine.pool.dispose()

    def outcome_stored(self) -> None:
        """Tell the zygote the attempt's outcome is stored: it reports the attempt ended
        before this process has torn itself down."""
        self._call(STORED)
