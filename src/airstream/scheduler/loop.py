"""The scheduler loop: create runs, move them forward, queue ready task instances.

One :meth:`Scheduler.run_once` is a pass over the store: create due scheduled runs, start
queued runs (``max_active_runs``), apply readiness decisions to running runs (the same
:func:`~airstream.workflows.scheduling.schedule_step` as ``dags test``), finish runs, and
queue ready task instances by priority within ``parallelism``, ``max_active_tasks``,
``max_active_tis_per_dag`` and pool slots. :meth:`Scheduler.serve` repeats passes: it wakes
the moment the executor reports an ended attempt (no polling on that path), when a retry or
a scheduled run comes due, and every ``poll_interval`` to notice runs created by other
processes. Only one scheduler may serve a database at a time.
"""

from __future__ import annotations

import logging
import socket
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from airstream.executors.base import BaseExecutor, TaskEvent, TaskWorkload, is_callback_key
from airstream.scheduler import recovery
from airstream.scheduler.dag_loader import DagLoader
from airstream.scheduler.event_triggering import EventTriggering
from airstream.scheduler.run_creation import (
    due_runs,
    last_automated_interval,
    missing_task_instances,
    store_scheduled_run,
)
from airstream.scheduler.shared_execution_store import (
    PassExecutionStore,
    priority_weight_total,
    row_state,
)
from airstream.scheduler.state_events import StateObserver
from airstream.store import MetadataStore
from airstream.store import records as rec
from airstream.store.errors import DagRunAlreadyExists
from airstream.store.queries import DagQuery, DagRunQuery, TaskInstanceQuery
from airstream.workflows.callbacks import (
    REASON_SUCCESS,
    REASON_TASK_FAILURE,
    REASON_TIMED_OUT,
    dag_callbacks_for,
    task_callbacks_for,
)
from airstream.workflows.execution_store import TaskInstanceRecord
from airstream.workflows.metadata_execution_store import _run_from_row as run_record
from airstream.workflows.readiness import (
    Decision,
    dag_run_state,
    decide,
    is_due,
    run_timed_out,
    try_due_at,
)
from airstream.workflows.scheduling import schedule_step
from airstream.workflows.state import TaskInstanceState
from airstream.workflows.task_runner import Clock, RunEnvironment, SystemClock
from airstream.workflows.timetables import NULL_SCHEDULE_SUMMARY

if TYPE_CHECKING:
    from airstream.workflows.dag import DAG

log = logging.getLogger(__name__)
TIS = rec.TaskInstanceState
ACTIVE = frozenset({TIS.QUEUED, TIS.RUNNING})
#: States of a task instance that will still change without a scheduling decision.
PENDING = frozenset(
    {
        TaskInstanceState.SCHEDULED,
        TaskInstanceState.QUEUED,
        TaskInstanceState.RUNNING,
        TaskInstanceState.UP_FOR_RETRY,
        TaskInstanceState.UP_FOR_RESCHEDULE,
        TaskInstanceState.DEFERRED,
        TaskInstanceState.RESTARTING,
    }
)


#: Pause after a failed pass before the next one.
RETRY_PASS_SECONDS = 1.0


@dataclass(frozen=True)
class SchedulerConfig:
    """Knobs of the loop (``parallelism`` is the executor's)."""

    #: How often to look for work created by other processes (triggered runs, unpauses).
    poll_interval: float = 0.2
    #: A running task instance without a heartbeat for this long is a zombie.
    heartbeat_timeout: float = 60.0
    zombie_check_interval: float = 5.0
    #: At most this many scheduled runs are created per DAG per pass (catchup).
    max_runs_created_per_pass: int = 16


@dataclass(order=True)
class Candidate:
    """A task instance ready to be queued; orders by priority, then run date."""

    sort_key: tuple[int, datetime, str, int]
    row_state: TIS = field(compare=False)
    key: rec.TaskInstanceKey = field(compare=False)
    task: object = field(compare=False)
    fileloc: str = field(compare=False)


