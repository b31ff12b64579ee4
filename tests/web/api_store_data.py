"""What the API tests read: a DAG with a finished run, XComs, a log, an import error."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from airstream.store import open_store
from airstream.store.records import (
    DagModel,
    DagRun,
    DagRunState,
    DagRunTriggeredBy,
    DagRunType,
    TaskInstance,
    TaskInstanceState,
    XComEntry,
)
from airstream.workflows import xcom_serialization

DAG_ID = "etl"
RUN_ID = "manual__2026-01-01T00:00:00+00:00"
LOGICAL_DATE = datetime(2026, 1, 1, tzinfo=UTC)
LOG_TEXT = "[2026-01-01T00:00:01+0000] {task_runner} INFO - extracting 3 rows\nDone.\n"


def _task(task_id: str, upstream: list[str], downstream: list[str]) -> dict[str, object]:
    return {
        "task_id": task_id,
        "label": task_id,
        "operator": "BashOperator",
        "custom_operator_name": None,
        "task_group": None,
        "upstream_task_ids": upstream,
        "downstream_task_ids": downstream,
        "trigger_rule": "all_success",
        "is_mapped": False,
        "owner": "data",
        "retries": 1,
        "retry_delay": 300.0,
        "retry_exponential_backoff": False,
        "execution_timeout": None,
        "depends_on_past": False,
        "wait_for_downstream": False,
        "pool": "default_pool",
        "pool_slots": 1,
        "queue": "default",
        "priority_weight": 1,
        "template_fields": ["bash_command"],
        "doc_md": None,
        "ui_color": "#f0ede4",
        "ui_fgcolor": "#000",
    }


SERIALIZED = {
    "format_version": 1,
    "dag_id": DAG_ID,
    "dag_display_name": "ETL pipeline",
    "description": "extract and load",
    "doc_md": "# ETL",
    "fileloc": "/dags/etl.py",
    "schedule": "@daily",
    "start_date": "2025-12-01T00:00:00+00:00",
    "end_date": None,
    "catchup": False,
    "tags": ["etl"],
    "owner": "data",
    "max_active_runs": 16,
    "max_active_tasks": 16,
    "dagrun_timeout": 3600.0,
    "is_paused_upon_creation": None,
    "render_template_as_native_obj": False,
    "params": {},
    "tasks": [_task("extract", [], ["load"]), _task("load", ["extract"], [])],
}


def fill_store(home: Path) -> None:
    """One DAG with a successful run (task instances, XCom, log), an import error, a 2nd DAG."""
    with open_store(f"sqlite:///{home / 'airstream.db'}") as store:
        dag = DagModel(
            dag_id=DAG_ID,
            fileloc="/dags/etl.py",
            relative_fileloc="etl.py",
            schedule="@daily",
            tags=("etl",),
            owners="data",
            description="extract and load",
            last_parsed_time=LOGICAL_DATE,
        )
        store.upsert_dag(dag, SERIALIZED)
        other = DagModel(dag_id="reports", fileloc="/dags/reports.py", owners="bi")
        store.upsert_dag(other, {**SERIALIZED, "dag_id": "reports", "tasks": []})
        start = LOGICAL_DATE + timedelta(minutes=1)
        run = DagRun(
            dag_id=DAG_ID,
            run_id=RUN_ID,
            run_type=DagRunType.MANUAL,
            state=DagRunState.SUCCESS,
            logical_date=LOGICAL_DATE,
            run_after=LOGICAL_DATE,
            conf={"rows": 3},
            start_date=start,
            end_date=start + timedelta(seconds=30),
            triggered_by=DagRunTriggeredBy.CLI,
        )
        tis = [
            TaskInstance(
                dag_id=DAG_ID,
                run_id=RUN_ID,
                task_id=task_id,
                try_number=1,
                max_tries=1,
                state=TaskInstanceState.SUCCESS,
                operator="BashOperator",
                start_date=start,
                end_date=start + timedelta(seconds=10),
                duration=10.0,
            )
            for task_id in ("extract", "load")
        ]
        store.create_dag_run(run, tis)
        store.set_xcom(XComEntry(DAG_ID, RUN_ID, "extract", "return_value", {"rows": 3}))
        store.set_xcom(XComEntry(DAG_ID, RUN_ID, "extract", "note", "three rows"))
        # A value JSON cannot hold, stored the way the task runner stores it (tagged).
        store.set_xcom(
            XComEntry(
                DAG_ID,
                RUN_ID,
                "extract",
                "window",
                xcom_serialization.serialize((datetime(2026, 1, 1, tzinfo=UTC), 7)),
            )
        )
        store.replace_import_error("/dags/broken.py", "SyntaxError: invalid syntax", start)
    log_dir = home / "logs" / DAG_ID / RUN_ID / "extract"
    log_dir.mkdir(parents=True)
    (log_dir / "attempt=1.log").write_text(LOG_TEXT)
