"""Runs asked for by a user: a manual trigger, or a backfill over a date range.

Both only *request* work: they store ``queued`` runs (with their task instances, in the same
transaction) and the scheduler picks them up. The DAG must be known to the metadata store
(the DAG processor stored it); its file is then loaded here once, for what only the DAG
object knows: its params (to validate ``conf``), its timetable (data intervals) and its tasks.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from airstream.scheduler.run_creation import store_run
from airstream.store import MetadataStore
from airstream.store import records as rec
from airstream.store.errors import DagRunAlreadyExists
from airstream.store.queries import DagRunQuery
from airstream.workflows.dag import DAG
from airstream.workflows.dagbag import DagBag
from airstream.workflows.exceptions import AirflowException, DagNotFound
from airstream.workflows.scheduling import validated_conf
from airstream.workflows.timetables import DagRunInfo, DataInterval, as_utc

#: What to do with a date that already has a run (Airflow 3's ``--reprocess-behavior``).
ReprocessBehavior = Literal["none", "failed", "completed"]

#: A backfill creating more runs than this is a typo in a date, not a plan.
MAX_BACKFILL_RUNS = 10_000


class RunRequestError(AirflowException):
    """A trigger or backfill that cannot be done (the message says why)."""


def load_stored_dag(store: MetadataStore, dag_id: str) -> DAG:
    """The DAG object of a DAG the store knows, loaded from its file."""
    model = store.get_dag(dag_id)
    if model is None or model.is_stale:
        raise DagNotFound(
            f"Dag id {dag_id} not found in the metadata database: run the scheduler or "
            "`airstream dags reserialize` to parse the DAG folder"
        )
    bag = DagBag(Path(model.fileloc))
    if dag_id not in bag.dags:
        errors = "; ".join(str(e) for e in bag.import_errors.values())
        raise DagNotFound(f"Dag id {dag_id} no longer loads from {model.fileloc}: {errors}")
    return bag.dags[dag_id]


def trigger_dag_run(
    store: MetadataStore,
    dag_id: str,
    *,
    now: datetime,
    conf: Mapping[str, Any] | None = None,
    run_id: str | None = None,
    logical_date: datetime | None = None,
    triggered_by: rec.DagRunTriggeredBy = rec.DagRunTriggeredBy.CLI,
) -> rec.DagRun:
    """Store a queued manual run of ``dag_id``; ``conf`` is validated against its params."""
    dag = load_stored_dag(store, dag_id)
    conf = validated_conf(dag, dict(conf or {}))
    logical = as_utc(logical_date) if logical_date is not None else now
    run_id = run_id or rec.DagRunType.MANUAL.generate_run_id(logical)
    try:
        return store_run(
            store,
            dag,
            run_type=rec.DagRunType.MANUAL,
            logical_date=logical,
            data_interval=dag.timetable.infer_manual_data_interval(run_after=logical),
            run_after=logical,
            triggered_by=triggered_by,
            conf=conf,
            run_id=run_id,
        )
    except DagRunAlreadyExists:
        raise RunRequestError(f"A run with run id {run_id!r} of {dag_id} exists") from None


@dataclass(frozen=True)
class BackfillResult:
    """What a backfill asked for: new runs, runs cleared to run again, dates left alone."""

    created: list[rec.DagRun]
    cleared: list[rec.DagRun]
    skipped: list[datetime]


def backfill_intervals(
    dag: DAG, start: datetime, end: datetime
) -> list[tuple[datetime, DagRunInfo]]:
    """The ``(logical date, run info)`` of every scheduled run with a logical date in range."""
    if not dag.timetable.periodic:
        raise RunRequestError(f"{dag.dag_id} has no periodic schedule: nothing to backfill")
    start, end = as_utc(start), as_utc(end)
    if end < start:
        raise RunRequestError("the end date is before the start date")
    if dag.start_date is not None:
        start = max(start, dag.start_date)
    if dag.end_date is not None:
        end = min(end, dag.end_date)
    found: list[tuple[datetime, DagRunInfo]] = []
    last: DataInterval | None = None
    while len(found) <= MAX_BACKFILL_RUNS:
        info = dag.timetable.next_dagrun_info(
            last_automated_data_interval=last, earliest=start, latest=end, catchup=True
        )
        if info is None or info.logical_date > end:
            return found
        found.append((info.logical_date, info))
        last = info.data_interval
    raise RunRequestError(f"more than {MAX_BACKFILL_RUNS} runs: narrow the date range")


def create_backfill(
    store: MetadataStore,
    dag_id: str,
    start: datetime,
    end: datetime,
    *,
    now: datetime,
    conf: Mapping[str, Any] | None = None,
    reprocess: ReprocessBehavior = "none",
    run_backwards: bool = False,
    dry_run: bool = False,
) -> BackfillResult:
    """Queue a backfill run for each scheduled date in ``[start, end]``.

    A date that already has a run keeps it, unless ``reprocess`` says to run it again
    (``failed``: failed runs; ``completed``: every finished run), which clears it.
    """
    from airstream.scheduler.clearing import clear_task_instances

    dag = load_stored_dag(store, dag_id)
    conf = validated_conf(dag, dict(conf or {}))
    wanted = backfill_intervals(dag, start, end)
    if run_backwards:
        wanted.reverse()
    existing = _runs_by_date(store, dag_id, wanted)
    created: list[rec.DagRun] = []
    cleared: list[rec.DagRun] = []
    skipped: list[datetime] = []
    for logical, info in wanted:
        run = existing.get(logical)
        if run is None:
            created.append(_backfill_run(store, dag, info, conf, dry_run))
        elif _reprocess(run, reprocess):
            if not dry_run:
                clear_task_instances(store, dag_id, run_ids=[run.run_id], now=now)
            cleared.append(run)
        else:
            skipped.append(logical)
    return BackfillResult(created, cleared, skipped)


def _runs_by_date(
    store: MetadataStore, dag_id: str, wanted: list[tuple[datetime, DagRunInfo]]
) -> dict[datetime, rec.DagRun]:
    if not wanted:
        return {}
    dates = [logical for logical, _ in wanted]
    query = DagRunQuery(dag_ids=[dag_id], logical_date_gte=min(dates), logical_date_lte=max(dates))
    return {run.logical_date: run for run in store.list_dag_runs(query) if run.logical_date}


def _backfill_run(
    store: MetadataStore,
    dag: DAG,
    info: DagRunInfo,
    conf: Mapping[str, Any],
    dry_run: bool,
) -> rec.DagRun:
    run_id = rec.DagRunType.BACKFILL.generate_run_id(info.logical_date)
    if dry_run:
        return rec.DagRun(
            dag.dag_id,
            run_id,
            run_type=rec.DagRunType.BACKFILL,
            logical_date=info.logical_date,
            data_interval_start=info.data_interval.start,
            data_interval_end=info.data_interval.end,
            run_after=info.run_after,
            conf=dict(conf),
            triggered_by=rec.DagRunTriggeredBy.BACKFILL,
        )
    return store_run(
        store,
        dag,
        run_type=rec.DagRunType.BACKFILL,
        logical_date=info.logical_date,
        data_interval=info.data_interval,
        run_after=info.run_after,
        triggered_by=rec.DagRunTriggeredBy.BACKFILL,
        conf=conf,
        run_id=run_id,
    )


def _reprocess(run: rec.DagRun, behavior: ReprocessBehavior) -> bool:
    if behavior == "failed":
        return run.state == rec.DagRunState.FAILED
    if behavior == "completed":
        return run.state in (rec.DagRunState.SUCCESS, rec.DagRunState.FAILED)
    return False