class Scheduler:
    """Creates and advances DAG runs in ``store``; runs tasks with ``executor``."""

    def __init__(
        self,
        store: MetadataStore,
        executor: BaseExecutor,
        *,
        config: SchedulerConfig | None = None,
        clock: Clock | None = None,
        dag_loader: DagLoader | None = None,
        observer: StateObserver | None = None,
    ) -> None:
        self.store = store
        #: Told of state changes (to publish them as events); ignores them by default.
        self.observer = observer or StateObserver()
        self.executor = executor
        self.config = config or SchedulerConfig()
        self.clock = clock or SystemClock()
        self.dags = dag_loader or DagLoader()
        self.hostname = socket.gethostname()
        self._wake_at: datetime | None = None
        self._last_zombie_check: datetime | None = None
        self._models: dict[str, rec.DagModel] = {}
        self._pools: dict[str, int] | None = None
        self._loaded: dict[str, DAG] = {}
        #: When each DAG's next scheduled run is due (no need to ask the store before).
        self._next_run_after: dict[str, tuple[DAG, datetime | None]] = {}
        self._weights: dict[tuple[str, str], tuple[DAG, int]] = {}
        # Topic consumers, asset-triggered runs, heartbeat (see event_triggering.py).
        self.event_triggering = EventTriggering(store)

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        """Start the executor and recover what a previous scheduler left behind."""
        self.executor.start()
        self.recover()

    def serve(self, stop: threading.Event) -> None:
        """Run passes until ``stop`` is set; ends the executor on the way out.

        An ended attempt triggers a pass over its run only (the fast path from one task's
        end to the next one's start); a full pass runs when nothing happened for
        ``poll_interval`` or a retry or scheduled run comes due.
        """
        try:
            self._guarded_pass(stop, None)
            while not stop.is_set():
                events = self.executor.wait(self._wait_seconds())
                focus = self.handle_events(events) if events else None
                self._guarded_pass(stop, focus)
                self.observer.poll()
        finally:
            self.event_triggering.stop()
            self.executor.end()
            self.observer.close()

    def _guarded_pass(self, stop: threading.Event, focus: set[tuple[str, str]] | None) -> None:
        """One pass; a failure (the database away, say) is logged and the pass retried."""
        try:
            self.run_once(focus)
        except Exception:
            log.exception("Scheduler pass failed; retrying in %.1fs", RETRY_PASS_SECONDS)
            stop.wait(RETRY_PASS_SECONDS)

    def _wait_seconds(self) -> float:
        wait = self.config.poll_interval
        if self._wake_at is not None:
            wait = min(wait, (self._wake_at - self.clock.now()).total_seconds())
        return max(0.0, wait)

    # -- one pass ----------------------------------------------------------------------------

    def run_once(self, focus: set[tuple[str, str]] | None = None) -> None:
        """One pass: create, start and advance runs; queue ready task instances.

        With ``focus`` (``(dag_id, run_id)`` pairs), only those runs are advanced and no
        runs are created: what a finished attempt can have changed.
        """
        now = self.clock.now()
        if focus is None:
            self._wake_at = None
            self._pools = None  # pools change rarely: read them again on full passes only
            self._refresh_dags()
            for dag in self._loaded.values():
                self.create_scheduled_runs(dag, now)
            self.event_triggering.on_pass(self._loaded, now)
            self.start_queued_runs(self._loaded, now)
            runs = self.store.list_dag_runs(DagRunQuery(states=[rec.DagRunState.RUNNING]))
        else:
            runs = [r for r in map(self._get_run, focus) if r is not None]
        candidates: list[Candidate] = []
        finished = False
        for run in runs:
            run_dag = self._loaded.get(run.dag_id)
            if run_dag is None or run.state != rec.DagRunState.RUNNING:
                continue
            found = self.advance_run(run_dag, run, self._models[run.dag_id].fileloc, now)
            finished = finished or found is None
            candidates += found or []
        if focus is not None and finished:
            self.start_queued_runs(self._loaded, now)
        self.queue_candidates(sorted(candidates), self._loaded, now)
        self._check_zombies(now)

    def _refresh_dags(self) -> None:
        """Load the DAGs this pass decides about; forget the others.

        Those are the DAGs that make runs of their own (by time, assets or topics) and those
        with runs queued or running. A ``schedule=None`` DAG without runs is neither loaded
        nor kept: with hundreds of them, the scheduler would otherwise hold them all and
        look at each one's file on every pass.
        """
        active = DagRunQuery(states=[rec.DagRunState.QUEUED, rec.DagRunState.RUNNING])
        with_runs = {run.dag_id for run in self.store.list_dag_runs(active)}
        # Every full pass: only those rows, and of each only what the loop uses.
        query = DagQuery(
            paused=False, skip_schedule=NULL_SCHEDULE_SUMMARY, except_dag_ids=with_runs
        )
        found = self.store.list_dags(query, fields=("fileloc",))
        self._models = {m.dag_id: m for m in found}
        self._loaded = {}
        for dag_id, model in self._models.items():
            dag = self.dags.get(model)
            if dag is not None:
                self._loaded[dag_id] = dag
        self._forget_unloaded()

    def _forget_unloaded(self) -> None:
        self.dags.retain({self._models[dag_id].fileloc for dag_id in self._loaded})

        # Both caches hold DAG objects: keeping an entry would keep its DAG alive.
        def current(dag: DAG) -> bool:
            return self._loaded.get(dag.dag_id) is dag

        self._next_run_after = {k: v for k, v in self._next_run_after.items() if current(v[0])}
        self._weights = {k: v for k, v in self._weights.items() if current(v[0])}

    def _dag(self, dag_id: str) -> DAG | None:
        """The DAG of an unpaused row, loaded now if this pass did not need it (a dead task
        of a run that is no longer running still gets its callbacks)."""
        dag = self._loaded.get(dag_id)
        if dag is None:
            model = self._models.get(dag_id) or self.store.get_dag(dag_id)
            if model is None or model.is_paused:
                return None
            self._models[dag_id] = model
            dag = self.dags.get(model)
            if dag is not None:
                self._loaded[dag_id] = dag
        return dag

    def _get_run(self, run: tuple[str, str]) -> rec.DagRun | None:
        return self.store.get_dag_run(*run)

    def _wake_no_later_than(self, when: datetime) -> None:
        if self._wake_at is None or when < self._wake_at:
            self._wake_at = when

    def create_scheduled_runs(self, dag: DAG, now: datetime) -> list[rec.DagRun]:
        """Store the runs the DAG's timetable says are due; remember when the next one is."""
        cached = self._next_run_after.get(dag.dag_id)
        if cached is not None and cached[0] is dag and (cached[1] is None or cached[1] > now):
            if cached[1] is not None:
                self._wake_no_later_than(cached[1])
            return []
        last = last_automated_interval(self.store, dag.dag_id)
        due, upcoming = due_runs(dag, last, now, self.config.max_runs_created_per_pass)
        created = []
        for info in due:
            try:
                created.append(store_scheduled_run(self.store, dag, info))
            except DagRunAlreadyExists:
                log.warning("Run of %s at %s exists already", dag.dag_id, info.logical_date)
        self._next_run_after[dag.dag_id] = (dag, upcoming.run_after if upcoming else None)
        if upcoming is not None:
            self._wake_no_later_than(upcoming.run_after)
            self.store.update_dag(
                dag.dag_id,
                {
                    "next_dagrun": upcoming.logical_date,
                    "next_dagrun_data_interval_start": upcoming.data_interval.start,
                    "next_dagrun_data_interval_end": upcoming.data_interval.end,
                    "next_dagrun_create_after": upcoming.run_after,
                },
            )
        return created

    def start_queued_runs(self, dags: dict[str, DAG], now: datetime) -> None:
        """``queued`` → ``running``, oldest first, within each DAG's ``max_active_runs``."""
        query = DagRunQuery(states=[rec.DagRunState.QUEUED, rec.DagRunState.RUNNING])
        runs = self.store.list_dag_runs(query)
        active = Counter(r.dag_id for r in runs if r.state == rec.DagRunState.RUNNING)
        queued = [r for r in runs if r.state == rec.DagRunState.QUEUED and r.dag_id in dags]
        queued.sort(key=lambda r: (r.logical_date or r.run_after or now, r.run_id))
        for run in queued:
            dag = dags[run.dag_id]
            if active[run.dag_id] >= dag.max_active_runs:
                continue
            self._ensure_task_instances(dag, run)
            if self.store.set_dag_run_state(
                run.dag_id,
                run.run_id,
                rec.DagRunState.RUNNING,
                rec.DagRunState.QUEUED,
                start_date=now,
            ):
                active[run.dag_id] += 1
                self.observer.run_state(run, rec.DagRunState.RUNNING)

    def _ensure_task_instances(self, dag: DAG, run: rec.DagRun) -> None:
        existing = {ti.task_id for ti in self.store.list_run_tis(run.dag_id, run.run_id)}
        missing = missing_task_instances(dag, run.run_id, existing)
        if missing:
            self.store.create_tis(missing)

    def advance_run(
        self, dag: DAG, run: rec.DagRun, fileloc: str, now: datetime
    ) -> list[Candidate] | None:
        """Apply decisions to one running run; its ready instances, or ``None`` if it ended."""
        shared = PassExecutionStore(self.store, dag)
        record = run_record(run)
        env = RunEnvironment(dag=dag, dag_run=record, store=shared, clock=self.clock)
        if run_timed_out(dag, run.start_date, now):
            self._stop_run(run, now, f"timed out ({dag.dagrun_timeout})", REASON_TIMED_OUT)
            return None
        changed = False
        tis = shared.list_task_instances(run.dag_id, run.run_id)
        # A skip or failure decided now may decide the next task at once: repeat while the
        # (pure, in-memory) decisions say there is more to do.
        for _ in range(len(dag.task_ids) + 1):
            if all(d == Decision.WAIT for d in decide(dag, tis).values()):
                break
            if not schedule_step(env):
                break
            changed = True
            tis = shared.list_task_instances(run.dag_id, run.run_id)
        self.observer.task_states(run, tis)
        if dag.fail_fast and any(ti.state == TaskInstanceState.FAILED for ti in tis):
            self._stop_run(run, now, "a task failed (fail_fast)", REASON_TASK_FAILURE)
            return None
        if self._finish_if_done(dag, run, tis, changed, now):
            return None
        return self._due(dag, run, tis, fileloc, now)

    def _finish_if_done(
        self,
        dag: DAG,
        run: rec.DagRun,
        tis: list[TaskInstanceRecord],
        changed: bool,
        now: datetime,
    ) -> bool:
        state = dag_run_state(dag, tis)
        if state is None and not changed and not any(ti.state in PENDING for ti in tis):
            log.error("Run %s of %s is deadlocked; marking it failed", run.run_id, run.dag_id)
            state = rec.DagRunState.FAILED  # type: ignore[assignment]
        if state is None:
            return False
        final = rec.DagRunState(state.value)
        if self.store.set_dag_run_state(
            run.dag_id, run.run_id, final, rec.DagRunState.RUNNING, end_date=now
        ):
            log.info("Run %s of %s finished: %s", run.run_id, run.dag_id, final.value)
            self.observer.run_state(run, final)
            reason = REASON_SUCCESS if final == rec.DagRunState.SUCCESS else REASON_TASK_FAILURE
            self._queue_dag_callbacks(dag, run, final, reason)
        return True

    def _due(
        self,
        dag: DAG,
        run: rec.DagRun,
        tis: list[TaskInstanceRecord],
        fileloc: str,
        now: datetime,
    ) -> list[Candidate]:
        found = []
        for ti in tis:
            task = dag.get_task(ti.task_id) if dag.has_task(ti.task_id) else None
            if task is None or ti.state is None:
                continue
            if is_due(ti, now, task, run.logical_date):
                key = rec.TaskInstanceKey(ti.dag_id, ti.run_id, ti.task_id, ti.map_index)
                sort_key = (
                    -self._priority_weight(dag, task),
                    run.logical_date or run.run_after or now,
                    ti.task_id,
                    ti.map_index,
                )
                found.append(Candidate(sort_key, row_state(ti.state), key, task, fileloc))
            elif ti.state in (TaskInstanceState.UP_FOR_RETRY, TaskInstanceState.UP_FOR_RESCHEDULE):
                due_at = try_due_at(ti, task, run.logical_date)
                if due_at is not None:
                    self._wake_no_later_than(due_at)
        return found

    def _priority_weight(self, dag: DAG, task: Any) -> int:
        """The task's total priority weight, computed once per loaded DAG (every pass sorts
        every due instance of a run by it)."""
        cached = self._weights.get((dag.dag_id, task.task_id))
        if cached is None or cached[0] is not dag:
            cached = self._weights[(dag.dag_id, task.task_id)] = (dag, priority_weight_total(task))
        return cached[1]

    def _stop_run(self, run: rec.DagRun, now: datetime, why: str, reason: str) -> None:
        """Fail a run early: kill its attempts, skip unfinished instances (as ``dags test``);
        ``reason`` is what the DAG's failure callbacks see."""
        log.error("Run %s of %s stopped: %s", run.run_id, run.dag_id, why)
        for ti in self.store.list_run_tis(run.dag_id, run.run_id):
            if ti.state in rec.FINISHED_TI_STATES:
                continue
            if ti.state in ACTIVE:
                self.executor.terminate(ti.key)
            self.store.update_ti_state(ti.key, TIS.SKIPPED, expected=ti.state, end_date=now)
        failed = rec.DagRunState.FAILED
        if self.store.set_dag_run_state(
            run.dag_id, run.run_id, failed, rec.DagRunState.RUNNING, end_date=now
        ):
            self.observer.task_states(run, self.store.list_run_tis(run.dag_id, run.run_id))
            self.observer.run_state(run, failed)
            dag = self._dag(run.dag_id)
            if dag is not None:
                self._queue_dag_callbacks(dag, run, failed, reason)

    # -- callbacks (run in processes of their own, like attempts) ----------------------------

    def _queue_dag_callbacks(
        self, dag: DAG, run: rec.DagRun, state: rec.DagRunState, reason: str
    ) -> None:
        model = self._models.get(run.dag_id)
        if model is None or not dag_callbacks_for(dag, state.value):
            return
        kind = "dag_success" if state == rec.DagRunState.SUCCESS else "dag_failure"
        self.executor.queue(
            TaskWorkload(
                run.dag_id, run.run_id, "", -1, model.fileloc, callback=kind, reason=reason
            )
        )

    def _queue_task_callbacks(self, ti: rec.TaskInstance, new: TIS, reason: str) -> None:
        """A task process died and its attempt was failed here: have the task's failure
        (or retry) callbacks called, which the dead process could not do."""
        dag = self._dag(ti.dag_id)
        model = self._models.get(ti.dag_id)
        if dag is None or model is None or not dag.has_task(ti.task_id):
            return
        retrying = new == TIS.UP_FOR_RETRY
        if not task_callbacks_for(dag.get_task(ti.task_id), retrying):
            return
        self.executor.queue(
            TaskWorkload(
                *ti.key,
                fileloc=model.fileloc,
                callback="task_retry" if retrying else "task_failure",
                reason=reason,
                try_number=recovery.failed_try(ti),
            )
        )

    # -- queueing ----------------------------------------------------------------------------

    def queue_candidates(
        self, candidates: list[Candidate], dags: dict[str, DAG], now: datetime
    ) -> int:
        """Queue ready instances, best first, within every limit; returns how many."""
        if not candidates:
            return 0
        if self._pools is None:
            self._pools = {p.pool: p.slots for p in self.store.list_pools()}
        limits = ConcurrencyLimits.load(self.store, self._pools)
        chosen: list[Candidate] = []
        slots = self.executor.open_slots
        for candidate in candidates:
            if len(chosen) >= slots:
                break
            if limits.admits(candidate, dags[candidate.key.dag_id]):
                limits.take(candidate)
                chosen.append(candidate)
        # All in one transaction; an instance whose state changed meanwhile stays unqueued
        # (its slot counts as taken until the next pass).
        changed = self.store.update_tis_state(
            [(c.key, c.row_state) for c in chosen], TIS.QUEUED, queued_dttm=now
        )
        queued = 0
        self.observer.task_queued(c.key for c, ok in zip(chosen, changed, strict=True) if ok)
        for candidate, ok in zip(chosen, changed, strict=True):
            if not ok:
                continue
            self.executor.queue(
                TaskWorkload(
                    *candidate.key,
                    fileloc=candidate.fileloc,
                    resuming=candidate.row_state == TIS.UP_FOR_RESCHEDULE,
                )
            )
            queued += 1
        return queued

    # -- attempts that ended -----------------------------------------------------------------

    def handle_events(self, events: list[TaskEvent]) -> set[tuple[str, str]]:
        """Attempts ended: fail those that wrote no outcome; returns their runs.

        An exit code of 0 means the runner stored the outcome (the task instance's state,
        written by the task process, is the truth); anything else is checked.
        """
        now = self.clock.now()
        for event in events:
            if is_callback_key(event.key) and (event.error or event.returncode != 0):
                log.error("Callbacks %s failed: %s", event.key, event.error or event.returncode)
        events = [e for e in events if not is_callback_key(e.key)]
        for event in events:
            if event.error:
                log.error("Task %s could not start: %s", event.key, event.error)
            if event.returncode != 0:
                self._fail_if_unfinished(event, now)
        return {(e.key.dag_id, e.key.run_id) for e in events}

    def _fail_if_unfinished(self, event: TaskEvent, now: datetime) -> None:
        ti = self.store.get_ti(event.key)
        if ti is None or ti.state not in ACTIVE:
            return
        if ti.state == TIS.RUNNING and ti.pid is not None and recovery.pid_alive(ti.pid):
            return  # another attempt holds it (ours exited after losing the claim)
        new = recovery.fail_attempt(self.store, ti, now)
        log.error("Task process of %s exited with %s: %s", event.key, event.returncode, new)
        if new is not None:
            how = f"killed by signal {-event.returncode}" if event.returncode < 0 else None
            self._queue_task_callbacks(
                ti, new, event.error or f"task process {how or f'exited with {event.returncode}'}"
            )

    def recover(self) -> None:
        """After a restart: requeue orphaned ``queued`` instances, fail dead ``running`` ones."""
        self._refresh_dags()  # the failed ones' callbacks need their DAGs
        tis = self.store.list_tis(TaskInstanceQuery(states=list(ACTIVE)))
        tracked = self.executor.running
        for ti in recovery.find_orphans(tis, tracked):
            recovery.requeue_orphan(self.store, ti)
        self._fail_zombies(tis, self.clock.now())

    def _check_zombies(self, now: datetime) -> None:
        interval = timedelta(seconds=self.config.zombie_check_interval)
        if self._last_zombie_check is not None and now - self._last_zombie_check < interval:
            return
        self._last_zombie_check = now
        self._fail_zombies(self.store.list_tis(TaskInstanceQuery(states=[TIS.RUNNING])), now)

    def _fail_zombies(self, tis: list[rec.TaskInstance], now: datetime) -> None:
        zombies = recovery.find_zombies(
            tis,
            now,
            timedelta(seconds=self.config.heartbeat_timeout),
            hostname=self.hostname,
            tracked=self.executor.running,
        )
        for ti in zombies:
            self.executor.terminate(ti.key)
            new = recovery.fail_attempt(self.store, ti, now)
            log.error("Task %s has no live process (zombie): %s", ti.key, new)
            if new is not None:
                self._queue_task_callbacks(ti, new, "the task process is gone (no heartbeat)")


