"""Pipeline progress as a stream: DAG run and task instance state changes, published as JSON.

The scheduler tells a :class:`StateObserver` what it sees: runs it starts and ends, and the
task instances of each run it advances (it reads them anyway). :class:`EventPublisher` turns
every change of state it has not published yet into one record on a topic
(``airstream.events`` by default), keyed ``dag_id/run_id`` so that one run's events stay in
order in one partition. A change the scheduler does not look at right away (a task process
setting its own instance ``running``) is published at the next pass over its run, at most a
poll interval later. After a scheduler restart the current states of running runs are
published once more: consumers get state snapshots at least once, in order per run.

Publishing never blocks or fails the scheduler: records go to librdkafka's queue, which
delivers them in the background (and drops them, logged, if the broker stays away).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, Protocol

from airstream.store import records as rec

log = logging.getLogger(__name__)

DEFAULT_TOPIC = "airstream.events"
#: librdkafka errors (broker away) are logged at most this often.
ERROR_LOG_INTERVAL_S = 60.0


class TaskInstanceLike(Protocol):
    """A task instance as the scheduler reads it (a store row or an execution record)."""

    @property
    def dag_id(self) -> str: ...
    @property
    def run_id(self) -> str: ...
    @property
    def task_id(self) -> str: ...
    @property
    def map_index(self) -> int: ...
    @property
    def try_number(self) -> int: ...
    @property
    def start_date(self) -> datetime | None: ...
    @property
    def end_date(self) -> datetime | None: ...
    @property
    def state(self) -> Any: ...


class StateObserver:
    """What the scheduler reports; the base class ignores it all."""

    def run_state(self, run: rec.DagRun, state: rec.DagRunState) -> None:
        """``run`` is now in ``state`` (the scheduler just wrote it)."""

    def task_states(self, run: rec.DagRun, tis: Iterable[TaskInstanceLike]) -> None:
        """The task instances of ``run`` as the scheduler read them."""

    def task_queued(self, keys: Iterable[rec.TaskInstanceKey]) -> None:
        """These task instances were just queued."""

    def poll(self) -> None:
        """Give background delivery a chance to report (called once per pass)."""

    def close(self) -> None:
        """Deliver what is pending (bounded wait) and let go of the connection."""


class Producer(Protocol):
    def produce(self, topic: str, value: bytes, key: bytes) -> None: ...
    def poll(self, timeout: float) -> int: ...
    def flush(self, timeout: float) -> int: ...


class EventPublisher(StateObserver):
    """Publishes each state change once, as JSON, to ``topic``."""

    def __init__(self, bootstrap_servers: str, topic: str = DEFAULT_TOPIC) -> None:
        self.bootstrap_servers = bootstrap_servers
        self.topic = topic
        self._producer: Producer | None = None
        #: Last published state per task instance and per run, of runs not finished yet.
        self._ti_states: dict[rec.TaskInstanceKey, tuple[str | None, int]] = {}
        self._run_states: dict[tuple[str, str], str] = {}
        self._last_error_log = 0.0

    # -- what the scheduler reports ----------------------------------------------------------

    def run_state(self, run: rec.DagRun, state: rec.DagRunState) -> None:
        ident = (run.dag_id, run.run_id)
        if self._run_states.get(ident) == state.value:
            return
        # ``run`` is the row as read before the change: its dates may predate it.
        now = datetime.now(UTC)
        final = state in (rec.DagRunState.SUCCESS, rec.DagRunState.FAILED)
        started = run.start_date or (now if state == rec.DagRunState.RUNNING else None)
        self._publish(
            run.dag_id,
            run.run_id,
            {
                "event": "dag_run",
                "dag_id": run.dag_id,
                "run_id": run.run_id,
                "state": state.value,
                "previous_state": self._run_states.get(ident),
                "run_type": _value(run.run_type),
                "logical_date": _iso(run.logical_date),
                "start_date": _iso(started),
                "end_date": _iso(run.end_date or (now if final else None)),
            },
        )
        if final:
            self._forget(ident)
        else:
            self._run_states[ident] = state.value

    def task_states(self, run: rec.DagRun, tis: Iterable[TaskInstanceLike]) -> None:
        if (run.dag_id, run.run_id) not in self._run_states:
            self._run_states[(run.dag_id, run.run_id)] = rec.DagRunState.RUNNING.value
        for ti in tis:
            state = _state_value(ti.state)
            key = rec.TaskInstanceKey(ti.dag_id, ti.run_id, ti.task_id, ti.map_index)
            seen = self._ti_states.get(key)
            if seen == (state, ti.try_number) or (seen is None and state is None):
                continue
            self._ti_states[key] = (state, ti.try_number)
            self._publish_ti(key, state, seen[0] if seen else None, ti)

    def task_queued(self, keys: Iterable[rec.TaskInstanceKey]) -> None:
        for key in keys:
            seen = self._ti_states.get(key)
            try_number = seen[1] if seen else 0
            self._ti_states[key] = (rec.TaskInstanceState.QUEUED.value, try_number)
            self._publish_ti(key, rec.TaskInstanceState.QUEUED.value, seen[0] if seen else None)

    def poll(self) -> None:
        if self._producer is not None:
            self._producer.poll(0)

    def close(self) -> None:
        producer, self._producer = self._producer, None
        if producer is not None:
            left = producer.flush(5.0)
            if left:
                log.warning("%d state events were not delivered to %s", left, self.topic)

    # -- publishing --------------------------------------------------------------------------

    def _publish_ti(
        self,
        key: rec.TaskInstanceKey,
        state: str | None,
        previous: str | None,
        ti: TaskInstanceLike | None = None,
    ) -> None:
        self._publish(
            key.dag_id,
            key.run_id,
            {
                "event": "task_instance",
                "dag_id": key.dag_id,
                "run_id": key.run_id,
                "task_id": key.task_id,
                "map_index": key.map_index,
                "state": state,
                "previous_state": previous,
                "try_number": ti.try_number if ti is not None else None,
                "start_date": _iso(ti.start_date) if ti is not None else None,
                "end_date": _iso(ti.end_date) if ti is not None else None,
            },
        )

    def _publish(self, dag_id: str, run_id: str, event: dict[str, Any]) -> None:
        event["timestamp"] = datetime.now(UTC).isoformat()
        value = json.dumps(event).encode()
        try:
            self._ensure_producer().produce(self.topic, value, f"{dag_id}/{run_id}".encode())
        except BufferError:
            self._log_error(f"local queue full; an event for {dag_id}/{run_id} was dropped")
        except Exception as exc:  # a publishing problem must never stop scheduling
            self._log_error(f"cannot publish to {self.topic}: {exc}")

    def _ensure_producer(self) -> Producer:
        if self._producer is None:
            # Imported on first use: a scheduler with nothing to run never loads librdkafka.
            from confluent_kafka import Producer as KafkaProducer

            from airstream.client.connection import silent_logger

            self._producer = KafkaProducer(
                {
                    "bootstrap.servers": self.bootstrap_servers,
                    "client.id": "airstream-scheduler-events",
                    "linger.ms": 5,
                    "acks": 1,
                    "message.timeout.ms": 300000,
                    "error_cb": lambda err: self._log_error(f"events producer: {err}"),
                    "logger": silent_logger(),
                }
            )
        return self._producer

    def _log_error(self, message: str) -> None:
        now = time.monotonic()
        if now - self._last_error_log >= ERROR_LOG_INTERVAL_S:
            self._last_error_log = now
            log.warning("%s", message)

    def _forget(self, ident: tuple[str, str]) -> None:
        self._run_states.pop(ident, None)
        for key in [k for k in self._ti_states if (k.dag_id, k.run_id) == ident]:
            del self._ti_states[key]


def _state_value(state: Any) -> str | None:
    # Store rows spell "no state yet" as "none", execution records as None.
    value = getattr(state, "value", state)
    return None if value in (None, "none") else str(value)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _value(value: Any) -> Any:
    return getattr(value, "value", value)


__all__ = ["DEFAULT_TOPIC", "EventPublisher", "StateObserver"]
