"""The zygote: a warm process that has imported airstream and forks one child per attempt.

A fresh interpreter per task costs 100+ ms of imports; a fork of this process costs about a
millisecond. The zygote also keeps each DAG file it loaded (until the file's mtime changes),
so the child inherits the loaded DAG instead of importing the file again.

Protocol, one JSON object per line. On stdin (from the executor): first the
:class:`~airstream.executors.task_process.TaskProcessConfig`, then ``{"op": "run",
"workload": {...}}`` or ``{"op": "terminate", "key": [...]}``. On stdout: one
:class:`~airstream.executors.base.TaskEvent` per ended child. End of stdin (the scheduler
exited or was killed) makes the zygote kill its children and exit: their task instances are
then recovered by the next scheduler (see :mod:`airstream.scheduler.recovery`).

The zygote also supervises its children: each has a channel to it on which the zygote makes
the attempt's claim and outcome writes (see :mod:`airstream.executors.supervisor_channel`),
and every ``heartbeat_interval`` it stamps ``last_heartbeat_at`` of all its running attempts
in one transaction (a thread per attempt, in each, would cost every task process more). A
child stopped by a signal gets no heartbeat: to the scheduler, a frozen task is a zombie.
"""

from __future__ import annotations

import collections
import contextlib
import gc
import json
import os
import selectors
import signal
import socket
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from airstream.executors import supervisor_channel as channels
from airstream.executors.base import TaskEvent, TaskWorkload, is_callback_key
from airstream.store.records import TaskInstanceKey, TaskInstanceState

if TYPE_CHECKING:
    from airstream.executors.task_process import TaskProcessConfig
    from airstream.store.sql import SqlMetadataStore
    from airstream.workflows.dag import DAG
    from airstream.workflows.dagbag import DagBag


def setup_task_logging() -> None:
    """Task log lines go to the attempt's log file only (the runner adds that handler)."""
    import logging

    from airstream.workflows.task_runner import TASK_LOGGER

    logger = logging.getLogger(TASK_LOGGER)
    logger.setLevel(logging.INFO)
    logger.propagate = False


def preload() -> None:
    """Import what task processes need, once, before any fork."""
    import airstream.compat
    import airstream.executors.callback_process
    import airstream.executors.task_process
    import airstream.operators.bash
    import airstream.operators.python
    import airstream.store.sql
    import airstream.workflows.dagbag  # noqa: F401


def warm_up_store(store: SqlMetadataStore) -> None:
    """Run the statements a task process runs, in the same shapes, on keys that do not exist.

    SQLAlchemy compiles each statement shape once per process and caches it; doing that here,
    before forking, saves every task process those milliseconds. The shapes must match
    exactly (the same columns written), or the cache misses.
    """
    from types import SimpleNamespace

    from airstream.executors.task_process import claim
    from airstream.scheduler.shared_execution_store import SharedExecutionStore, outcome_fields
    from airstream.store import records as rec
    from airstream.store.sql.statements import clear_ti_xcoms_bound
    from airstream.workflows.execution_store import DagRunRecord, TaskInstanceRecord
    from airstream.workflows.state import TaskInstanceState

    key = rec.TaskInstanceKey("__warm_up__", "__warm_up__", "__warm_up__")
    now = datetime.now(UTC)
    store.get_dag_run(key.dag_id, key.run_id)
    store.list_run_tis(key.dag_id, key.run_id)
    store.get_ti(key)
    task = SimpleNamespace(retries=0, task_type="warm_up")
    for resuming in (False, True):
        claim(store, TaskWorkload(*key, fileloc="", resuming=resuming), task)
    with store.engine.connect() as conn:  # the claim's last statement (no row matched above)
        conn.execute(clear_ti_xcoms_bound(), {"run_pk": -1, "k_task_id": "", "k_map_index": -1})
        conn.rollback()
    store.get_xcom(key.dag_id, key.run_id, key.task_id)
    store.list_task_reschedules(key, 1)
    run = DagRunRecord(key.dag_id, key.run_id, now, now, now, now)
    SharedExecutionStore(store).previous_success(run)
    for rendered in ({"field": 1}, None):  # tasks with and without template fields
        ended = TaskInstanceRecord(*key, state=TaskInstanceState.SUCCESS, operator="warm_up")
        ended.rendered_fields = rendered or {}
        store.update_ti(key, outcome_fields(ended), expected=rec.TaskInstanceState.RUNNING)
    # Connections must not cross a fork: drop them, keep the compiled statements.
    store.engine.dispose()


