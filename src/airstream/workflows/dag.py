"""The DAG: a set of tasks and their dependencies, with a schedule and run-wide settings."""

from __future__ import annotations

import functools
import inspect
import sys
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from airstream.workflows.baseoperator import AbstractOperator, validate_task_id
from airstream.workflows.dag_context import DagContext
from airstream.workflows.exceptions import (
    AirflowDagCycleException,
    DuplicateTaskIdFound,
    TaskNotFound,
)
from airstream.workflows.params import Param, ParamsDict
from airstream.workflows.task_group import TaskGroup
from airstream.workflows.timetables import Timetable, as_utc, create_timetable
from airstream.workflows.timezone import timezone_of
from airstream.workflows.xcom_arg import ResolveMixin

if TYPE_CHECKING:
    from airstream.workflows.context import Context

_PACKAGE_DIR = str(Path(__file__).resolve().parent.parent)


def caller_location() -> tuple[str, int]:
    """File and line of the first frame outside airstream: where the user wrote the call."""
    frame = sys._getframe(1)
    while frame is not None:
        filename = frame.f_code.co_filename
        if not filename.startswith(_PACKAGE_DIR) and not filename.startswith("<frozen"):
            return filename, frame.f_lineno
        frame = frame.f_back  # type: ignore[assignment]
    return "", 0


