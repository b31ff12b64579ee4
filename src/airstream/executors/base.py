"""The executor interface: what the scheduler needs from anything that runs task attempts.

The scheduler queues :class:`TaskWorkload` values and learns of finished attempts through
:class:`TaskEvent` values returned by :meth:`BaseExecutor.wait`. The task instance's state in
the metadata store, written by the task process, is the truth; an event only says the process
is gone (and how), so the scheduler can fail an attempt whose process died without a word.
"""

from __future__ import annotations

import abc
import json
from dataclasses import asdict, dataclass
from typing import Any

from airstream.store.records import TaskInstanceKey


@dataclass(frozen=True)
class TaskWorkload:
    """One attempt to run: which task instance, and the DAG file that defines it."""

    dag_id: str
    run_id: str
    task_id: str
    map_index: int
    fileloc: str
    #: A reschedule-mode sensor poking again: the try number is not incremented.
    resuming: bool = False
    #: Not an attempt but callbacks to call (one of :data:`CALLBACK_KINDS`): the DAG's
    #: ``on_success_callback``/``on_failure_callback`` when its run ended, or a task's
    #: ``on_failure_callback``/``on_retry_callback`` when its process died without calling them.
    callback: str = ""
    #: Why, for callbacks: the ``reason`` of a DAG callback's context, or what killed a task.
    reason: str = ""
    #: For a task's callbacks: the try that died (the instance may be on its next try by the
    #: time they run).
    try_number: int = 0

    @property
    def key(self) -> TaskInstanceKey:
        """The key the executor tracks this workload by (distinct for callbacks, so a task's
        callback process never passes for an attempt of that task)."""
        if self.callback:
            return callback_key(self.callback, self.dag_id, self.run_id, self.task_id)
        return self.ti_key

    @property
    def ti_key(self) -> TaskInstanceKey:
        return TaskInstanceKey(self.dag_id, self.run_id, self.task_id, self.map_index)

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> TaskWorkload:
        return cls(**json.loads(text))


#: Callback workloads: a DAG run ended, or a task's process died and the scheduler failed it.
CALLBACK_KINDS = ("dag_success", "dag_failure", "task_failure", "task_retry")
_CALLBACK_PREFIX = "<callback>"


def callback_key(kind: str, dag_id: str, run_id: str, task_id: str) -> TaskInstanceKey:
    return TaskInstanceKey(dag_id, run_id, f"{_CALLBACK_PREFIX}{kind}:{task_id}", -2)


def is_callback_key(key: TaskInstanceKey) -> bool:
    """Whether ``key`` names a callback process rather than a task attempt."""
    return key.task_id.startswith(_CALLBACK_PREFIX)


@dataclass(frozen=True)
class TaskEvent:
    """An attempt's process is gone: its exit code (negative: killed by that signal).

    ``error`` is set when the attempt could not even start (e.g. its DAG file failed to load).
    """

    key: TaskInstanceKey
    returncode: int
    error: str | None = None

    def to_json(self) -> str:
        return json.dumps(
            {"key": list(self.key), "returncode": self.returncode, "error": self.error}
        )

    @classmethod
    def from_json(cls, text: str) -> TaskEvent:
        data: dict[str, Any] = json.loads(text)
        return cls(TaskInstanceKey(*data["key"]), int(data["returncode"]), data.get("error"))


class BaseExecutor(abc.ABC):
    """Runs task attempts somewhere and reports when their processes end."""

    @abc.abstractmethod
    def start(self) -> None:
        """Get ready to accept workloads (start helper processes)."""

    @abc.abstractmethod
    def queue(self, workload: TaskWorkload) -> None:
        """Start running ``workload`` as soon as possible."""

    @abc.abstractmethod
    def wait(self, timeout: float) -> list[TaskEvent]:
        """Events of ended attempts; blocks up to ``timeout`` seconds while there are none."""

    @abc.abstractmethod
    def terminate(self, key: TaskInstanceKey) -> None:
        """Kill the attempt of ``key`` if it is running here (a zombie or a cleared task)."""

    @property
    @abc.abstractmethod
    def running(self) -> frozenset[TaskInstanceKey]:
        """Task instances whose attempts were queued here and have not ended."""

    @property
    @abc.abstractmethod
    def open_slots(self) -> int:
        """How many more attempts may be queued now (``parallelism`` minus running)."""

    @abc.abstractmethod
    def end(self) -> None:
        """Stop: kill running attempts and helper processes."""
