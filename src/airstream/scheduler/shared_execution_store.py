"""An execution store for processes that share task instances: every write is compare-and-set.

``dags test`` owns its run and writes task instances back whole. Under the scheduler, the
scheduler and many task processes write the same rows at once, so a write here changes only
the columns the runner knows, and only if the row is still in a state the writer may leave:
a task process writes its own instance only while it is ``running`` (a zombie declared dead by
the scheduler cannot overwrite the verdict), and the scheduler's decisions (scheduled, skipped,
upstream_failed) apply only to instances that have no state yet. New rows (mapped expansion)
get the task's pool, priority and queue.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from airstream.store import MetadataStore
from airstream.store import records as rec
from airstream.workflows.execution_store import DagRunRecord, TaskInstanceRecord
from airstream.workflows.metadata_execution_store import (
    MetadataExecutionStore,
    _jsonable,
    _run_from_row,
)
from airstream.workflows.state import TaskInstanceState

if TYPE_CHECKING:
    from airstream.workflows.dag import DAG

TIS = rec.TaskInstanceState

#: States a task instance may be in when a decision of the scheduler (or a branch) applies.
UNDECIDED: frozenset[rec.TaskInstanceState] = frozenset({TIS.NONE, TIS.SCHEDULED})
DECISIONS: frozenset[TaskInstanceState] = frozenset(
    {TaskInstanceState.SCHEDULED, TaskInstanceState.SKIPPED, TaskInstanceState.UPSTREAM_FAILED}
)


#: The stored state of each runner state (a dict: calling an Enum costs microseconds, and
#: the scheduler converts every due instance of a run on every pass).
_ROW_STATES: dict[TaskInstanceState | None, rec.TaskInstanceState] = {
    state: rec.TaskInstanceState(state.value) for state in TaskInstanceState
} | {None: TIS.NONE}


def row_state(state: TaskInstanceState | None) -> rec.TaskInstanceState:
    return _ROW_STATES[state]


def task_row_fields(task: Any) -> dict[str, Any]:
    """The columns of a task instance row that come from its task's settings."""
    return {
        "pool": getattr(task, "pool", None) or rec.DEFAULT_POOL_NAME,
        "pool_slots": int(getattr(task, "pool_slots", 1) or 1),
        "queue": getattr(task, "queue", None) or rec.DEFAULT_QUEUE,
        "priority_weight": priority_weight_total(task),
        "max_tries": int(getattr(task, "retries", 0) or 0),
        "operator": getattr(task, "task_type", type(task).__name__),
    }


def priority_weight_total(task: Any) -> int:
    """Airflow's weight rules: ``downstream`` (default) adds every downstream task's weight,
    ``upstream`` every upstream one's, ``absolute`` the task's own."""
    own = int(getattr(task, "priority_weight", 1) or 1)
    rule = str(getattr(task, "weight_rule", "downstream"))
    dag = getattr(task, "dag", None)
    if dag is None or rule == "absolute":
        return own
    upstream = rule == "upstream"
    seen: set[str] = set()
    todo = list(task.upstream_task_ids if upstream else task.downstream_task_ids)
    total = own
    while todo:
        task_id = todo.pop()
        if task_id in seen:
            continue
        seen.add(task_id)
        other = dag.get_task(task_id)
        total += int(getattr(other, "priority_weight", 1) or 1)
        todo.extend(other.upstream_task_ids if upstream else other.downstream_task_ids)
    return total


def outcome_fields(ti: TaskInstanceRecord) -> dict[str, Any]:
    """The columns an attempt writes when it ends (also what the zygote warms up)."""
    fields: dict[str, Any] = {
        "state": row_state(ti.state),
        "try_number": ti.try_number,
        "max_tries": ti.max_tries,
        "start_date": ti.start_date,
        "end_date": ti.end_date,
        "duration": ti.duration,
        "rendered_fields": _jsonable(ti.rendered_fields) or None,
        "rendered_map_index": ti.rendered_map_index,
    }
    if ti.operator:
        fields["operator"] = ti.operator
    return fields


