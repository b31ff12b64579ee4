"""``schedule=Topic("orders")``: a DAG run for each batch of records arriving on a topic.

The short, native form of a topic-triggered DAG (Airflow's is an ``Asset`` with an
``AssetWatcher`` on a ``MessageQueueTrigger``; both end up in the same scheduler code). Each
run's ``conf`` carries the batch: ``{"topic": ..., "records": [...]}``. A batch closes when it
has ``max_records`` records or ``max_wait`` has passed since its first record.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Literal

#: Where a DAG that has never consumed the topic starts: the log end, or its beginning.
StartFrom = Literal["latest", "earliest"]
DEFAULT_MAX_RECORDS = 100
DEFAULT_MAX_WAIT = timedelta(seconds=1)
DEFAULT_KAFKA_CONFIG_ID = "kafka_default"


@dataclass(frozen=True)
class Topic:
    """A topic a DAG is scheduled on, with the batching of its records into runs.

    The broker is ``bootstrap_servers`` if given, else the one connection
    ``kafka_config_id`` names (``kafka_default``: the built-in broker).
    """

    name: str
    max_records: int = DEFAULT_MAX_RECORDS
    max_wait: timedelta = field(default=DEFAULT_MAX_WAIT)
    kafka_config_id: str = DEFAULT_KAFKA_CONFIG_ID
    bootstrap_servers: str | None = None
    start_from: StartFrom = "latest"

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ValueError("Topic() needs a topic name")
        check_batching(self.max_records, self.max_wait)
        object.__setattr__(self, "max_wait", as_timedelta(self.max_wait))
        if self.start_from not in ("latest", "earliest"):
            raise ValueError(
                f"Topic({self.name!r}): start_from must be 'latest' or 'earliest', "
                f"not {self.start_from!r}"
            )

    @property
    def summary(self) -> str:
        return f"Topic {self.name}"


def as_timedelta(value: timedelta | float | int) -> timedelta:
    """``max_wait`` as a ``timedelta`` (a number is seconds)."""
    return value if isinstance(value, timedelta) else timedelta(seconds=float(value))


def check_batching(max_records: object, max_wait: object) -> None:
    """A precise error for batching settings no batch could satisfy."""
    if isinstance(max_records, bool) or not isinstance(max_records, int) or max_records < 1:
        raise ValueError(f"max_records must be a positive integer, not {max_records!r}")
    if not isinstance(max_wait, (timedelta, int, float)) or isinstance(max_wait, bool):
        raise ValueError(f"max_wait must be a timedelta or seconds, not {max_wait!r}")
    if as_timedelta(max_wait) <= timedelta(0):
        raise ValueError(f"max_wait must be positive, not {max_wait!r}")


__all__ = ["Topic"]