def warm_up_runner() -> None:
    """Run one no-op task in memory: Jinja, the context and logging set themselves up once."""

    from airstream.operators.python import PythonOperator
    from airstream.workflows.dag import DAG
    from airstream.workflows.dag_test import run_dag_test

    with DAG("__warm_up__", schedule=None, start_date=datetime(2024, 1, 1, tzinfo=UTC)) as dag:
        PythonOperator(task_id="noop", python_callable=lambda: None)
    run_dag_test(dag)


class DagFileCache:
    """Loaded DAG files by path, reloaded when the file's modification time changes."""

    def __init__(self) -> None:
        self._bags: dict[str, tuple[int, DagBag]] = {}
        #: Bumped whenever a file is (re)loaded: a spare forked before has an older copy.
        self.generation = 0

    def get_dag(self, fileloc: str, dag_id: str) -> DAG:
        from airstream.workflows.dagbag import DagBag

        mtime = Path(fileloc).stat().st_mtime_ns
        cached = self._bags.get(fileloc)
        if cached is None or cached[0] != mtime:
            cached = (mtime, DagBag(fileloc))
            self._bags[fileloc] = cached
            self.generation += 1
        bag = cached[1]
        if dag_id not in bag.dags:
            errors = "; ".join(str(e) for e in bag.import_errors.values())
            raise LookupError(
                f"DAG {dag_id} not found in {fileloc}" + (f": {errors}" if errors else "")
            )
        return bag.dags[dag_id]


#: How often the zygote checks that the scheduler that started it is still alive.
PARENT_CHECK_SECONDS = 0.5
#: Spare task processes forked at a time, when none is left.
SPARE_BURST = 8
#: After this long without a workload, spares beyond the first exit (each costs memory).
SPARE_IDLE_SECONDS = 5.0


@dataclass(frozen=True)
class Spare:
    """A forked task process waiting for its workload on its channel."""

    pid: int
    generation: int