class SharedExecutionStore(MetadataExecutionStore):
    """A :class:`MetadataExecutionStore` whose task-instance writes are compare-and-set."""

    def __init__(self, store: MetadataStore, dag: DAG | None = None) -> None:
        super().__init__(store)
        self.dag = dag
        #: The attempt's start (``running``, try, start date) is stored already, by the task
        #: process's claim: the runner's first ``running`` save would write it again.
        self.start_stored = False
        #: The previous try's XComs are cleared already (by the task process's claim).
        self.xcoms_cleared = False

    def clear_xcoms(self, dag_id: str, run_id: str, task_id: str, map_index: int) -> None:
        if self.xcoms_cleared:
            self.xcoms_cleared = False
            return
        super().clear_xcoms(dag_id, run_id, task_id, map_index)

    def run_from_row(self, row: rec.DagRun) -> DagRunRecord:
        """The runner's record of a stored DAG run."""
        return _run_from_row(row)

    def record_from_row(self, row: rec.TaskInstance) -> TaskInstanceRecord:
        """The runner's record of a stored task instance (no need to list the whole run)."""
        return self._ti_from_row(row)

    def save_task_instance(self, ti: TaskInstanceRecord) -> None:
        self.save_if_unmoved(ti)

    def save_task_instances(self, tis: Sequence[TaskInstanceRecord]) -> None:
        self.save_all_unmoved(tis)

    def save_all_unmoved(self, tis: Sequence[TaskInstanceRecord]) -> list[bool]:
        """:meth:`save_if_unmoved` for each; the scheduler's decisions (``scheduled``, or a
        skip or upstream failure, with the same dates) in one transaction per kind: a pass
        over a wide DAG decides hundreds at once."""
        saved = [False] * len(tis)
        groups: dict[tuple[Any, ...], list[int]] = {}
        for index, ti in enumerate(tis):
            if ti.state in DECISIONS:
                groups.setdefault(_decision_columns(ti), []).append(index)
        for columns, indexes in groups.items():
            state, fields = columns[0], dict(columns[1:])
            changes = [(_key(tis[i]), UNDECIDED) for i in indexes]
            results = self.store.update_tis_state(changes, row_state(state), **fields)
            for index, changed in zip(indexes, results, strict=True):
                saved[index] = changed
        for index, ti in enumerate(tis):
            if not saved[index]:  # not a decision, or its row moved or is missing: one by one
                saved[index] = self.save_if_unmoved(ti)
        return saved

    def save_if_unmoved(self, ti: TaskInstanceRecord) -> bool:
        """Save ``ti`` unless another process moved it first (then theirs stands); whether
        the stored row now says what ``ti`` says."""
        if self.start_stored and ti.state == TaskInstanceState.RUNNING:
            self.start_stored = False
            return True
        key = rec.TaskInstanceKey(ti.dag_id, ti.run_id, ti.task_id, ti.map_index)
        fields = outcome_fields(ti)
        expected = UNDECIDED if ti.state in DECISIONS else TIS.RUNNING
        if not self.store.update_ti(key, fields, expected=expected):
            if self.store.get_ti(key) is not None:
                return False  # someone else moved it first: their state stands
            self.store.save_ti(self._new_row(ti, fields))
        if ti.state == TaskInstanceState.UP_FOR_RESCHEDULE and ti.next_try_at is not None:
            self._record_reschedule(ti)
        return True

    def _new_row(self, ti: TaskInstanceRecord, fields: dict[str, Any]) -> rec.TaskInstance:
        values = dict(fields)
        if self.dag is not None and self.dag.has_task(ti.task_id):
            values.update(task_row_fields(self.dag.get_task(ti.task_id)))
            values["max_tries"] = ti.max_tries or values["max_tries"]
        return rec.TaskInstance(
            dag_id=ti.dag_id,
            run_id=ti.run_id,
            task_id=ti.task_id,
            map_index=ti.map_index,
            **values,
        )


def _key(ti: TaskInstanceRecord) -> rec.TaskInstanceKey:
    return rec.TaskInstanceKey(ti.dag_id, ti.run_id, ti.task_id, ti.map_index)


def _decision_columns(ti: TaskInstanceRecord) -> tuple[Any, ...]:
    """The state and the columns a decision writes (``scheduled`` changes no date)."""
    if ti.state == TaskInstanceState.SCHEDULED:
        return (ti.state,)
    dates = ("start_date", ti.start_date), ("end_date", ti.end_date), ("duration", ti.duration)
    return (ti.state, *dates)


class PassExecutionStore(SharedExecutionStore):
    """A :class:`SharedExecutionStore` for one scheduler pass over a run: the run's task
    instances are read once; a write through this store updates that snapshot (or, when
    another process moved the instance first, drops it so the next read sees theirs).

    A pass reads them, decides, and the decision step reads them again: the second read
    would see at most what task processes wrote in between, and every write here is
    compare-and-set, so a decision on the first read is as safe as one on the second.
    """

    def __init__(self, store: MetadataStore, dag: DAG | None = None) -> None:
        super().__init__(store, dag)
        self._snapshot: dict[tuple[str, str], list[TaskInstanceRecord]] = {}

    def list_task_instances(self, dag_id: str, run_id: str) -> list[TaskInstanceRecord]:
        snapshot = self._snapshot.get((dag_id, run_id))
        if snapshot is None:
            snapshot = self._snapshot[(dag_id, run_id)] = super().list_task_instances(
                dag_id, run_id
            )
        # Callers change records in place before saving them: hand out (shallow) copies.
        return [_copy(ti) for ti in snapshot]

    def save_task_instance(self, ti: TaskInstanceRecord) -> None:
        if not self.save_if_unmoved(ti):
            self._snapshot.clear()
            return
        self._remember(ti)

    def save_task_instances(self, tis: Sequence[TaskInstanceRecord]) -> None:
        for ti, saved in zip(tis, self.save_all_unmoved(tis), strict=True):
            if not saved:
                self._snapshot.clear()
                return
            self._remember(ti)

    def _remember(self, ti: TaskInstanceRecord) -> None:
        snapshot = self._snapshot.get((ti.dag_id, ti.run_id))
        if snapshot is None:
            self._snapshot.clear()
            return
        saved = _copy(ti)
        for index, known in enumerate(snapshot):
            if (known.task_id, known.map_index) == (ti.task_id, ti.map_index):
                snapshot[index] = saved
                return
        snapshot.append(saved)

    def delete_task_instance(self, ti: TaskInstanceRecord) -> None:
        self._snapshot.clear()
        super().delete_task_instance(ti)


def _copy(ti: TaskInstanceRecord) -> TaskInstanceRecord:
    """A shallow copy, as ``copy.copy`` makes, in a fraction of its time (a pass copies
    every instance of its run)."""
    copied = object.__new__(TaskInstanceRecord)
    copied.__dict__.update(ti.__dict__)
    return copied
