"""TriggerDagRunOperator under the scheduler: the new run goes into the store, queued.

The scheduler picks it up like any other queued run. With ``wait_for_completion`` the task
process watches the run's state in the store until it ends.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from airstream.scheduler.run_creation import store_run
from airstream.store import MetadataStore, errors
from airstream.store import records as rec

#: How often a waiting trigger looks at the run it started.
WAIT_POLL_SECONDS = 0.5


def store_trigger(
    store: MetadataStore, load_dag: Callable[[rec.DagModel], Any]
) -> Callable[..., str]:
    """The ``trigger_dag`` callable of a task process: create a queued run of another DAG."""

    def trigger(
        *,
        dag_id: str,
        run_id: str,
        conf: dict[str, Any],
        logical_date: datetime,
        wait: bool,
        reset: bool = False,
    ) -> str:
        from airstream.workflows.exceptions import DagNotFound, DagRunAlreadyExists

        model = store.get_dag(dag_id)
        dag = load_dag(model) if model is not None else None
        if model is None or dag is None:
            raise DagNotFound(f"Dag id {dag_id} not found")
        if reset:
            store.delete_dag_run(dag_id, run_id)
        try:
            store_run(
                store,
                dag,
                run_type=rec.DagRunType.MANUAL,
                logical_date=logical_date,
                data_interval=dag.timetable.infer_manual_data_interval(run_after=logical_date),
                run_after=logical_date,
                triggered_by=rec.DagRunTriggeredBy.OPERATOR,
                conf=conf,
                run_id=run_id,
            )
        except errors.DagRunAlreadyExists:
            raise DagRunAlreadyExists(
                f"A Dag Run already exists for dag id {dag_id} and run id {run_id}"
            ) from None
        return wait_for_run(store, dag_id, run_id) if wait else rec.DagRunState.QUEUED.value

    return trigger


def wait_for_run(store: MetadataStore, dag_id: str, run_id: str) -> str:
    """Block until the run is ``success`` or ``failed``; returns that state."""
    while True:
        run = store.get_dag_run(dag_id, run_id)
        if run is None or run.state in (rec.DagRunState.SUCCESS, rec.DagRunState.FAILED):
            return run.state.value if run is not None else rec.DagRunState.FAILED.value
        time.sleep(WAIT_POLL_SECONDS)