class ConcurrencyLimits:
    """Slots in use by queued and running instances: per DAG, per task (in the DAG and in
    one run: ``max_active_tis_per_dag`` / ``_per_dagrun``, e.g. for mapped tasks), per pool."""

    def __init__(self, active: list[rec.TaskInstance], pools: dict[str, int]) -> None:
        self.per_dag = Counter(ti.dag_id for ti in active)
        self.per_task = Counter((ti.dag_id, ti.task_id) for ti in active)
        self.per_run_task = Counter((ti.dag_id, ti.run_id, ti.task_id) for ti in active)
        self.per_pool: Counter[str] = Counter()
        for ti in active:
            self.per_pool[ti.pool] += ti.pool_slots
        self.pools = pools

    @classmethod
    def load(cls, store: MetadataStore, pools: dict[str, int]) -> ConcurrencyLimits:
        # The columns the limits count by: every pass reads every active instance.
        query = TaskInstanceQuery(states=list(ACTIVE))
        return cls(store.list_tis(query, fields=("state", "pool", "pool_slots")), pools)

    def admits(self, candidate: Candidate, dag: DAG) -> bool:
        task = candidate.task
        key = candidate.key
        if self.per_dag[key.dag_id] >= dag.max_active_tasks:
            return False
        limit = getattr(task, "max_active_tis_per_dag", None)
        if limit is not None and self.per_task[(key.dag_id, key.task_id)] >= limit:
            return False
        limit = getattr(task, "max_active_tis_per_dagrun", None)
        if limit is not None and self.per_run_task[(key.dag_id, key.run_id, key.task_id)] >= limit:
            return False
        pool = getattr(task, "pool", None) or rec.DEFAULT_POOL_NAME
        slots = int(getattr(task, "pool_slots", 1) or 1)
        if pool not in self.pools:
            log.warning("Task %s uses pool %r, which does not exist", key, pool)
            return False
        return self.per_pool[pool] + slots <= self.pools[pool]

    def take(self, candidate: Candidate) -> None:
        task, key = candidate.task, candidate.key
        self.per_dag[key.dag_id] += 1
        self.per_task[(key.dag_id, key.task_id)] += 1
        self.per_run_task[(key.dag_id, key.run_id, key.task_id)] += 1
        pool = getattr(task, "pool", None) or rec.DEFAULT_POOL_NAME
        self.per_pool[pool] += int(getattr(task, "pool_slots", 1) or 1)
