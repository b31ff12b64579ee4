"""TriggerDagRunOperator: start a run of another DAG, optionally waiting for it."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from airstream.workflows.baseoperator import BaseOperator
from airstream.workflows.context import Context
from airstream.workflows.exceptions import (
    AirflowException,
    AirflowSkipException,
    DagRunAlreadyExists,
)
from airstream.workflows.timetables import as_utc

XCOM_RUN_ID = "trigger_run_id"
XCOM_LOGICAL_DATE = "trigger_logical_date"


class TriggerDagRunOperator(BaseOperator):
    """Trigger ``trigger_dag_id`` with ``conf``; with ``wait_for_completion`` wait for its end."""

    template_fields: Sequence[str] = ("trigger_dag_id", "trigger_run_id", "logical_date", "conf")
    template_fields_renderers = {"conf": "py"}
    ui_color = "#ffefeb"

    def __init__(
        self,
        *,
        trigger_dag_id: str,
        trigger_run_id: str | None = None,
        conf: dict[str, Any] | None = None,
        logical_date: str | datetime | None = None,
        reset_dag_run: bool = False,
        wait_for_completion: bool = False,
        poke_interval: int = 60,
        allowed_states: list[str] | None = None,
        failed_states: list[str] | None = None,
        skip_when_already_exists: bool = False,
        fail_when_dag_is_paused: bool = False,
        deferrable: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.trigger_dag_id = trigger_dag_id
        self.trigger_run_id = trigger_run_id
        self.conf = conf or {}
        self.logical_date = logical_date
        self.reset_dag_run = reset_dag_run
        self.wait_for_completion = wait_for_completion
        self.poke_interval = poke_interval
        self.allowed_states = allowed_states or ["success"]
        self.failed_states = failed_states or ["failed"]
        self.skip_when_already_exists = skip_when_already_exists
        self.fail_when_dag_is_paused = fail_when_dag_is_paused
        self.deferrable = deferrable

    def execute(self, context: Context) -> Any:
        ti = context["ti"]
        try:
            json.dumps(self.conf)
        except TypeError:
            raise ValueError("conf parameter should be JSON Serializable") from None
        if isinstance(self.logical_date, str):
            logical = as_utc(datetime.fromisoformat(self.logical_date))
        elif isinstance(self.logical_date, datetime):
            logical = as_utc(self.logical_date)
        else:
            logical = as_utc(datetime.now().astimezone())
        run_id = self.trigger_run_id or f"manual__{logical.isoformat()}"
        trigger = getattr(ti, "trigger_dag", None)
        if trigger is None:
            raise AirflowException("Triggering DAG runs is not available in this runner")
        try:
            state = trigger(
                dag_id=self.trigger_dag_id,
                run_id=run_id,
                conf=self.conf,
                logical_date=logical,
                wait=self.wait_for_completion,
                reset=self.reset_dag_run,
            )
        except DagRunAlreadyExists:
            if self.skip_when_already_exists:
                raise AirflowSkipException(
                    f"Dag run {run_id} for {self.trigger_dag_id} already exists; skipping."
                ) from None
            raise
        ti.xcom_push(XCOM_RUN_ID, run_id)
        ti.xcom_push(XCOM_LOGICAL_DATE, logical.isoformat())
        ti.log.info("Triggered DAG %s with run id %s", self.trigger_dag_id, run_id)
        if self.wait_for_completion:
            if state in self.failed_states:
                raise AirflowException(f"{self.trigger_dag_id} failed with failed state {state}")
            if state not in self.allowed_states:
                raise AirflowException(f"{self.trigger_dag_id} ended in unexpected state {state}")
            ti.log.info("%s finished with allowed state %s", self.trigger_dag_id, state)
        return None