class DAG:
    """A workflow: tasks, dependencies and run-wide settings (Airflow 3's arguments)."""

    def __init__(
        self,
        dag_id: str,
        description: str | None = None,
        schedule: Any = None,
        start_date: datetime | None = None,
        end_date: datetime | None = None,
        template_searchpath: str | Iterable[str] | None = None,
        template_undefined: Any = None,
        user_defined_macros: dict[str, Any] | None = None,
        user_defined_filters: dict[str, Any] | None = None,
        default_args: dict[str, Any] | None = None,
        max_active_tasks: int = 16,
        max_active_runs: int = 16,
        max_consecutive_failed_dag_runs: int = 0,
        dagrun_timeout: timedelta | None = None,
        catchup: bool = False,
        on_success_callback: Any = None,
        on_failure_callback: Any = None,
        doc_md: str | None = None,
        params: dict[str, Any] | None = None,
        access_control: Any = None,
        is_paused_upon_creation: bool | None = None,
        jinja_environment_kwargs: dict[str, Any] | None = None,
        render_template_as_native_obj: bool = False,
        tags: Iterable[str] | None = None,
        owner_links: dict[str, str] | None = None,
        auto_register: bool = True,
        fail_fast: bool = False,
        dag_display_name: str | None = None,
        disable_bundle_versioning: bool = False,
        deadline: Any = None,
    ) -> None:
        validate_task_id(dag_id)
        self.dag_id = dag_id
        self.description = description
        self.default_args = dict(default_args or {})
        start_date = start_date or self.default_args.get("start_date")
        end_date = end_date or self.default_args.get("end_date")
        # The start date's zone (``pendulum.datetime(..., tz=...)``) is the DAG's timezone:
        # cron schedules fire at wall-clock times there; all stored dates are UTC.
        self.timezone = timezone_of(start_date)
        self.start_date = as_utc(start_date) if start_date else None
        self.end_date = as_utc(end_date) if end_date else None
        self.schedule = schedule
        self.timetable: Timetable = create_timetable(schedule, self.timezone)
        if isinstance(template_searchpath, str):
            template_searchpath = [template_searchpath]
        self.template_searchpath = list(template_searchpath) if template_searchpath else None
        self.template_undefined = template_undefined
        self.user_defined_macros = user_defined_macros
        self.user_defined_filters = user_defined_filters
        self.max_active_tasks = max_active_tasks
        self.max_active_runs = max_active_runs
        self.max_consecutive_failed_dag_runs = max_consecutive_failed_dag_runs
        self.dagrun_timeout = dagrun_timeout
        self.catchup = catchup
        self.on_success_callback = on_success_callback
        self.on_failure_callback = on_failure_callback
        self.doc_md = doc_md
        self.params = ParamsDict(self.default_args.get("params") or {})
        self.params.update(ParamsDict(params or {}))
        self.access_control = access_control
        self.is_paused_upon_creation = is_paused_upon_creation
        self.jinja_environment_kwargs = jinja_environment_kwargs
        self.render_template_as_native_obj = render_template_as_native_obj
        self.tags = sorted(set(tags or []))
        self.owner_links = owner_links or {}
        self.auto_register = auto_register
        self.fail_fast = fail_fast
        self.dag_display_name = dag_display_name or dag_id
        self.disable_bundle_versioning = disable_bundle_versioning
        self.deadline = deadline
        self.task_dict: dict[str, AbstractOperator] = {}
        self.task_group_dict: dict[str, TaskGroup] = {}
        self.edge_info: dict[str, dict[str, dict[str, str]]] = {}
        self.task_group = TaskGroup(None, dag=self)
        self.fileloc, self.lineno = caller_location()
        self.relative_fileloc = self.fileloc
        self.doc_md = self.get_doc_md(doc_md)

    def get_doc_md(self, doc_md: str | None) -> str | None:
        """``doc_md="README.md"`` is read from the DAG's folder or template search path."""
        if doc_md is None or not doc_md.endswith(".md"):
            return doc_md
        folders = [self.folder] if self.fileloc else []
        for folder in [*folders, *(self.template_searchpath or [])]:
            candidate = Path(folder) / doc_md
            if candidate.is_file():
                return candidate.read_text()
        return doc_md

    # -- context manager ------------------------------------------------------------------------

    def __enter__(self) -> DAG:
        DagContext.push(self)
        return self

    def __exit__(self, *exc: object) -> None:
        DagContext.pop()

    # -- tasks ----------------------------------------------------------------------------------

    def add_task(self, task: AbstractOperator) -> None:
        if task.task_id in self.task_dict and self.task_dict[task.task_id] is not task:
            raise DuplicateTaskIdFound(
                f"Task id '{task.task_id}' has already been added to the DAG"
            )
        if task.task_id in self.task_group_dict:
            raise DuplicateTaskIdFound(
                f"Task id '{task.task_id}' has already been added to the DAG as a task group"
            )
        task.dag = self
        self.task_dict[task.task_id] = task
        group = task.task_group or self.task_group
        task.task_group = group
        group.add(task)

    def add_tasks(self, tasks: Iterable[AbstractOperator]) -> None:
        for task in tasks:
            self.add_task(task)

    def get_task(self, task_id: str) -> AbstractOperator:
        try:
            return self.task_dict[task_id]
        except KeyError:
            raise TaskNotFound(f"Task {task_id} not found") from None

    def has_task(self, task_id: str) -> bool:
        return task_id in self.task_dict

    @property
    def tasks(self) -> list[AbstractOperator]:
        return list(self.task_dict.values())

    @property
    def task_ids(self) -> list[str]:
        return list(self.task_dict)

    @property
    def roots(self) -> list[AbstractOperator]:
        return [t for t in self.task_dict.values() if not t.upstream_task_ids]

    @property
    def leaves(self) -> list[AbstractOperator]:
        return [t for t in self.task_dict.values() if not t.downstream_task_ids]

    @property
    def owner(self) -> str:
        return ", ".join(sorted({str(getattr(t, "owner", "airflow")) for t in self.tasks}))

    @property
    def folder(self) -> str:
        return str(Path(self.fileloc).parent)

    def get_edge_info(self, upstream_task_id: str, downstream_task_id: str) -> dict[str, str]:
        return self.edge_info.get(upstream_task_id, {}).get(downstream_task_id, {})

    def topological_sort(self) -> list[AbstractOperator]:
        """Tasks ordered so that each comes after its upstream tasks; raises on a cycle."""
        self.check_cycle()
        indegree = {tid: len(t.upstream_task_ids) for tid, t in self.task_dict.items()}
        ready = [tid for tid, n in indegree.items() if n == 0]
        ordered: list[AbstractOperator] = []
        while ready:
            tid = ready.pop(0)
            ordered.append(self.task_dict[tid])
            for down in sorted(self.task_dict[tid].downstream_task_ids):
                indegree[down] -= 1
                if indegree[down] == 0:
                    ready.append(down)
        return ordered

    def check_cycle(self) -> None:
        """Raise :class:`AirflowDagCycleException` naming a task on a cycle."""
        visiting, done = set(), set()
        for root in self.task_dict:
            if root in done:
                continue
            stack: list[tuple[str, list[str]]] = [
                (root, sorted(self.task_dict[root].downstream_task_ids))
            ]
            visiting.add(root)
            while stack:
                tid, pending = stack[-1]
                if not pending:
                    visiting.discard(tid)
                    done.add(tid)
                    stack.pop()
                    continue
                nxt = pending.pop()
                if nxt in visiting:
                    raise AirflowDagCycleException(
                        f"Cycle detected in DAG: {self.dag_id}. Faulty task: {nxt}"
                    )
                if nxt not in done and nxt in self.task_dict:
                    visiting.add(nxt)
                    stack.append((nxt, sorted(self.task_dict[nxt].downstream_task_ids)))

    def validate(self) -> None:
        """Checks done when a DAG file is loaded."""
        self.check_cycle()
        for task in self.tasks:
            for other in task.upstream_task_ids | task.downstream_task_ids:
                if other not in self.task_dict:
                    raise TaskNotFound(f"Task {other} (a relative of {task.task_id}) not in DAG")

    # -- running --------------------------------------------------------------------------------

    def get_template_env(self) -> Any:
        from airstream.workflows.templating import template_env

        return template_env(self)

    def test(
        self,
        run_after: datetime | None = None,
        logical_date: datetime | None = None,
        run_conf: dict[str, Any] | None = None,
        conn_file_path: str | None = None,
        variable_file_path: str | None = None,
        **kwargs: Any,
    ) -> Any:
        """Run one DAG run in this process, as ``airstream dags test`` does (logs to stdout).

        ``variable_file_path`` / ``conn_file_path`` name local settings files (json, yaml,
        env) whose variables and connections the run sees, as in Airflow.
        """
        from airstream.workflows.local_settings_files import local_settings

        with local_settings(variable_file_path, conn_file_path):
            return self._test(logical_date or run_after, run_conf)

    def _test(self, logical_date: datetime | None, run_conf: dict[str, Any] | None) -> Any:
        import logging

        from airstream.workflows.dag_test import run_dag_test
        from airstream.workflows.task_runner import TASK_LOGGER, task_log_handler

        logger = logging.getLogger(TASK_LOGGER)
        handler = task_log_handler()
        logger.addHandler(handler)
        previous_level = logger.level
        logger.setLevel(logging.INFO)
        try:
            return run_dag_test(self, logical_date=logical_date, conf=run_conf or {})
        finally:
            logger.removeHandler(handler)
            logger.setLevel(previous_level)

    def __repr__(self) -> str:
        return f"<DAG: {self.dag_id}>"


