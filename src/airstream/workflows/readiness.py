"""Which task instances of a DAG run may run now: pure decisions over task-instance states.

Used by ``dags test`` and by the scheduler alike, so the rules (trigger rules, skip
propagation, depends_on_past, setup/teardown, retries, the run's final state) live only here.
Nothing in this module reads a clock or a store: callers pass ``now`` and the states.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from airstream.workflows.execution_store import TaskInstanceRecord
from airstream.workflows.state import FINISHED_STATES, DagRunState, TaskInstanceState
from airstream.workflows.trigger_rule import TriggerRule

if TYPE_CHECKING:
    from airstream.workflows.baseoperator import AbstractOperator
    from airstream.workflows.dag import DAG

TIS = TaskInstanceState
TaskKey = tuple[str, int]


class Decision(StrEnum):
    """What to do with a task instance that has no state yet."""

    WAIT = "wait"
    RUN = "run"
    SKIP = "skip"
    UPSTREAM_FAILED = "upstream_failed"


@dataclass(frozen=True)
class UpstreamCounts:
    """States of the upstream task instances of one task instance."""

    total: int
    success: int = 0
    skipped: int = 0
    failed: int = 0
    upstream_failed: int = 0
    removed: int = 0
    setup_total: int = 0
    setup_success: int = 0
    setup_skipped: int = 0

    @property
    def done(self) -> int:
        return self.success + self.skipped + self.failed + self.upstream_failed + self.removed

    @property
    def all_done(self) -> bool:
        return self.done >= self.total


def count_upstream(
    task: AbstractOperator, states_by_task: Mapping[str, list[TaskInstanceState | None]]
) -> UpstreamCounts:
    assert task.dag is not None
    counts: Counter[TaskInstanceState | None] = Counter()
    setup: Counter[TaskInstanceState | None] = Counter()
    total = setup_total = 0
    for upstream_id in task.upstream_task_ids:
        states = states_by_task.get(upstream_id, [None])
        total += len(states)
        counts.update(states)
        if task.dag.get_task(upstream_id).is_setup:
            setup_total += len(states)
            setup.update(states)
    return UpstreamCounts(
        total=total,
        success=counts[TIS.SUCCESS],
        skipped=counts[TIS.SKIPPED],
        failed=counts[TIS.FAILED],
        upstream_failed=counts[TIS.UPSTREAM_FAILED],
        removed=counts[TIS.REMOVED],
        setup_total=setup_total,
        setup_success=setup[TIS.SUCCESS],
        setup_skipped=setup[TIS.SKIPPED],
    )


def evaluate_trigger_rule(rule: TriggerRule, up: UpstreamCounts) -> Decision:
    """Airflow's trigger-rule semantics, including when a task is skipped or upstream_failed."""
    if up.total == 0 or rule == TriggerRule.ALWAYS:
        return Decision.RUN
    failures = up.failed + up.upstream_failed
    done = up.all_done
    if rule == TriggerRule.ALL_SUCCESS:
        if failures:
            return Decision.UPSTREAM_FAILED
        if up.skipped:
            return Decision.SKIP
        return Decision.RUN if up.success + up.removed >= up.total else Decision.WAIT
    if rule == TriggerRule.ALL_FAILED:
        if up.success or up.skipped:
            return Decision.SKIP
        return Decision.RUN if done else Decision.WAIT
    if rule == TriggerRule.ALL_DONE:
        return Decision.RUN if done else Decision.WAIT
    if rule == TriggerRule.ALL_DONE_MIN_ONE_SUCCESS:
        # Skipped upstreams do not count as done for this rule: any skip skips the task.
        if up.skipped:
            return Decision.SKIP
        if not done:
            return Decision.WAIT
        return Decision.RUN if up.success else Decision.UPSTREAM_FAILED
    if rule == TriggerRule.ALL_DONE_SETUP_SUCCESS:
        if not done:
            return Decision.WAIT
        if up.setup_total and up.setup_skipped >= up.setup_total:
            return Decision.SKIP
        if up.setup_total and not up.setup_success:
            return Decision.UPSTREAM_FAILED
        return Decision.RUN
    if rule == TriggerRule.ONE_SUCCESS:
        if up.success:
            return Decision.RUN
        if not done:
            return Decision.WAIT
        return Decision.SKIP if up.skipped == up.total else Decision.UPSTREAM_FAILED
    if rule == TriggerRule.ONE_FAILED:
        if failures:
            return Decision.RUN
        return Decision.SKIP if done else Decision.WAIT
    if rule == TriggerRule.ONE_DONE:
        if up.success or up.failed:
            return Decision.RUN
        return Decision.SKIP if done else Decision.WAIT
    if rule == TriggerRule.NONE_FAILED:
        if failures:
            return Decision.UPSTREAM_FAILED
        return Decision.RUN if done else Decision.WAIT
    if rule == TriggerRule.NONE_FAILED_MIN_ONE_SUCCESS:
        if failures:
            return Decision.UPSTREAM_FAILED
        if not done:
            return Decision.WAIT
        return Decision.SKIP if up.skipped + up.removed >= up.total else Decision.RUN
    if rule == TriggerRule.NONE_SKIPPED:
        if up.skipped:
            return Decision.SKIP
        return Decision.RUN if done else Decision.WAIT
    if rule == TriggerRule.ALL_SKIPPED:
        if up.success or failures:
            return Decision.SKIP
        return Decision.RUN if done else Decision.WAIT
    raise ValueError(f"Unknown trigger rule {rule!r}")


