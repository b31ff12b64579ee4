"""The metadata store's interface: small verbs over DAGs, runs, task instances and settings.

Every verb is one transaction: it either happens completely or not at all. Implementations
must be safe to call from several threads and several processes at once (the scheduler, the
API server and task processes share one database). Records are described in
:mod:`airstream.store.records`; filters and paging in :mod:`airstream.store.queries`.
"""

from __future__ import annotations

import abc
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from airstream.store.queries import (
    DagQuery,
    DagRunQuery,
    LogEventQuery,
    Page,
    TaskInstanceQuery,
)
from airstream.store.records import (
    AssetEvent,
    Connection,
    DagModel,
    DagRun,
    DagRunState,
    Job,
    LogEvent,
    ParseImportError,
    Pool,
    SerializedDag,
    TaskInstance,
    TaskInstanceKey,
    TaskInstanceState,
    TaskReschedule,
    TopicPositionMove,
    Variable,
    XComEntry,
)

#: ``expected`` argument of the compare-and-set verbs: one state, any of several, or no check.
ExpectedTiState = TaskInstanceState | Collection[TaskInstanceState] | None
ExpectedRunState = DagRunState | Collection[DagRunState] | None


class MetadataStore(abc.ABC):
    """Where airstream keeps everything that outlives a process, behind small verbs."""

    # -- lifecycle ---------------------------------------------------------------------------

    @abc.abstractmethod
    def close(self) -> None:
        """Release connections. The store must not be used afterwards."""

    def __enter__(self) -> MetadataStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- DAGs --------------------------------------------------------------------------------

    @abc.abstractmethod
    def upsert_dag(self, dag: DagModel, serialized: Mapping[str, Any] | None = None) -> None:
        """Insert or update a DAG after parsing; clears ``is_stale``.

        ``is_paused``, ``has_import_errors`` and the ``next_dagrun*`` columns are taken from
        ``dag`` only when the DAG is new: a pause set by a user and the next run computed by
        the scheduler survive re-parsing (change them with :meth:`set_paused` and
        :meth:`update_dag`). ``serialized`` (the JSON structure) replaces the stored one
        when given and different.
        """

    def upsert_dags(self, dags: Sequence[tuple[DagModel, Mapping[str, Any] | None]]) -> None:
        """:meth:`upsert_dag` for many DAGs; SQL stores do it in one transaction."""
        for dag, serialized in dags:
            self.upsert_dag(dag, serialized)

    @abc.abstractmethod
    def get_dag(self, dag_id: str) -> DagModel | None:
        """The DAG row, or ``None``."""

    @abc.abstractmethod
    def list_dags(
        self,
        query: DagQuery | None = None,
        page: Page | None = None,
        fields: Collection[str] | None = None,
    ) -> list[DagModel]:
        """DAGs matching ``query`` (ordered by ``dag_id`` unless ``page.order_by`` says).

        With ``fields`` (names of :class:`DagModel` fields), a store may read only those
        (and ``dag_id``): the others keep their defaults, ``tags`` unless asked for. For
        readers of many rows that need little of each (the scheduler, on every pass).
        """

    @abc.abstractmethod
    def count_dags(self, query: DagQuery | None = None) -> int:
        """How many DAGs :meth:`list_dags` would return without paging."""

    @abc.abstractmethod
    def set_paused(self, dag_id: str, is_paused: bool) -> bool:
        """Pause or unpause a DAG; ``False`` if there is no such DAG."""

    @abc.abstractmethod
    def update_dag(self, dag_id: str, fields: Mapping[str, Any]) -> bool:
        """Change some columns of a DAG row (e.g. ``next_dagrun*``); ``False`` if absent."""

    @abc.abstractmethod
    def mark_stale_dags(
        self, alive_dag_ids: Collection[str], filelocs: Collection[str] | None = None
    ) -> list[str]:
        """Mark DAGs not in ``alive_dag_ids`` stale, optionally only those from ``filelocs``.

        Returns the ids newly marked stale. Stale DAGs keep their runs (as in Airflow 3) and
        come back to life when a file defines them again.
        """

    @abc.abstractmethod
    def delete_dag(self, dag_id: str) -> bool:
        """Delete a DAG with its runs, task instances, XComs and serialized form."""

    @abc.abstractmethod
    def get_serialized_dag(self, dag_id: str) -> SerializedDag | None:
        """The stored JSON structure of a DAG, or ``None``."""

    # -- import errors -----------------------------------------------------------------------

    @abc.abstractmethod
    def replace_import_error(
        self,
        filename: str,
        stacktrace: str | None,
        timestamp: datetime,
        bundle_name: str | None = None,
    ) -> None:
        """Record the error of ``filename``, replacing any previous one; ``None`` clears it."""

    @abc.abstractmethod
    def list_import_errors(self, page: Page | None = None) -> list[ParseImportError]:
        """Current import errors, ordered by filename unless ``page.order_by`` says."""

    @abc.abstractmethod
    def clear_import_errors(self, filenames: Collection[str] | None = None) -> int:
        """Remove the errors of ``filenames`` (all when ``None``); returns how many."""

    # -- DAG runs ----------------------------------------------------------------------------

    @abc.abstractmethod
    def create_dag_run(self, run: DagRun, tis: Sequence[TaskInstance] = ()) -> DagRun:
        """Store a new run and return it with ``id`` (and ``queued_at`` if queued) set.

        ``tis``, the run's task instances, are created in the same transaction, so no other
        process ever sees the run without them. Raises
        :class:`~airstream.store.errors.DagRunAlreadyExists` if ``(dag_id, run_id)`` is taken.
        """

    def create_dag_runs(self, runs: Sequence[DagRun], tis: Sequence[TaskInstance] = ()) -> int:
        """Store many new runs and their task instances (imports, backfills, test data).

        Like :meth:`create_dag_run` for each run, but SQL stores write them all in one
        transaction without reading them back. Returns how many runs were stored.
        """
        by_run: dict[tuple[str, str], list[TaskInstance]] = {}
        for ti in tis:
            by_run.setdefault((ti.dag_id, ti.run_id), []).append(ti)
        for run in runs:
            self.create_dag_run(run, by_run.pop((run.dag_id, run.run_id), []))
        if by_run:
            self.create_tis([ti for group in by_run.values() for ti in group])
        return len(runs)

    @abc.abstractmethod
    def get_dag_run(self, dag_id: str, run_id: str) -> DagRun | None:
        """The run, or ``None``."""

    @abc.abstractmethod
    def list_dag_runs(
        self, query: DagRunQuery | None = None, page: Page | None = None
    ) -> list[DagRun]:
        """Runs matching ``query``; by default newest ``run_after`` first."""

    def latest_dag_runs(self, dag_ids: Collection[str], per_dag: int) -> dict[str, list[DagRun]]:
        """The newest ``per_dag`` runs (by ``run_after``) of each DAG in ``dag_ids``.

        For listings that show recent runs next to a page of DAGs: SQL stores answer with
        one statement, whatever the number of DAGs. DAGs without runs are absent.
        """
        found: dict[str, list[DagRun]] = {}
        for dag_id in dag_ids:
            runs = self.list_dag_runs(DagRunQuery(dag_ids=[dag_id]), Page(limit=per_dag))
            if runs:
                found[dag_id] = runs
        return found

    @abc.abstractmethod
    def count_dag_runs(self, query: DagRunQuery | None = None) -> int:
        """How many runs :meth:`list_dag_runs` would return without paging."""

    @abc.abstractmethod
    def update_dag_run(
        self,
        dag_id: str,
        run_id: str,
        fields: Mapping[str, Any],
        expected: ExpectedRunState = None,
    ) -> bool:
        """Change columns of a run (see ``DAG_RUN_MUTABLE_FIELDS``) atomically.

        With ``expected``, only if the run's current state is (one of) it. Returns whether a
        row changed.
        """

    def set_dag_run_state(
        self,
        dag_id: str,
        run_id: str,
        state: DagRunState,
        expected: ExpectedRunState = None,
        **fields: Any,
    ) -> bool:
        """Compare-and-set a run's state (plus other columns, e.g. ``end_date``)."""
        return self.update_dag_run(dag_id, run_id, {**fields, "state": state}, expected)

    @abc.abstractmethod
    def delete_dag_run(self, dag_id: str, run_id: str) -> bool:
        """Delete a run with its task instances, tries and XComs."""

    # -- task instances ----------------------------------------------------------------------

    @abc.abstractmethod
    def create_tis(self, tis: Sequence[TaskInstance]) -> list[TaskInstance]:
        """Store new task instances (all or none) and return them with ``id`` set.

        Their DAG runs must exist (:class:`~airstream.store.errors.NotFound` otherwise);
        a duplicate key raises :class:`~airstream.store.errors.TaskInstanceAlreadyExists`.
        """

    @abc.abstractmethod
    def save_ti(self, ti: TaskInstance) -> TaskInstance:
        """Insert the task instance, or overwrite every column of the stored one but ``id``.

        For callers that keep a task instance in memory and write it back whole (``dags
        test``); concurrent writers should use :meth:`update_ti` with ``expected`` instead.
        """

    @abc.abstractmethod
    def get_ti(self, key: TaskInstanceKey) -> TaskInstance | None:
        """The task instance, or ``None``."""

    @abc.abstractmethod
    def list_tis(
        self,
        query: TaskInstanceQuery | None = None,
        page: Page | None = None,
        fields: Collection[str] | None = None,
    ) -> list[TaskInstance]:
        """Task instances matching ``query``; by default ordered by run, task id, map index.

        ``fields``: as for :meth:`list_run_tis`.
        """

    def list_run_tis(
        self, dag_id: str, run_id: str, fields: Collection[str] | None = None
    ) -> list[TaskInstance]:
        """Every task instance of one run, ordered by task id and map index.

        With ``fields``, a store may read only those columns (and the key): the others keep
        their defaults. For readers that need a few columns of many rows (the scheduler
        reads every instance of a run on every pass); never save such a record back whole.
        """
        return self.list_tis(TaskInstanceQuery(dag_ids=[dag_id], run_ids=[run_id]), None, fields)

    @abc.abstractmethod
    def count_tis(self, query: TaskInstanceQuery | None = None) -> int:
        """How many task instances :meth:`list_tis` would return without paging."""

    @abc.abstractmethod
    def update_ti(
        self,
        key: TaskInstanceKey,
        fields: Mapping[str, Any],
        expected: ExpectedTiState = None,
    ) -> bool:
        """Change columns of a task instance (see ``TASK_INSTANCE_MUTABLE_FIELDS``) atomically.

        With ``expected``, only if its current state is (one of) it: this is how the
        scheduler and task processes make race-free transitions. Returns whether a row changed.
        """

    def update_ti_state(
        self,
        key: TaskInstanceKey,
        new: TaskInstanceState,
        expected: ExpectedTiState = None,
        **fields: Any,
    ) -> bool:
        """Compare-and-set a task instance's state (plus other columns, e.g. ``end_date``)."""
        return self.update_ti(key, {**fields, "state": new}, expected)

    def start_attempt(
        self, key: TaskInstanceKey, fields: Mapping[str, Any], *, resuming: bool = False
    ) -> tuple[TaskInstance, DagRun] | None:
        """Claim a queued task instance for an attempt: ``queued`` → ``running`` with
        ``fields``, the try number incremented (unless ``resuming``: a sensor poking again
        keeps its try), the XComs of its previous try cleared (unless ``resuming``).

        Returns the claimed row and its run, or ``None`` if the instance was not queued
        (another process took it first, or the scheduler moved it).
        """
        row = self.get_ti(key)
        if row is None or row.state != TaskInstanceState.QUEUED:
            return None
        try_number = row.try_number if resuming else row.try_number + 1
        changes = {**fields, "state": TaskInstanceState.RUNNING, "try_number": try_number}
        if not self.update_ti(key, changes, TaskInstanceState.QUEUED):
            return None
        if not resuming:
            self.clear_xcoms(key.dag_id, key.run_id, key.task_id, key.map_index)
        claimed, run = self.get_ti(key), self.get_dag_run(key.dag_id, key.run_id)
        assert claimed is not None and run is not None  # a claimed instance's run cascades
        return claimed, run

    def update_tis_state(
        self,
        changes: Sequence[tuple[TaskInstanceKey, ExpectedTiState]],
        new: TaskInstanceState,
        **fields: Any,
    ) -> list[bool]:
        """:meth:`update_ti_state` for many ``(key, expected)`` pairs, in one transaction
        where the store has them; returns, pair by pair, whether a row changed."""
        return [self.update_ti_state(key, new, expected, **fields) for key, expected in changes]

    @abc.abstractmethod
    def delete_tis(self, keys: Iterable[TaskInstanceKey]) -> int:
        """Delete task instances (with their tries and XComs); returns how many."""

    @abc.abstractmethod
    def record_ti_try(self, key: TaskInstanceKey) -> TaskInstance:
        """Copy the task instance's current row into its history of tries and return it.

        Call it when a try ends (before a retry resets the row). Recording the same
        ``try_number`` again overwrites that try.
        """

    @abc.abstractmethod
    def list_ti_tries(self, key: TaskInstanceKey) -> list[TaskInstance]:
        """Recorded tries of a task instance, oldest first."""

    # -- reschedules -------------------------------------------------------------------------

    @abc.abstractmethod
    def add_task_reschedule(self, reschedule: TaskReschedule) -> TaskReschedule:
        """Record a reschedule of a sensor; its task instance must exist (else NotFound)."""

    @abc.abstractmethod
    def list_task_reschedules(
        self, key: TaskInstanceKey, try_number: int | None = None
    ) -> list[TaskReschedule]:
        """Reschedules of a task instance (of one try if given), oldest first."""

    @abc.abstractmethod
    def clear_task_reschedules(self, key: TaskInstanceKey) -> int:
        """Forget a task instance's reschedules (when it is cleared); returns how many."""

    # -- XCom --------------------------------------------------------------------------------

    @abc.abstractmethod
    def set_xcom(self, entry: XComEntry) -> None:
        """Store (or replace) an XCom; its run must exist. The value must be JSON-serializable."""

    @abc.abstractmethod
    def get_xcom(
        self, dag_id: str, run_id: str, task_id: str, key: str = "return_value", map_index: int = -1
    ) -> XComEntry | None:
        """One XCom, or ``None`` if it was never pushed (a pushed ``None`` is an entry)."""

    @abc.abstractmethod
    def list_xcoms(
        self,
        dag_id: str,
        run_id: str,
        task_id: str | None = None,
        key: str | None = None,
        map_index: int | None = None,
    ) -> list[XComEntry]:
        """XComs of a run, optionally of one task/key/map index; ordered by task, index, key."""

    @abc.abstractmethod
    def clear_xcoms(
        self, dag_id: str, run_id: str, task_id: str | None = None, map_index: int | None = None
    ) -> int:
        """Delete XComs of a run (or of one task instance); returns how many."""

    # -- audit log ---------------------------------------------------------------------------

    @abc.abstractmethod
    def add_log_event(self, event: LogEvent) -> LogEvent:
        """Append an audit event (``dttm`` defaults to now) and return it with ``id`` set."""

    @abc.abstractmethod
    def list_log_events(
        self, query: LogEventQuery | None = None, page: Page | None = None
    ) -> list[LogEvent]:
        """Audit events matching ``query``, newest first unless ``page.order_by`` says."""

    # -- variables ---------------------------------------------------------------------------

    @abc.abstractmethod
    def get_variable(self, key: str) -> Variable | None:
        """The stored variable (environment variables are looked up by ``store.secrets``)."""

    @abc.abstractmethod
    def set_variable(self, key: str, val: str, description: str | None = None) -> None:
        """Insert or replace a variable; ``description=None`` keeps the current description."""

    @abc.abstractmethod
    def delete_variable(self, key: str) -> bool:
        """Delete a variable; ``False`` if there was none."""

    @abc.abstractmethod
    def list_variables(self, page: Page | None = None) -> list[Variable]:
        """Variables ordered by key unless ``page.order_by`` says."""

    # -- connections -------------------------------------------------------------------------

    @abc.abstractmethod
    def get_connection(self, conn_id: str) -> Connection | None:
        """The stored connection (environment variables are looked up by ``store.secrets``)."""

    @abc.abstractmethod
    def add_connection(self, conn: Connection) -> None:
        """Insert a connection; raises ``ConnectionAlreadyExists`` if the id is taken."""

    @abc.abstractmethod
    def set_connection(self, conn: Connection) -> None:
        """Insert or replace a connection."""

    @abc.abstractmethod
    def delete_connection(self, conn_id: str) -> bool:
        """Delete a connection; ``False`` if there was none."""

    @abc.abstractmethod
    def list_connections(self, page: Page | None = None) -> list[Connection]:
        """Connections ordered by ``conn_id`` unless ``page.order_by`` says."""

    # -- pools -------------------------------------------------------------------------------

    @abc.abstractmethod
    def get_pool(self, name: str) -> Pool | None:
        """The pool, or ``None``."""

    @abc.abstractmethod
    def set_pool(self, pool: Pool) -> None:
        """Insert or replace a pool."""

    @abc.abstractmethod
    def delete_pool(self, name: str) -> bool:
        """Delete a pool (never ``default_pool``: that raises ``ValueError``)."""

    @abc.abstractmethod
    def list_pools(self, page: Page | None = None) -> list[Pool]:
        """Pools ordered by name unless ``page.order_by`` says."""

    # -- asset events ------------------------------------------------------------------------

    @abc.abstractmethod
    def add_asset_events(self, events: Sequence[AssetEvent]) -> list[AssetEvent]:
        """Record asset updates (creating their assets when new); returns them with ids.

        Event ids grow with time: an asset-scheduled DAG's queue is "events after id N".
        """

    @abc.abstractmethod
    def list_asset_events(
        self,
        assets: Collection[tuple[str, str]] | None = None,
        *,
        after_id: int | None = None,
        up_to_id: int | None = None,
        limit: int | None = None,
    ) -> list[AssetEvent]:
        """Events of the ``(name, uri)`` assets (all when ``None``) in an id range, oldest first."""

    @abc.abstractmethod
    def latest_asset_event_id(self) -> int:
        """The id of the newest asset event (0 if there is none)."""

    @abc.abstractmethod
    def get_asset_watermark(self, dag_id: str) -> int | None:
        """The newest event id an asset-scheduled DAG's runs consumed; ``None`` if never set."""

    @abc.abstractmethod
    def init_asset_watermark(self, dag_id: str, last_event_id: int) -> int:
        """Set the watermark of a DAG that has none (a new DAG starts after the events so
        far); returns the stored watermark, which may be another process's."""

    @abc.abstractmethod
    def create_asset_triggered_run(
        self,
        run: DagRun,
        tis: Sequence[TaskInstance],
        event_ids: Sequence[int],
        *,
        watermark: int,
        expected_watermark: int,
    ) -> DagRun:
        """Store a run triggered by ``event_ids`` and move the DAG's watermark, atomically.

        Raises :class:`~airstream.store.errors.PositionMoved` (and stores nothing) if the
        watermark is not ``expected_watermark``: another scheduler consumed those events.
        """

    @abc.abstractmethod
    def list_run_asset_events(self, dag_id: str, run_id: str) -> list[AssetEvent]:
        """The events that triggered a run (``triggering_asset_events``), oldest first."""

    # -- topic trigger positions -------------------------------------------------------------

    @abc.abstractmethod
    def get_topic_positions(self, dag_id: str, topic: str) -> dict[int, int]:
        """A topic-triggered DAG's next offset to process, by partition."""

    @abc.abstractmethod
    def move_topic_positions(
        self,
        dag_id: str,
        topic: str,
        moves: Sequence[TopicPositionMove],
        run: DagRun | None = None,
        tis: Sequence[TaskInstance] = (),
        events: Sequence[AssetEvent] = (),
    ) -> DagRun | None:
        """Move positions and store the run (with its task instances and the asset events
        that triggered it) carrying the records before them: all in one transaction.

        Raises :class:`~airstream.store.errors.PositionMoved` (nothing stored) when a
        position is not where its move expects it. Returns the run (``None`` without one).
        """

    # -- jobs --------------------------------------------------------------------------------

    @abc.abstractmethod
    def record_heartbeat(self, job: Job) -> Job:
        """Beat for ``job``: a new row when it has no ``id``; returns it with ``id`` set."""

    @abc.abstractmethod
    def latest_heartbeats(self) -> dict[str, datetime]:
        """The newest heartbeat of each job type (``"scheduler"``, ``"dag_processor"``)."""
