"""BaseOperator: one task of a DAG, with Airflow's constructor arguments and semantics.

Subclasses override :meth:`BaseOperator.execute`. Every subclass ``__init__`` is wrapped so
that ``default_args`` of the DAG (and of enclosing task groups) fill in any argument the
caller left out, as Airflow's ``apply_defaults`` does.
"""

from __future__ import annotations

import contextvars
import functools
import inspect
import re
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from airstream.workflows.dag_context import DagContext, TaskGroupContext
from airstream.workflows.dependencies import DependencyMixin
from airstream.workflows.exceptions import AirflowException
from airstream.workflows.params import ParamsDict
from airstream.workflows.trigger_rule import TriggerRule

if TYPE_CHECKING:
    from airstream.workflows.context import Context
    from airstream.workflows.dag import DAG
    from airstream.workflows.mapped_operator import OperatorPartial
    from airstream.workflows.task_group import TaskGroup
    from airstream.workflows.xcom_arg import XComArg

F = TypeVar("F", bound=Callable[..., Any])
Callback = Callable[..., Any] | list[Callable[..., Any]] | None

_TASK_ID_RE = re.compile(r"^[\w.-]+$")
DEFAULT_RETRY_DELAY = timedelta(seconds=300)
#: Set while a mapped operator builds the concrete operator for one map index.
UNMAPPING: contextvars.ContextVar[bool] = contextvars.ContextVar("unmapping", default=False)


def validate_task_id(task_id: str) -> None:
    if not isinstance(task_id, str) or not _TASK_ID_RE.match(task_id) or len(task_id) > 250:
        raise ValueError(
            f"The key {task_id!r} has to be made of alphanumeric characters, dashes, dots and "
            "underscores exclusively (at most 250 characters)"
        )


def coerce_timedelta(value: Any, name: str) -> timedelta | None:
    """Airflow accepts a number of seconds wherever it takes a timedelta."""
    if value is None or isinstance(value, timedelta):
        return value
    if isinstance(value, (int, float)):
        return timedelta(seconds=value)
    raise TypeError(f"{name} must be a timedelta or a number of seconds, got {value!r}")


class AbstractOperator(DependencyMixin):
    """What both a plain and a mapped operator are in the DAG graph."""

    task_id: str
    dag: DAG | None
    task_group: TaskGroup | None
    upstream_task_ids: set[str]
    downstream_task_ids: set[str]
    trigger_rule: TriggerRule
    retries: int
    retry_delay: timedelta
    retry_exponential_backoff: bool | float
    max_retry_delay: timedelta | None
    execution_timeout: timedelta | None
    depends_on_past: bool
    wait_for_downstream: bool
    is_setup: bool = False
    is_teardown: bool = False
    on_failure_fail_dagrun: bool = False
    is_mapped: ClassVar[bool] = False
    template_fields: Sequence[str] = ()
    template_ext: Sequence[str] = ()
    template_fields_renderers: ClassVar[dict[str, str]] = {}
    ui_color: str = "#fff"
    ui_fgcolor: str = "#000"

    @property
    def roots(self) -> list[AbstractOperator]:
        return [self]

    @property
    def leaves(self) -> list[AbstractOperator]:
        return [self]

    @property
    def label(self) -> str:
        """The task id without the task-group prefix."""
        group = self.task_group
        if group is not None and group.group_id and self.task_id.startswith(group.group_id + "."):
            return self.task_id[len(group.group_id) + 1 :]
        return self.task_id

    @property
    def upstream_list(self) -> list[AbstractOperator]:
        return [self._dag_or_fail().get_task(t) for t in sorted(self.upstream_task_ids)]

    @property
    def downstream_list(self) -> list[AbstractOperator]:
        return [self._dag_or_fail().get_task(t) for t in sorted(self.downstream_task_ids)]

    def _dag_or_fail(self) -> DAG:
        if self.dag is None:
            raise AirflowException(f"Operator {self.task_id} has not been assigned to a DAG yet")
        return self.dag

    def get_flat_relative_ids(self, *, upstream: bool = False) -> set[str]:
        """Ids of every task reachable upstream (or downstream) of this one."""
        dag = self._dag_or_fail()
        found: set[str] = set()
        todo = [self.task_id]
        while todo:
            task = dag.get_task(todo.pop())
            ids = task.upstream_task_ids if upstream else task.downstream_task_ids
            for tid in ids - found:
                found.add(tid)
                todo.append(tid)
        return found

    def get_direct_relative_ids(self, upstream: bool = False) -> set[str]:
        return set(self.upstream_task_ids if upstream else self.downstream_task_ids)

    def as_setup(self) -> AbstractOperator:
        self.is_setup = True
        self.trigger_rule = TriggerRule.ALL_SUCCESS
        return self

    def as_teardown(
        self, *, setups: Any = None, on_failure_fail_dagrun: bool | None = None
    ) -> AbstractOperator:
        self.is_teardown = True
        self.trigger_rule = TriggerRule.ALL_DONE_SETUP_SUCCESS
        if on_failure_fail_dagrun is not None:
            self.on_failure_fail_dagrun = on_failure_fail_dagrun
        if setups is not None:
            for setup in setups if isinstance(setups, (list, tuple)) else [setups]:
                for op in setup.leaves:
                    op.as_setup()
                setup.set_downstream(self)
        return self

    def __repr__(self) -> str:
        return f"<Task({type(self).__name__}): {self.task_id}>"


