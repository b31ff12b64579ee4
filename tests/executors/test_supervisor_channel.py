"""The supervisor channel: a task process's claim and updates made by the other end (the
zygote) on a real store, over a real socket pair; errors come back as the same exceptions."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from airstream.executors import supervisor_channel as channels
from airstream.store import open_store
from airstream.store import records as rec
from airstream.store.sql import SqlMetadataStore

TIS = rec.TaskInstanceState
T0 = datetime(2024, 1, 1, tzinfo=UTC)
KEY = rec.TaskInstanceKey("etl", "manual__1", "load")


class Supervisor(threading.Thread):
    """Serves requests on ``channel`` with ``store`` until the other end closes it."""

    def __init__(self, store: SqlMetadataStore, channel: socket.socket) -> None:
        super().__init__(daemon=True)
        self.store, self.channel = store, channel
        self.stored: list[tuple[str, tuple[object, ...]]] = []

    def run(self) -> None:
        while True:
            try:
                request = channels.receive(self.channel)
            except channels.ChannelClosed:
                return
            if request[0] == channels.STORED:
                self.stored.append(request)
                continue
            channels.send(self.channel, channels.serve_request(self.store, request))


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[tuple[channels.ChannelStore, Supervisor]]:
    store = open_store(f"sqlite:///{tmp_path / 'airstream.db'}")
    assert isinstance(store, SqlMetadataStore)
    store.create_dag_run(
        rec.DagRun("etl", KEY.run_id, state=rec.DagRunState.RUNNING, logical_date=T0),
        [rec.TaskInstance(dag_id="etl", run_id=KEY.run_id, task_id="load", state=TIS.QUEUED)],
    )
    ours, theirs = socket.socketpair()
    supervisor = Supervisor(store, theirs)
    supervisor.start()
    yield channels.ChannelStore(store.engine, ours), supervisor
    ours.close()
    supervisor.join(5)
    theirs.close()
    store.close()


def test_the_claim_and_the_outcome_go_through_the_supervisor(
    pair: tuple[channels.ChannelStore, Supervisor],
) -> None:
    client, supervisor = pair
    claimed = client.start_attempt(KEY, {"pid": 4242, "start_date": T0})
    assert claimed is not None
    ti, run = claimed
    assert (ti.state, ti.try_number, ti.pid, ti.start_date) == (TIS.RUNNING, 1, 4242, T0)
    assert run.logical_date == T0
    assert client.start_attempt(KEY, {"pid": 1}) is None  # taken: not queued any more
    assert client.update_ti(KEY, {"state": TIS.SUCCESS}, expected=TIS.RUNNING)
    assert not client.update_ti(KEY, {"state": TIS.FAILED}, expected=TIS.RUNNING)
    row = supervisor.store.get_ti(KEY)
    assert row is not None and (row.state, row.pid) == (TIS.SUCCESS, 4242)
    client.outcome_stored()
    client.update_ti(KEY, {"note": "after"})  # a round trip: the notice was read before it
    assert supervisor.stored == [(channels.STORED, ())]


def test_a_failed_operation_raises_in_the_task_process(
    pair: tuple[channels.ChannelStore, Supervisor],
) -> None:
    client, supervisor = pair
    with pytest.raises(ValueError, match="cannot update task instance field"):
        client.update_ti(KEY, {"dag_id": "other"})
    # The supervisor keeps serving after the error.
    assert client.update_ti(KEY, {"state": TIS.SCHEDULED}, expected=TIS.QUEUED)
    assert supervisor.is_alive()


def test_an_unpicklable_error_comes_back_as_its_text() -> None:
    class Odd(Exception):
        def __reduce__(self) -> str | tuple[object, ...]:
            raise TypeError("not today")

    failure = channels.Failure(Odd("lock held"))
    assert isinstance(failure.error, RuntimeError)
    assert str(failure.error) == "Odd: lock held"


def test_the_other_end_closing_is_a_closed_channel() -> None:
    ours, theirs = socket.socketpair()
    theirs.close()
    with pytest.raises(channels.ChannelClosed):
        channels.receive(ours)
    ours.close()