class DagParam(ResolveMixin):
    """A ``@dag`` function argument: the DAG param of that name, resolved at run time."""

    def __init__(self, dag: DAG, name: str) -> None:
        self.dag = dag
        self.name = name

    def resolve(self, context: Context) -> Any:
        return context["params"][self.name]


def dag(dag_id: Any = "", **dag_kwargs: Any) -> Any:
    """``@dag`` / ``@dag(...)``: calling the decorated function builds the DAG."""
    if callable(dag_id):
        return _dag_factory(dag_id, "", dag_kwargs)
    return lambda f: _dag_factory(f, dag_id, dag_kwargs)


def _dag_factory(
    function: Callable[..., Any], dag_id: str, dag_kwargs: dict[str, Any]
) -> Callable[..., DAG]:
    @functools.wraps(function)
    def factory(*args: Any, **kwargs: Any) -> DAG:
        bound = inspect.signature(function).bind_partial(*args, **kwargs)
        bound.apply_defaults()
        the_dag = DAG(dag_id or function.__name__, **dag_kwargs)
        the_dag.fileloc, the_dag.lineno = caller_location()
        if the_dag.doc_md is None and function.__doc__:
            the_dag.doc_md = inspect.cleandoc(function.__doc__)
        call_args: dict[str, Any] = {}
        for name, value in bound.arguments.items():
            if name not in the_dag.params:
                the_dag.params[name] = value if isinstance(value, Param) else Param(value)
            call_args[name] = DagParam(the_dag, name)
        with the_dag:
            function(**call_args)
        return the_dag

    return factory