def _accepted_init_args(cls: type) -> frozenset[str]:
    names: set[str] = set()
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is None or klass is object:
            continue
        sig = inspect.signature(getattr(init, "__wrapped__", init))
        names.update(
            p.name
            for p in sig.parameters.values()
            if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
        )
    names.discard("self")
    return frozenset(names)


def merged_default_args(dag: DAG | None, group: TaskGroup | None, own: Any) -> dict[str, Any]:
    merged: dict[str, Any] = dict(dag.default_args) if dag is not None else {}
    for g in reversed(list(group.hierarchy()) if group is not None else []):
        merged.update(g.default_args)
    merged.update(own or {})
    return merged


def apply_defaults(init: F) -> F:
    """Fill arguments the caller left out from the DAG's and task groups' ``default_args``."""

    @functools.wraps(init)
    def wrapper(self: BaseOperator, *args: Any, **kwargs: Any) -> None:
        if self.__dict__.get("_in_init"):
            init(self, *args, **kwargs)
            return
        self.__dict__["_in_init"] = True
        try:
            dag = kwargs.get("dag") or DagContext.current()
            group = kwargs.get("task_group") or TaskGroupContext.current(dag)
            defaults = merged_default_args(dag, group, kwargs.pop("default_args", None))
            accepted = _accepted_init_args(type(self))
            for key, value in defaults.items():
                if key in accepted and key not in kwargs:
                    kwargs[key] = value
            init(self, *args, **kwargs)
        finally:
            self.__dict__["_in_init"] = False
        self.post_init()

    wrapper.__dict__["_defaults_applied"] = True
    return wrapper  # type: ignore[return-value]


