"""ExternalTaskSensor: wait for a task (or a whole run) of another DAG to reach a state."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from datetime import datetime, timedelta
from typing import Any

from airstream.sensors.base import BaseSensorOperator
from airstream.workflows.baseoperator import BaseOperator
from airstream.workflows.context import Context
from airstream.workflows.exceptions import AirflowException, AirflowFailException


class ExternalTaskSensor(BaseSensorOperator):
    """Looks at the run of ``external_dag_id`` with the same logical date (or shifted by
    ``execution_delta`` / ``execution_date_fn``)."""

    template_fields: Sequence[str] = ("external_dag_id", "external_task_id", "external_task_ids")
    ui_color = "#4db7db"

    def __init__(
        self,
        *,
        external_dag_id: str,
        external_task_id: str | None = None,
        external_task_ids: Collection[str] | None = None,
        external_task_group_id: str | None = None,
        allowed_states: Collection[str] | None = None,
        skipped_states: Collection[str] | None = None,
        failed_states: Collection[str] | None = None,
        execution_delta: timedelta | None = None,
        execution_date_fn: Callable[..., Any] | None = None,
        check_existence: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if external_task_id is not None and external_task_ids:
            raise ValueError(
                "Only one of `external_task_id` or `external_task_ids` may be provided"
            )
        if execution_delta is not None and execution_date_fn is not None:
            raise ValueError("Only one of `execution_delta` or `execution_date_fn` may be provided")
        self.external_dag_id = external_dag_id
        self.external_task_id = external_task_id
        self.external_task_ids = list(
            external_task_ids or ([external_task_id] if external_task_id else [])
        )
        self.external_task_group_id = external_task_group_id
        task_level = bool(self.external_task_ids or external_task_group_id)
        self.allowed_states = list(allowed_states or ["success"])
        self.skipped_states = list(skipped_states or [])
        self.failed_states = list(failed_states or [])
        self.task_level = task_level
        self.execution_delta = execution_delta
        self.execution_date_fn = execution_date_fn
        self.check_existence = check_existence

    def _target_date(self, context: Context) -> datetime:
        logical: datetime = context["logical_date"]
        if self.execution_delta is not None:
            return logical - self.execution_delta
        if self.execution_date_fn is not None:
            result: datetime = self.execution_date_fn(logical)
            return result
        return logical

    def poke(self, context: Context) -> bool:
        ti = context["ti"]
        store = ti.store
        target = self._target_date(context)
        ti.log.info(
            "Poking for %s%s on %s ...",
            self.external_dag_id,
            f".{self.external_task_ids}" if self.task_level else "",
            target.isoformat(),
        )
        runs = [r for r in store.list_dag_runs(self.external_dag_id) if r.logical_date == target]
        if not runs:
            if self.check_existence:
                raise AirflowException(f"No run of DAG {self.external_dag_id} at {target}")
            return False
        states = self._states(store, runs[-1])
        if states is None:
            return False
        if any(s in self.failed_states for s in states):
            raise AirflowFailException(
                f"The external {'tasks' if self.task_level else 'DAG'} {self.external_dag_id} "
                f"failed with states {sorted(set(states))}."
            )
        if states and all(s in self.skipped_states for s in states):
            from airstream.workflows.exceptions import AirflowSkipException

            raise AirflowSkipException(f"The external {self.external_dag_id} was skipped.")
        return bool(states) and all(s in self.allowed_states for s in states)

    def _states(self, store: Any, run: Any) -> list[str] | None:
        if not self.task_level:
            return [str(run.state)]
        tis = store.list_task_instances(run.dag_id, run.run_id)
        wanted = set(self.external_task_ids)
        group = self.external_task_group_id
        chosen = [
            ti
            for ti in tis
            if ti.task_id in wanted or (group is not None and ti.task_id.startswith(group + "."))
        ]
        if not chosen:
            return None
        return [str(ti.state) for ti in chosen]


class ExternalTaskMarker(BaseOperator):
    """Marks a dependency from another DAG (clearing across DAGs); runs as a no-op."""

    template_fields: Sequence[str] = ("external_dag_id", "external_task_id", "logical_date")

    def __init__(
        self,
        *,
        external_dag_id: str,
        external_task_id: str,
        logical_date: str | datetime | None = "{{ logical_date.isoformat() }}",
        recursion_depth: int = 10,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.external_dag_id = external_dag_id
        self.external_task_id = external_task_id
        self.logical_date = logical_date
        self.recursion_depth = recursion_depth

    def execute(self, context: Context) -> Any:
        return None