def states_by_task(tis: Iterable[TaskInstanceRecord]) -> dict[str, list[TaskInstanceState | None]]:
    grouped: dict[str, list[TaskInstanceState | None]] = {}
    for ti in tis:
        grouped.setdefault(ti.task_id, []).append(ti.state)
    return grouped


def past_depends_met(
    task: AbstractOperator,
    map_index: int,
    previous_run_tis: Mapping[TaskKey, TaskInstanceState | None] | None,
) -> bool:
    """``depends_on_past``: the same task in the previous run succeeded or was skipped."""
    if not task.depends_on_past:
        return True
    if previous_run_tis is None:
        # No previous run: the first run does not wait (ignore_first_depends_on_past).
        return True
    ok = {TIS.SUCCESS, TIS.SKIPPED}
    state = previous_run_tis.get(
        (task.task_id, map_index), previous_run_tis.get((task.task_id, -1))
    )
    if state is not None and state not in ok:
        return False
    if state is None and (task.task_id, map_index) in previous_run_tis:
        return False
    if getattr(task, "wait_for_downstream", False):
        for down in task.downstream_task_ids:
            down_state = previous_run_tis.get((down, -1))
            if (down, -1) in previous_run_tis and down_state not in ok:
                return False
    return True


def decide(
    dag: DAG,
    tis: Iterable[TaskInstanceRecord],
    previous_run_tis: Mapping[TaskKey, TaskInstanceState | None] | None = None,
) -> dict[TaskKey, Decision]:
    """A decision for every task instance of the run that has no state yet."""
    tis = list(tis)
    by_task = states_by_task(tis)
    by_key = {ti.key: ti.state for ti in tis}
    decisions: dict[TaskKey, Decision] = {}
    for ti in tis:
        if ti.state is not None or not dag.has_task(ti.task_id):
            continue
        task = dag.get_task(ti.task_id)
        in_group = _same_group_upstream(task)
        if in_group and ti.map_index < 0:
            # A mapped group's task expands once the tasks before it in the group are done;
            # each of its copies then follows its trigger rule for its own map index.
            done = all(s in FINISHED_STATES for u in in_group for s in by_task.get(u, [None]))
            decisions[ti.key] = Decision.RUN if done else Decision.WAIT
            continue
        if in_group:
            own = {u: [by_key.get((u, ti.map_index))] for u in in_group}
            decision = evaluate_trigger_rule(
                task.trigger_rule, count_upstream(task, {**by_task, **own})
            )
        else:
            decision = evaluate_trigger_rule(task.trigger_rule, count_upstream(task, by_task))
        if decision == Decision.RUN and not past_depends_met(task, ti.map_index, previous_run_tis):
            decision = Decision.WAIT
        decisions[ti.key] = decision
    return decisions