class BaseOperator(AbstractOperator):
    """Base of every operator: the arguments Airflow's BaseOperator takes, and ``execute``."""

    shallow_copy_attrs: Sequence[str] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        init = cls.__dict__.get("__init__")
        if init is not None and not getattr(init, "_defaults_applied", False):
            cls.__init__ = apply_defaults(init)  # type: ignore[method-assign]

    @apply_defaults
    def __init__(
        self,
        *,
        task_id: str,
        owner: str = "airflow",
        email: str | Sequence[str] | None = None,
        email_on_retry: bool = True,
        email_on_failure: bool = True,
        retries: int | None = 0,
        retry_delay: timedelta | float = DEFAULT_RETRY_DELAY,
        retry_exponential_backoff: bool | float = False,
        max_retry_delay: timedelta | float | None = None,
        start_date: datetime | None = None,
        end_date: datetime | None = None,
        depends_on_past: bool = False,
        ignore_first_depends_on_past: bool = True,
        wait_for_past_depends_before_skipping: bool = False,
        wait_for_downstream: bool = False,
        dag: DAG | None = None,
        params: dict[str, Any] | None = None,
        priority_weight: int = 1,
        weight_rule: str = "downstream",
        queue: str = "default",
        pool: str | None = None,
        pool_slots: int = 1,
        execution_timeout: timedelta | float | None = None,
        on_execute_callback: Callback = None,
        on_failure_callback: Callback = None,
        on_success_callback: Callback = None,
        on_retry_callback: Callback = None,
        on_skipped_callback: Callback = None,
        pre_execute: Callable[..., Any] | None = None,
        post_execute: Callable[..., Any] | None = None,
        trigger_rule: str = TriggerRule.ALL_SUCCESS,
        resources: dict[str, Any] | None = None,
        run_as_user: str | None = None,
        map_index_template: str | None = None,
        max_active_tis_per_dag: int | None = None,
        max_active_tis_per_dagrun: int | None = None,
        executor: str | None = None,
        executor_config: dict[str, Any] | None = None,
        do_xcom_push: bool = True,
        multiple_outputs: bool = False,
        inlets: Any = None,
        outlets: Any = None,
        task_group: TaskGroup | None = None,
        doc: str | None = None,
        doc_md: str | None = None,
        doc_json: str | None = None,
        doc_yaml: str | None = None,
        doc_rst: str | None = None,
        task_display_name: str | None = None,
        logger_name: str | None = None,
        allow_nested_operators: bool = True,
        **kwargs: Any,
    ) -> None:
        if kwargs:
            raise AirflowException(
                f"Invalid arguments were passed to {type(self).__name__} (task_id: {task_id}). "
                f"Invalid arguments were:\n**kwargs: {kwargs}"
            )
        validate_task_id(task_id)
        if not TriggerRule.is_valid(str(trigger_rule)):
            raise AirflowException(
                f"The trigger_rule must be one of {sorted(TriggerRule.all_triggers())}, "
                f"'{dag.dag_id if dag else ''}.{task_id}'; received '{trigger_rule}'."
            )
        self.owner = owner
        self.email = email
        self.email_on_retry = email_on_retry
        self.email_on_failure = email_on_failure
        self.retries = int(retries or 0)
        self.retry_delay = coerce_timedelta(retry_delay, "retry_delay") or timedelta(0)
        self.retry_exponential_backoff = retry_exponential_backoff
        self.max_retry_delay = coerce_timedelta(max_retry_delay, "max_retry_delay")
        self.start_date = start_date
        self.end_date = end_date
        self.depends_on_past = depends_on_past or wait_for_downstream
        self.ignore_first_depends_on_past = ignore_first_depends_on_past
        self.wait_for_past_depends_before_skipping = wait_for_past_depends_before_skipping
        self.wait_for_downstream = wait_for_downstream
        self.params = ParamsDict(params or {})
        self.priority_weight = priority_weight
        self.weight_rule = weight_rule
        self.queue = queue
        self.pool = pool or "default_pool"
        self.pool_slots = pool_slots
        self.execution_timeout = coerce_timedelta(execution_timeout, "execution_timeout")
        self.on_execute_callback = on_execute_callback
        self.on_failure_callback = on_failure_callback
        self.on_success_callback = on_success_callback
        self.on_retry_callback = on_retry_callback
        self.on_skipped_callback = on_skipped_callback
        self._pre_execute_hook = pre_execute
        self._post_execute_hook = post_execute
        self.trigger_rule = TriggerRule(str(trigger_rule))
        self.resources = resources
        self.run_as_user = run_as_user
        self.map_index_template = map_index_template
        self.max_active_tis_per_dag = max_active_tis_per_dag
        self.max_active_tis_per_dagrun = max_active_tis_per_dagrun
        self.executor = executor
        self.executor_config = executor_config or {}
        self.do_xcom_push = do_xcom_push
        self.multiple_outputs = multiple_outputs
        self.inlets = list(inlets) if isinstance(inlets, list) else ([inlets] if inlets else [])
        self.outlets = (
            list(outlets) if isinstance(outlets, list) else ([outlets] if outlets else [])
        )
        self.doc = doc
        self.doc_md = doc_md
        self.doc_json = doc_json
        self.doc_yaml = doc_yaml
        self.doc_rst = doc_rst
        self.task_display_name = task_display_name or task_id
        self.logger_name = logger_name
        self.allow_nested_operators = allow_nested_operators
        self.upstream_task_ids = set()
        self.downstream_task_ids = set()
        self.is_setup = False
        self.is_teardown = False
        self.on_failure_fail_dagrun = False
        self._attach(task_id, dag, task_group)

    def _attach(self, task_id: str, dag: DAG | None, task_group: TaskGroup | None) -> None:
        """Join the enclosing DAG and task group; the group prefixes the task id."""
        if UNMAPPING.get():
            self.task_id = task_id
            self.dag = dag
            self.task_group = task_group
            return
        dag = dag or DagContext.current()
        group = task_group or TaskGroupContext.current(dag)
        self.task_group = group
        self.task_id = group.child_id(task_id) if group is not None else task_id
        self.dag = None
        if dag is not None:
            dag.add_task(self)

    def post_init(self) -> None:
        """After the constructor: XComArgs found in templated fields become upstream edges."""
        if UNMAPPING.get():
            return
        from airstream.workflows.xcom_arg import iter_xcom_args

        for name in self.template_fields:
            for arg in iter_xcom_args(getattr(self, name, None)):
                for op in arg.leaves:
                    if op is not self:
                        self.set_upstream(op)

    # -- execution ------------------------------------------------------------------------------

    def execute(self, context: Context) -> Any:
        """Do the task's work; the return value becomes the ``return_value`` XCom."""
        raise NotImplementedError(f"{type(self).__name__} must implement execute()")

    def pre_execute(self, context: Context) -> None:
        if self._pre_execute_hook is not None:
            self._pre_execute_hook(context)

    def post_execute(self, context: Context, result: Any = None) -> None:
        if self._post_execute_hook is not None:
            self._post_execute_hook(context, result)

    @staticmethod
    def xcom_push(context: Context, key: str, value: Any) -> None:
        """Push an XCom from inside ``execute`` (same as ``context["ti"].xcom_push``)."""
        context["ti"].xcom_push(key=key, value=value)

    @staticmethod
    def xcom_pull(context: Context, task_ids: Any = None, **kwargs: Any) -> Any:
        """Pull an XCom from inside ``execute`` (same as ``context["ti"].xcom_pull``)."""
        return context["ti"].xcom_pull(task_ids=task_ids, **kwargs)

    def on_kill(self) -> None:
        """Called when the task is stopped from outside (timeout); clean up child processes."""

    def render_template_fields(self, context: Context, jinja_env: Any = None) -> None:
        """Render every attribute named in ``template_fields`` in place."""
        from airstream.workflows.templating import render_operator_fields

        render_operator_fields(self, context, jinja_env)

    def render_template(self, content: Any, context: Context, jinja_env: Any = None) -> Any:
        from airstream.workflows.templating import render_value

        return render_value(self, content, context, jinja_env)

    def prepare_for_execution(self) -> BaseOperator:
        """The copy of this operator one task attempt renders and runs."""
        import copy

        clone = copy.copy(self)
        for name in self.template_fields:
            if hasattr(self, name):
                setattr(clone, name, copy.deepcopy(getattr(self, name), memo={}))
        return clone

    def get_template_env(self, dag: DAG | None = None) -> Any:
        from airstream.workflows.templating import template_env

        return template_env(dag or self.dag)

    # -- authoring helpers ----------------------------------------------------------------------

    @property
    def output(self) -> XComArg:
        """The return value of this task, to pass to another task."""
        from airstream.workflows.xcom_arg import XComArg

        return XComArg(self)

    @classmethod
    def partial(cls, **kwargs: Any) -> OperatorPartial:
        """Fix some arguments now; ``.expand(...)`` maps the others over lists or XComs."""
        from airstream.workflows.mapped_operator import OperatorPartial

        return OperatorPartial.for_class(cls, kwargs)

    def iter_mapped_dependants(self) -> Iterator[AbstractOperator]:
        return iter(())

    @property
    def inherits_from_empty_operator(self) -> bool:
        return False

    def has_dag(self) -> bool:
        return self.dag is not None

    @property
    def dag_id(self) -> str:
        return self.dag.dag_id if self.dag is not None else f"adhoc_{self.owner}"

    @property
    def operator_name(self) -> str:
        return type(self).__name__

    @property
    def task_type(self) -> str:
        return type(self).__name__

    def get_dag(self) -> DAG | None:
        return self.dag

    def __deepcopy__(self, memo: dict[int, Any]) -> BaseOperator:
        import copy

        clone = copy.copy(self)
        memo[id(self)] = clone
        return clone