class Zygote:
    """Forks task processes on request and reports their exits."""

    def __init__(
        self, config: TaskProcessConfig, store: SqlMetadataStore, pending: bytes = b""
    ) -> None:
        self.config = config
        self.store = store
        self.children: dict[int, TaskInstanceKey] = {}
        self.dags = DagFileCache()
        self.parent_pid = os.getppid()
        #: Forked task processes waiting for a workload, oldest first.
        self.spares: collections.deque[Spare] = collections.deque()
        self.last_spawn = time.monotonic()
        self._buffer = pending
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_r, False)
        os.set_blocking(self._wake_w, False)
        self.selector = selectors.DefaultSelector()
        #: Each child's channel (our end), by pid.
        self.channels: dict[int, socket.socket] = {}
        #: Children that said their outcome is stored: the scheduler heard of it before the
        #: process tore itself down, and the exit is then not reported again.
        self.reported: set[int] = set()
        self.next_heartbeat = time.monotonic() + config.heartbeat_interval
        #: Children stopped by a signal: alive, but not running their task.
        self.stopped: set[int] = set()

    def serve(self) -> None:
        signal.signal(signal.SIGCHLD, lambda signum, frame: None)
        signal.set_wakeup_fd(self._wake_w)
        self.selector.register(sys.stdin.fileno(), selectors.EVENT_READ, "stdin")
        self.selector.register(self._wake_r, selectors.EVENT_READ, "child")
        self._handle_buffered()
        while True:
            if os.getppid() != self.parent_pid:
                # The scheduler died, and a process forked from it (not by us) still holds
                # our stdin open, so no end of file comes: the parent check is the backstop.
                self.kill_all()
                return
            wait = min(PARENT_CHECK_SECONDS, self.next_heartbeat - time.monotonic())
            for item, _ in self.selector.select(timeout=max(0.0, wait)):
                if item.data == "child":
                    self._drain_wakeups()
                elif item.data == "stdin":
                    if not self._read_commands():
                        self.kill_all()
                        return
                else:
                    self._serve_child(item.data)
            self.reap()
            self._heartbeat_if_due()
            self._trim_spares_if_idle()

    def _trim_spares_if_idle(self) -> None:
        if len(self.spares) > 1 and time.monotonic() - self.last_spawn > SPARE_IDLE_SECONDS:
            while len(self.spares) > 1:
                self._discard(self.spares.pop())

    def _heartbeat_if_due(self) -> None:
        now = time.monotonic()
        if now < self.next_heartbeat:
            return
        self.next_heartbeat = now + self.config.heartbeat_interval
        keys = [
            key
            for pid, key in self.children.items()
            if pid not in self.reported
            and pid not in self.stopped
            and key.task_id
            and not is_callback_key(key)
        ]
        if not keys:
            return
        running = TaskInstanceState.RUNNING
        try:
            # Only instances still running (claimed, not yet ended, not moved by anyone).
            self.store.update_tis_state(
                [(key, running) for key in keys], running, last_heartbeat_at=datetime.now(UTC)
            )
        except Exception:  # a database hiccup must not stop the zygote; the next beat retries
            traceback.print_exc()

    def _drain_wakeups(self) -> None:
        try:
            while os.read(self._wake_r, 4096):
                pass
        except BlockingIOError:
            pass

    def _serve_child(self, pid: int) -> None:
        """Answer one request of child ``pid`` on its channel."""
        channel = self.channels[pid]
        try:
            request = channels.receive(channel)
        except (channels.ChannelClosed, OSError):
            self._close_channel(pid)  # it exited (or closed it): nothing more will come
            return
        if request[0] == channels.STORED:
            key = self.children.get(pid)
            if key is not None and pid not in self.reported:
                self.reported.add(pid)
                emit(TaskEvent(key, 0))
            return
        reply = channels.serve_request(self.store, request)
        with contextlib.suppress(OSError):  # it died waiting: its exit is reported anyway
            channels.send(channel, reply)

    def _close_channel(self, pid: int) -> None:
        channel = self.channels.pop(pid, None)
        if channel is not None:
            self.selector.unregister(channel)
            channel.close()

    def _read_commands(self) -> bool:
        data = os.read(sys.stdin.fileno(), 65536)
        if not data:
            return False
        self._buffer += data
        self._handle_buffered()
        return True

    def _handle_buffered(self) -> None:
        while b"\n" in self._buffer:
            line, self._buffer = self._buffer.split(b"\n", 1)
            if line.strip():
                self.handle(json.loads(line))

    def handle(self, command: dict[str, Any]) -> None:
        if command["op"] == "run":
            self.spawn(TaskWorkload(**command["workload"]))
        elif command["op"] == "terminate":
            key = TaskInstanceKey(*command["key"])
            for pid, child_key in list(self.children.items()):
                if child_key == key:
                    _kill_group(pid)

    def spawn(self, workload: TaskWorkload) -> None:
        """Hand ``workload`` to a spare child if one is current, else fork one for it."""
        self.last_spawn = time.monotonic()
        try:
            dag = self.dags.get_dag(workload.fileloc, workload.dag_id)
        except Exception as exc:
            emit(TaskEvent(workload.key, 1, f"{type(exc).__name__}: {exc}"))
            return
        while self.spares and self.spares[0].generation != self.dags.generation:
            self._discard(self.spares.popleft())  # forked before a DAG file changed
        if self.spares:
            spare = self.spares.popleft()
            self.children[spare.pid] = workload.key
            # If it died meanwhile, its exit is reported (the instance stays queued: the
            # scheduler queues it again).
            with contextlib.suppress(OSError):
                channels.send(self.channels[spare.pid], workload.to_json())
        else:
            pid = self._fork(lambda channel: self._run(workload, dag, channel))
            self.children[pid] = workload.key
        if not self.spares:
            self._fork_spares(SPARE_BURST)

    def _fork_spares(self, count: int) -> None:
        """Fork the next task processes now, so forking is off the critical path: each
        waits for its workload on its channel.

        Several in a row: every fork makes all of our pages copy-on-write again, and our
        next writes (the store's statements, above all) copy them; a burst of forks pays
        that once for several tasks instead of once for each.
        """
        for _ in range(count):
            pid = self._fork(self._wait_for_workload)
            self.spares.append(Spare(pid, self.dags.generation))

    def _discard(self, spare: Spare) -> None:
        self._close_channel(spare.pid)  # end of file: the spare exits without running anything

    def _fork(self, body: Callable[[socket.socket], int]) -> int:
        ours, theirs = socket.socketpair()
        # The child sees every inherited object as permanent: its collections then skip them
        # instead of touching (and so copying) their pages. The zygote unfreezes at once, so
        # its own garbage (an old DagBag after a reload) is still collected.
        gc.freeze()
        pid = os.fork()
        if pid == 0:
            ours.close()
            self._child(body, theirs)
        gc.unfreeze()
        theirs.close()
        with contextlib.suppress(OSError):  # the child already did it, or is gone
            os.setpgid(pid, pid)
        self.channels[pid] = ours
        self.selector.register(ours, selectors.EVENT_READ, pid)
        return pid

    def _child(self, body: Callable[[socket.socket], int], channel: socket.socket) -> NoReturn:
        code = 1
        try:
            os.setpgid(0, 0)
            signal.set_wakeup_fd(-1)
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            os.close(self._wake_r)
            os.close(self._wake_w)
            self.selector.close()
            for other in self.channels.values():
                other.close()
            devnull = os.open(os.devnull, os.O_RDWR)
            os.dup2(devnull, 0)
            os.dup2(devnull, 1)
            code = body(channel)
        except BaseException:
            traceback.print_exc()
        finally:
            sys.stderr.flush()
            os._exit(code)

    def _run(self, workload: TaskWorkload, dag: DAG, channel: socket.socket) -> int:
        from airstream.executors.task_process import run_workload

        if workload.callback:
            from airstream.executors.callback_process import run_callback_workload

            return run_callback_workload(workload, dag, self.config, self.store)
        store = channels.ChannelStore(self.store.engine, channel)
        return run_workload(workload, dag, self.config, store, store.outcome_stored)

    def _wait_for_workload(self, channel: socket.socket) -> int:
        try:
            workload = TaskWorkload.from_json(channels.receive(channel))
        except channels.ChannelClosed:
            return 0  # discarded
        dag = self.dags.get_dag(workload.fileloc, workload.dag_id)
        return self._run(workload, dag, channel)

    def reap(self) -> None:
        while True:  # discarded spares too: they are no attempt's, but must not linger
            try:
                pid, status = os.waitpid(-1, os.WNOHANG | os.WUNTRACED | os.WCONTINUED)
            except ChildProcessError:
                return
            if pid == 0:
                return
            if os.WIFSTOPPED(status):
                self.stopped.add(pid)  # frozen (SIGSTOP, a debugger): no heartbeat for it
                continue
            if os.WIFCONTINUED(status):
                self.stopped.discard(pid)
                continue
            self.stopped.discard(pid)
            self._close_channel(pid)
            for spare in list(self.spares):
                if spare.pid == pid:
                    self.spares.remove(spare)  # died while waiting
            key = self.children.pop(pid, None)
            code = os.waitstatus_to_exitcode(status)
            early = pid in self.reported
            self.reported.discard(pid)
            if key is not None and not (early and code == 0):
                emit(TaskEvent(key, code))

    def kill_all(self) -> None:
        for spare in self.spares:
            self.children[spare.pid] = TaskInstanceKey("", "", "")
        for pid in list(self.children):
            _kill_group(pid)
        for pid in list(self.children):
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except OSError:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)