def _same_group_upstream(task: AbstractOperator) -> set[str]:
    """Upstream tasks in the same mapped task group (their copies pair up by map index)."""
    from airstream.workflows.mapped_task_group import mapped_group_of

    group = mapped_group_of(task)
    if group is None or task.dag is None:
        return set()
    ids = group.get_task_ids()
    return {u for u in task.upstream_task_ids if u in ids}


def try_due_at(
    ti: TaskInstanceRecord, task: AbstractOperator | None, logical_date: datetime | None
) -> datetime | None:
    """When an ``up_for_retry`` / ``up_for_reschedule`` instance may run again.

    A retry's time is derived from the failed try's end, as in Airflow, when not recorded.
    """
    if ti.next_try_at is not None:
        return ti.next_try_at
    if ti.state == TIS.UP_FOR_RETRY and ti.end_date is not None and task is not None:
        return next_retry_datetime(task, ti, ti.end_date, logical_date)
    return None


def is_due(
    ti: TaskInstanceRecord,
    now: datetime,
    task: AbstractOperator | None = None,
    logical_date: datetime | None = None,
) -> bool:
    """Scheduled, or waiting for a retry / reschedule whose time has come."""
    if ti.state == TIS.SCHEDULED:
        return True
    if ti.state in (TIS.UP_FOR_RETRY, TIS.UP_FOR_RESCHEDULE):
        due = try_due_at(ti, task, logical_date)
        return due is None or due <= now
    return False


def next_retry_datetime(
    task: AbstractOperator, ti: TaskInstanceRecord, now: datetime, logical_date: datetime | None
) -> datetime:
    """When a failed attempt may be retried: ``retry_delay``, optionally growing exponentially.

    With ``retry_exponential_backoff`` the delay roughly doubles each try, with a jitter
    that is deterministic per task instance, and is capped by ``max_retry_delay``.
    """
    delay: timedelta = task.retry_delay
    if task.retry_exponential_backoff:
        base = (
            2.0 if task.retry_exponential_backoff is True else float(task.retry_exponential_backoff)
        )
        min_backoff = max(1, math.ceil(delay.total_seconds() * base ** (ti.try_number - 1)))
        seed = f"{ti.dag_id}#{ti.task_id}#{logical_date}#{ti.try_number}".encode()
        jitter = int(hashlib.sha1(seed).hexdigest(), 16) % min_backoff
        seconds = min(min_backoff + jitter, timedelta.max.total_seconds() - 1)
        delay = timedelta(seconds=seconds)
        if task.max_retry_delay:
            delay = min(task.max_retry_delay, delay)
    elif task.max_retry_delay:
        delay = min(task.max_retry_delay, delay)
    return now + delay


def run_timed_out(dag: DAG, run_start: datetime | None, now: datetime) -> bool:
    """Whether a run has been going for longer than the DAG's ``dagrun_timeout``."""
    timeout = dag.dagrun_timeout
    return bool(timeout and run_start is not None and now - run_start > timeout)


def _state_leaves(dag: DAG) -> list[AbstractOperator]:
    """The tasks whose states decide the run's: leaves, looking through plain teardowns."""
    leaves: dict[str, AbstractOperator] = {}
    todo = list(dag.leaves)
    seen: set[str] = set()
    while todo:
        task = todo.pop()
        if task.task_id in seen:
            continue
        seen.add(task.task_id)
        if task.is_teardown and not task.on_failure_fail_dagrun:
            todo.extend(
                dag.get_task(u) for u in task.upstream_task_ids if not dag.get_task(u).is_setup
            )
        else:
            leaves[task.task_id] = task
    return list(leaves.values())


def dag_run_state(dag: DAG, tis: Iterable[TaskInstanceRecord]) -> DagRunState | None:
    """``success``/``failed`` once every task instance is finished, else ``None``."""
    tis = list(tis)
    if any(ti.state not in FINISHED_STATES for ti in tis):
        return None
    leaf_ids = {t.task_id for t in _state_leaves(dag)}
    leaf_states = [ti.state for ti in tis if ti.task_id in leaf_ids]
    if any(s in (TIS.FAILED, TIS.UPSTREAM_FAILED) for s in leaf_states):
        return DagRunState.FAILED
    return DagRunState.SUCCESS
