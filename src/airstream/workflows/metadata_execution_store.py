"""The :class:`ExecutionStore` interface over the SQL metadata store (``airstream.store``).

Task execution keeps its own small records (:mod:`airstream.workflows.execution_store`); this
adapter translates them to and from the store's rows, so ``dags test`` (and later the
scheduler) persist runs, task instances, XComs and sensor reschedules in the real database.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from airstream.store import MetadataStore
from airstream.store import records as rec
from airstream.store.queries import DagRunQuery, Page
from airstream.workflows.connections import Connection
from airstream.workflows.execution_store import (
    MISSING,
    DagRunRecord,
    TaskInstanceRecord,
    latest_before,
)
from airstream.workflows.state import DagRunState, TaskInstanceState
from airstream.workflows.xcom_serialization import deserialize, serialize

#: The runner's state of each stored state (a dict: calling an Enum costs microseconds, and
#: the scheduler converts every instance of a run on every pass).
_TI_STATES: dict[rec.TaskInstanceState, TaskInstanceState | None] = {
    stored: None if stored == rec.TaskInstanceState.NONE else TaskInstanceState(stored.value)
    for stored in rec.TaskInstanceState
}


def _ti_state(state: rec.TaskInstanceState) -> TaskInstanceState | None:
    return _TI_STATES[state]


#: The task instance columns a :class:`TaskInstanceRecord` is made of (see ``_ti_from_row``).
RECORD_COLUMNS = (
    "state",
    "try_number",
    "max_tries",
    "start_date",
    "end_date",
    "operator",
    "rendered_fields",
    "rendered_map_index",
)


def _run_from_row(row: rec.DagRun) -> DagRunRecord:
    return DagRunRecord(
        dag_id=row.dag_id,
        run_id=row.run_id,
        logical_date=row.logical_date,
        data_interval_start=row.data_interval_start,
        data_interval_end=row.data_interval_end,
        run_after=row.run_after or row.logical_date or row.start_date,  # type: ignore[arg-type]
        run_type=row.run_type.value,
        state=DagRunState(row.state.value),
        conf=dict(row.conf),
        start_date=row.start_date,
        end_date=row.end_date,
        triggered_by=row.triggered_by.value if row.triggered_by else "test",
    )


class MetadataExecutionStore:
    """An :class:`~airstream.workflows.execution_store.ExecutionStore` backed by SQL."""

    def __init__(self, store: MetadataStore) -> None:
        self.store = store

    # -- runs ---------------------------------------------------------------------------------

    def save_dag_run(self, run: DagRunRecord) -> None:
        existing = self.store.get_dag_run(run.dag_id, run.run_id)
        values: dict[str, Any] = {
            "state": rec.DagRunState(run.state.value),
            "start_date": run.start_date,
            "end_date": run.end_date,
            "conf": dict(run.conf),
            "data_interval_start": run.data_interval_start,
            "data_interval_end": run.data_interval_end,
            "run_after": run.run_after,
        }
        if existing is not None:
            self.store.update_dag_run(run.dag_id, run.run_id, values)
            return
        self.store.create_dag_run(
            rec.DagRun(
                dag_id=run.dag_id,
                run_id=run.run_id,
                run_type=rec.DagRunType(run.run_type),
                logical_date=run.logical_date,
                triggered_by=rec.DagRunTriggeredBy(run.triggered_by),
                **values,
            )
        )

    def get_dag_run(self, dag_id: str, run_id: str) -> DagRunRecord | None:
        row = self.store.get_dag_run(dag_id, run_id)
        return _run_from_row(row) if row is not None else None

    def list_dag_runs(self, dag_id: str) -> list[DagRunRecord]:
        rows = self.store.list_dag_runs(DagRunQuery(dag_ids=[dag_id]))
        return sorted((_run_from_row(r) for r in rows), key=lambda r: r.run_after)

    def previous_success(self, run: DagRunRecord) -> DagRunRecord | None:
        return self._latest_before(run, [rec.DagRunState.SUCCESS])

    def previous_run(self, run: DagRunRecord) -> DagRunRecord | None:
        return self._latest_before(run, None)

    def _latest_before(
        self, run: DagRunRecord, states: list[rec.DagRunState] | None
    ) -> DagRunRecord | None:
        # Ask for the latest candidate only: a DAG may have thousands of runs. Strictly
        # earlier: the bound is inclusive, timestamps have microseconds.
        if run.logical_date is None:
            return None
        before = run.logical_date - timedelta(microseconds=1)
        query = DagRunQuery(dag_ids=[run.dag_id], states=states, logical_date_lte=before)
        rows = self.store.list_dag_runs(query, Page(limit=1, order_by="-logical_date"))
        return latest_before((_run_from_row(r) for r in rows), run)

    def delete_dag_run(self, dag_id: str, run_id: str) -> None:
        self.store.delete_dag_run(dag_id, run_id)

    # -- task instances -----------------------------------------------------------------------

    def save_task_instances(self, tis: Sequence[TaskInstanceRecord]) -> None:
        for ti in tis:
            self.save_task_instance(ti)

    def save_task_instance(self, ti: TaskInstanceRecord) -> None:
        row = rec.TaskInstance(
            dag_id=ti.dag_id,
            run_id=ti.run_id,
            task_id=ti.task_id,
            map_index=ti.map_index,
            try_number=ti.try_number,
            max_tries=ti.max_tries,
            state=rec.TaskInstanceState(ti.state.value) if ti.state else rec.TaskInstanceState.NONE,
            operator=ti.operator or None,
            start_date=ti.start_date,
            end_date=ti.end_date,
            duration=ti.duration,
            rendered_fields=_jsonable(ti.rendered_fields) or None,
            rendered_map_index=ti.rendered_map_index,
        )
        self.store.save_ti(row)
        if ti.state == TaskInstanceState.UP_FOR_RESCHEDULE and ti.next_try_at is not None:
            self._record_reschedule(ti)

    def _record_reschedule(self, ti: TaskInstanceRecord) -> None:
        key = rec.TaskInstanceKey(ti.dag_id, ti.run_id, ti.task_id, ti.map_index)
        known = self.store.list_task_reschedules(key, ti.try_number)
        if known and known[-1].reschedule_date == ti.next_try_at:
            return
        assert ti.start_date is not None and ti.next_try_at is not None
        self.store.add_task_reschedule(
            rec.TaskReschedule(
                dag_id=ti.dag_id,
                run_id=ti.run_id,
                task_id=ti.task_id,
                map_index=ti.map_index,
                try_number=ti.try_number,
                start_date=ti.first_try_start or ti.start_date,
                end_date=ti.end_date or ti.start_date,
                reschedule_date=ti.next_try_at,
            )
        )

    def delete_task_instance(self, ti: TaskInstanceRecord) -> None:
        self.store.delete_tis([rec.TaskInstanceKey(ti.dag_id, ti.run_id, ti.task_id, ti.map_index)])

    def list_task_instances(self, dag_id: str, run_id: str) -> list[TaskInstanceRecord]:
        found = self.store.list_run_tis(dag_id, run_id, RECORD_COLUMNS)
        return [self._ti_from_row(row) for row in found]

    def _ti_from_row(self, row: rec.TaskInstance) -> TaskInstanceRecord:
        ti = TaskInstanceRecord(
            dag_id=row.dag_id,
            run_id=row.run_id,
            task_id=row.task_id,
            map_index=row.map_index,
            state=_ti_state(row.state),
            try_number=row.try_number,
            max_tries=row.max_tries,
            start_date=row.start_date,
            end_date=row.end_date,
            operator=row.operator or "",
            rendered_fields=dict(row.rendered_fields or {}),
            rendered_map_index=row.rendered_map_index,
        )
        if ti.state == TaskInstanceState.UP_FOR_RESCHEDULE:
            reschedules = self.store.list_task_reschedules(row.key, row.try_number)
            if reschedules:
                ti.first_try_start = reschedules[0].start_date
                ti.next_try_at = reschedules[-1].reschedule_date
        return ti

    # -- XCom -----------------------------------------------------------------------------------

    def set_xcom(
        self, dag_id: str, run_id: str, task_id: str, map_index: int, key: str, value: Any
    ) -> None:
        entry = rec.XComEntry(dag_id, run_id, task_id, key, serialize(value), map_index)
        self.store.set_xcom(entry)

    def get_xcom(self, dag_id: str, run_id: str, task_id: str, map_index: int, key: str) -> Any:
        entry = self.store.get_xcom(dag_id, run_id, task_id, key, map_index)
        return MISSING if entry is None else deserialize(entry.value)

    def xcom_map_indexes(self, dag_id: str, run_id: str, task_id: str, key: str) -> list[int]:
        entries = self.store.list_xcoms(dag_id, run_id, task_id=task_id, key=key)
        return sorted(e.map_index for e in entries)

    def clear_xcoms(self, dag_id: str, run_id: str, task_id: str, map_index: int) -> None:
        self.store.clear_xcoms(dag_id, run_id, task_id, map_index)

    # -- variables and connections --------------------------------------------------------------

    def get_variable(self, key: str) -> str | None:
        variable = self.store.get_variable(key)
        return variable.val if variable is not None else None

    def set_variable(self, key: str, value: str) -> None:
        self.store.set_variable(key, value)

    def get_connection(self, conn_id: str) -> Connection | None:
        row = self.store.get_connection(conn_id)
        if row is None:
            return None
        fields = dataclasses.asdict(row)
        return Connection(**fields)


def _jsonable(value: Any) -> Any:
    """Rendered fields as JSON: anything else becomes its string form."""
    import json

    try:
        json.dumps(value)
        return value
    except (TypeError, ValueError):
        if isinstance(value, dict):
            return {k: _jsonable(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [_jsonable(v) for v in value]
        return str(value)
