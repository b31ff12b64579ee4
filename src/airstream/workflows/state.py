"""States of task instances and DAG runs, with Airflow's string values."""

from __future__ import annotations

from enum import StrEnum


class TaskInstanceState(StrEnum):
    """Where one task instance is in its life; ``None`` (not a member) means not yet decided."""

    SCHEDULED = "scheduled"
    QUEUED = "queued"
    RUNNING = "running"
    SUCCESS = "success"
    FAILED = "failed"
    SKIPPED = "skipped"
    UPSTREAM_FAILED = "upstream_failed"
    UP_FOR_RETRY = "up_for_retry"
    UP_FOR_RESCHEDULE = "up_for_reschedule"
    REMOVED = "removed"
    RESTARTING = "restarting"
    DEFERRED = "deferred"


class DagRunState(StrEnum):
    """The state of one DAG run."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCESS = "success"
    FAILED = "failed"


#: A task instance in one of these states will not change again in this run.
FINISHED_STATES: frozenset[TaskInstanceState] = frozenset(
    {
        TaskInstanceState.SUCCESS,
        TaskInstanceState.FAILED,
        TaskInstanceState.SKIPPED,
        TaskInstanceState.UPSTREAM_FAILED,
        TaskInstanceState.REMOVED,
    }
)


class State:
    """Airflow's ``State`` namespace, kept for DAG files that compare against it."""

    SUCCESS = TaskInstanceState.SUCCESS
    FAILED = TaskInstanceState.FAILED
    SKIPPED = TaskInstanceState.SKIPPED
    UPSTREAM_FAILED = TaskInstanceState.UPSTREAM_FAILED
    RUNNING = TaskInstanceState.RUNNING
    QUEUED = TaskInstanceState.QUEUED
    SCHEDULED = TaskInstanceState.SCHEDULED
    UP_FOR_RETRY = TaskInstanceState.UP_FOR_RETRY
    UP_FOR_RESCHEDULE = TaskInstanceState.UP_FOR_RESCHEDULE
    REMOVED = TaskInstanceState.REMOVED
    NONE = None
    finished = FINISHED_STATES
