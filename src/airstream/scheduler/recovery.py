"""Task attempts whose process is gone: failing them by their retry policy, and finding them.

An attempt's process can die without writing its outcome (killed, out of memory, the
scheduler and its executor killed). Its task instance then still says ``queued`` or
``running``. :func:`fail_attempt` turns that into ``up_for_retry`` (retries left) or
``failed``, with a compare-and-set so an outcome written meanwhile by the task wins.
:func:`find_orphans` and :func:`find_zombies` are the pure rules saying which instances those
are: after a restart, every ``running`` instance whose process is not alive on this host, or
whose heartbeat is older than the timeout.
"""

from __future__ import annotations

import errno
import os
import socket
from collections.abc import Callable, Collection, Iterable
from datetime import datetime, timedelta

from airstream.store import MetadataStore
from airstream.store import records as rec

TIS = rec.TaskInstanceState


def pid_alive(pid: int) -> bool:
    """Whether a process with this pid exists on this host."""
    try:
        os.kill(pid, 0)
    except OSError as exc:
        return exc.errno == errno.EPERM
    return True


def failed_try(ti: rec.TaskInstance) -> int:
    """The try an attempt of ``ti`` that dies now counts as: the running one, or (queued,
    never started) the one it was about to start."""
    return ti.try_number if ti.state == TIS.RUNNING else ti.try_number + 1


def fail_attempt(store: MetadataStore, ti: rec.TaskInstance, now: datetime) -> TIS | None:
    """Fail the attempt of ``ti`` (retry if it has tries left); returns the new state.

    ``None`` if the task instance moved on meanwhile (its own outcome stands).
    """
    started = ti.state == TIS.RUNNING
    try_number = failed_try(ti)
    new = TIS.UP_FOR_RETRY if try_number <= ti.max_tries else TIS.FAILED
    start = ti.start_date if started and ti.start_date else now
    changed = store.update_ti_state(
        ti.key,
        new,
        expected=ti.state,
        try_number=try_number,
        start_date=start,
        end_date=now,
        duration=(now - start).total_seconds(),
    )
    return new if changed else None


def find_zombies(
    running: Iterable[rec.TaskInstance],
    now: datetime,
    heartbeat_timeout: timedelta,
    *,
    hostname: str | None = None,
    is_alive: Callable[[int], bool] = pid_alive,
    tracked: Collection[rec.TaskInstanceKey] = (),
) -> list[rec.TaskInstance]:
    """``running`` instances whose process is gone or silent.

    Gone: on this host, with a pid that is not alive (and not an attempt this executor
    still tracks). Silent: no heartbeat for ``heartbeat_timeout`` (any host).
    """
    hostname = hostname if hostname is not None else socket.gethostname()
    found = []
    for ti in running:
        if ti.state != TIS.RUNNING:
            continue
        gone = (
            ti.key not in tracked
            and ti.hostname == hostname
            and (ti.pid is None or not is_alive(ti.pid))
        )
        beat = ti.last_heartbeat_at or ti.start_date
        silent = beat is not None and now - beat > heartbeat_timeout
        if gone or silent:
            found.append(ti)
    return found


def find_orphans(
    tis: Iterable[rec.TaskInstance], tracked: Collection[rec.TaskInstanceKey]
) -> list[rec.TaskInstance]:
    """``queued`` instances no executor here knows of: queued by a scheduler that died."""
    return [ti for ti in tis if ti.state == TIS.QUEUED and ti.key not in tracked]


def requeue_orphan(store: MetadataStore, ti: rec.TaskInstance) -> bool:
    """Give a queued orphan back to the scheduler (``scheduled``) to be queued again."""
    return store.update_ti_state(ti.key, TIS.SCHEDULED, expected=TIS.QUEUED, queued_dttm=None)
