"""A DAG's structure as plain JSON: what the DAG processor stores and the API serves.

Only structure and settings are kept (tasks, dependencies, groups, params, schedule); code
is not: running a task always loads the DAG file again, as in Airflow.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from airstream.workflows.baseoperator import AbstractOperator
from airstream.workflows.dag import DAG
from airstream.workflows.task_group import TaskGroup

#: Bumped when the layout below changes incompatibly.
FORMAT_VERSION = 1


def _seconds(value: timedelta | None) -> float | None:
    return value.total_seconds() if value is not None else None


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def serialize_task(task: AbstractOperator) -> dict[str, Any]:
    """One task's structure and settings."""
    get = getattr
    return {
        "task_id": task.task_id,
        "label": task.label,
        "operator": get(task, "task_type", type(task).__name__),
        "custom_operator_name": get(task, "custom_operator_name", None),
        "task_group": task.task_group.group_id if task.task_group else None,
        "upstream_task_ids": sorted(task.upstream_task_ids),
        "downstream_task_ids": sorted(task.downstream_task_ids),
        "trigger_rule": str(task.trigger_rule),
        "is_mapped": task.is_mapped,
        "is_setup": task.is_setup,
        "is_teardown": task.is_teardown,
        "on_failure_fail_dagrun": task.on_failure_fail_dagrun,
        "owner": get(task, "owner", "airflow"),
        "retries": task.retries,
        "retry_delay": _seconds(task.retry_delay),
        "retry_exponential_backoff": task.retry_exponential_backoff,
        "max_retry_delay": _seconds(task.max_retry_delay),
        "execution_timeout": _seconds(task.execution_timeout),
        "depends_on_past": task.depends_on_past,
        "wait_for_downstream": task.wait_for_downstream,
        "pool": get(task, "pool", "default_pool"),
        "pool_slots": get(task, "pool_slots", 1),
        "queue": get(task, "queue", "default"),
        "priority_weight": get(task, "priority_weight", 1),
        "max_active_tis_per_dag": get(task, "max_active_tis_per_dag", None),
        "template_fields": list(task.template_fields),
        "doc_md": get(task, "doc_md", None),
        "ui_color": task.ui_color,
        "ui_fgcolor": task.ui_fgcolor,
    }


def serialize_task_group(group: TaskGroup) -> dict[str, Any]:
    """A group with its children (tasks by id, groups nested)."""
    children: list[Any] = []
    for child in group.children.values():
        if isinstance(child, TaskGroup):
            children.append(serialize_task_group(child))
        else:
            children.append(child.task_id)
    return {
        "group_id": group.group_id,
        "label": group.label,
        "prefix_group_id": group.prefix_group_id,
        "tooltip": group.tooltip,
        "ui_color": group.ui_color,
        "children": children,
    }


def serialize_dag(dag: DAG) -> dict[str, Any]:
    """The whole DAG as JSON-serializable data (tasks in topological order)."""
    return {
        "format_version": FORMAT_VERSION,
        "dag_id": dag.dag_id,
        "dag_display_name": dag.dag_display_name,
        "description": dag.description,
        "doc_md": dag.doc_md,
        "fileloc": dag.fileloc,
        "relative_fileloc": dag.relative_fileloc,
        "schedule": dag.timetable.summary,
        "start_date": _iso(dag.start_date),
        "end_date": _iso(dag.end_date),
        "catchup": dag.catchup,
        "tags": list(dag.tags),
        "owner": dag.owner,
        "max_active_runs": dag.max_active_runs,
        "max_active_tasks": dag.max_active_tasks,
        "max_consecutive_failed_dag_runs": dag.max_consecutive_failed_dag_runs,
        "dagrun_timeout": _seconds(dag.dagrun_timeout),
        "is_paused_upon_creation": dag.is_paused_upon_creation,
        "render_template_as_native_obj": dag.render_template_as_native_obj,
        "params": dag.params.dump(),
        "tasks": [serialize_task(task) for task in dag.topological_sort()],
        "task_group": serialize_task_group(dag.task_group),
        "edge_info": dag.edge_info,
    }
