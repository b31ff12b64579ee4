"""Branching: follow some downstream tasks and skip the others."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from airstream.workflows.baseoperator import AbstractOperator, BaseOperator
from airstream.workflows.context import Context
from airstream.workflows.exceptions import AirflowException


def branch_skips(task: AbstractOperator, followed: str | Iterable[str] | None) -> list[str]:
    """Direct downstream tasks of ``task`` not on the followed branches.

    A followed id may name a task group (its root tasks are followed). A direct downstream task
    reachable from a followed task is kept too, as in Airflow.
    """
    dag = task._dag_or_fail()
    ids = {followed} if isinstance(followed, str) else set(followed or [])
    keep: set[str] = set()
    for branch_id in ids:
        if branch_id in dag.task_group_dict:
            roots = [t.task_id for t in dag.task_group_dict[branch_id].roots]
        elif dag.has_task(branch_id):
            roots = [branch_id]
        else:
            raise AirflowException(
                f"'branch_task_ids' must contain only valid task_ids. Invalid tasks found: "
                f"{branch_id!r}."
            )
        for root in roots:
            keep.add(root)
            keep |= dag.get_task(root).get_flat_relative_ids(upstream=False)
    return sorted(t for t in task.downstream_task_ids if t not in keep)


class SkipMixin:
    """Operators that skip downstream tasks when they succeed."""

    def skip_all_except(self, context: Context, branch_task_ids: Any) -> None:
        task = context["task"]
        skips = branch_skips(task, branch_task_ids)
        if skips:
            context["ti"].log.info("Skipping tasks %s", skips)
        context["ti"].skip_tasks(skips)


class BaseBranchOperator(SkipMixin, BaseOperator):
    """Subclasses return the task id(s) to follow from :meth:`choose_branch`."""

    inherits_from_skipmixin = True

    def choose_branch(self, context: Context) -> str | Iterable[str] | None:
        raise NotImplementedError

    def execute(self, context: Context) -> Any:
        branches = self.choose_branch(context)
        self.skip_all_except(context, branches)
        return branches