def emit(event: TaskEvent) -> None:
    os.write(sys.stdout.fileno(), (event.to_json() + "\n").encode())


def main() -> None:
    from airstream.executors.task_process import TaskProcessConfig

    # Read with os.read, not sys.stdin: a buffered reader would swallow the commands that
    # follow the first line, which the selector loop reads from the file descriptor.
    buffer = b""
    while b"\n" not in buffer:
        chunk = os.read(sys.stdin.fileno(), 65536)
        if not chunk:
            return
        buffer += chunk
    first, pending = buffer.split(b"\n", 1)
    raw = json.loads(first)
    config = TaskProcessConfig(
        database_url=raw["database_url"],
        log_folder=Path(raw["log_folder"]),
        heartbeat_interval=float(raw["heartbeat_interval"]),
    )
    preload()
    setup_task_logging()
    from airstream.store.engine import create_store_engine
    from airstream.store.sql import SqlMetadataStore

    store = SqlMetadataStore(create_store_engine(config.database_url))
    warm_up_store(store)
    warm_up_runner()
    Zygote(config, store, pending).serve()


def serve_forked(commands: int, events: int, env: dict[str, str]) -> NoReturn:
    """The zygote in a child forked from the scheduler: the same protocol, on the pipes
    ``commands`` (our stdin) and ``events`` (our stdout)."""
    code = 0
    try:
        os.dup2(commands, 0)
        os.dup2(events, 1)
        os.close(commands)
        os.close(events)
        os.environ.update(env)
        # The scheduler's handlers only set its stop flag: here SIGTERM must end us, and a
        # terminal's Ctrl-C is the scheduler's to handle (it closes our stdin).
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        main()
    except BaseException:
        traceback.print_exc()
        code = 1
    finally:
        sys.stderr.flush()
        # Never run the scheduler's inherited finalizers (its database connections...).
        os._exit(code)


if __name__ == "__main__":
    main()
