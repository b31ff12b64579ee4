"""TaskFlow: ``@task`` turns a Python function into a task; calling it returns an XComArg.

``task.bash``, ``task.branch``, ``task.short_circuit`` and ``task.sensor`` choose another
operator class; the classes live with their operators and are looked up by name when used.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import re
import typing
from collections.abc import Callable, Mapping
from typing import Any

from airstream.workflows.baseoperator import BaseOperator
from airstream.workflows.dag_context import DagContext, TaskGroupContext
from airstream.workflows.mapped_operator import MappedOperator, OperatorPartial
from airstream.workflows.xcom_arg import XComArg

#: ``task.<kind>`` → the decorated operator class implementing it.
DECORATED_OPERATORS: dict[str, str] = {
    "python": "airstream.operators.python:PythonDecoratedOperator",
    "bash": "airstream.operators.bash:BashDecoratedOperator",
    "branch": "airstream.operators.python:BranchPythonDecoratedOperator",
    "short_circuit": "airstream.operators.python:ShortCircuitDecoratedOperator",
    "sensor": "airstream.sensors.python:DecoratedSensorOperator",
    # Accepted so the DAG file loads; these tasks fail with a clear error when run.
    "virtualenv": "airstream.operators.python_environments:VirtualenvDecoratedOperator",
    "external_python": "airstream.operators.python_environments:ExternalPythonDecoratedOperator",
    "branch_virtualenv": (
        "airstream.operators.python_environments:BranchVirtualenvDecoratedOperator"
    ),
    "branch_external_python": (
        "airstream.operators.python_environments:BranchExternalPythonDecoratedOperator"
    ),
}


def _load_class(path: str) -> type[BaseOperator]:
    module, _, name = path.partition(":")
    cls: type[BaseOperator] = getattr(importlib.import_module(module), name)
    return cls


def infer_multiple_outputs(function: Callable[..., Any]) -> bool:
    """A function annotated to return a mapping pushes each key as its own XCom."""
    try:
        hints = typing.get_type_hints(function)
    except Exception:  # unresolvable annotations: do not guess
        return False
    ret = hints.get("return")
    origin = typing.get_origin(ret) or ret
    return isinstance(origin, type) and issubclass(origin, Mapping)


def unique_task_id(task_id: str) -> str:
    """``task_id``, or ``task_id__N`` if the current DAG already has it (calling twice)."""
    dag = DagContext.current()
    group = TaskGroupContext.current(dag)
    full = group.child_id(task_id) if group is not None else task_id
    if dag is None or not dag.has_task(full):
        return task_id
    core = re.split(r"__\d+$", task_id)[0]
    prefix = group.child_id(core) if group is not None else core
    used = [
        int(m.group(1))
        for tid in dag.task_ids
        if (m := re.fullmatch(re.escape(prefix) + r"__(\d+)", tid))
    ]
    return f"{core}__{max(used, default=0) + 1}"


class DecoratedOperator(BaseOperator):
    """Base of operators built by ``@task``: a callable with ``op_args``/``op_kwargs``."""

    custom_operator_name = "@task"

    @staticmethod
    def merge_mapped_kwargs(partial: dict[str, Any], mapped: dict[str, Any]) -> dict[str, Any]:
        merged = dict(partial)
        merged["op_kwargs"] = {**partial.get("op_kwargs", {}), **mapped}
        return merged


class TaskDecorator:
    """A decorated function; each call adds a task to the current DAG."""

    def __init__(
        self,
        function: Callable[..., Any],
        operator_class: type[BaseOperator],
        kwargs: dict[str, Any],
        multiple_outputs: bool | None = None,
    ) -> None:
        self.function = function
        self.operator_class = operator_class
        self.kwargs = kwargs
        self.multiple_outputs = (
            infer_multiple_outputs(function) if multiple_outputs is None else multiple_outputs
        )
        self.is_setup = False
        self.is_teardown = False
        self.on_failure_fail_dagrun = False
        functools.update_wrapper(self, function)

    def _op_kwargs(self, extra: dict[str, Any]) -> dict[str, Any]:
        kwargs = {**self.kwargs, **extra}
        kwargs["task_id"] = unique_task_id(kwargs.get("task_id") or self.function.__name__)
        kwargs.setdefault("multiple_outputs", self.multiple_outputs)
        kwargs["python_callable"] = self.function
        if self.function.__doc__ and "doc_md" not in kwargs:
            kwargs["doc_md"] = inspect.cleandoc(self.function.__doc__)
        return kwargs

    def __call__(self, *args: Any, **kwargs: Any) -> XComArg:
        op = self.operator_class(**self._op_kwargs({}), op_args=args, op_kwargs=kwargs)
        self._apply_role(op)
        return XComArg(op)

    def _apply_role(self, op: Any) -> None:
        if self.is_setup:
            op.as_setup()
        if self.is_teardown:
            op.as_teardown(on_failure_fail_dagrun=self.on_failure_fail_dagrun)

    def override(self, **kwargs: Any) -> TaskDecorator:
        """The same function with other operator arguments (task_id, retries, ...)."""
        multiple = kwargs.pop("multiple_outputs", self.multiple_outputs)
        clone = TaskDecorator(
            self.function, self.operator_class, {**self.kwargs, **kwargs}, multiple
        )
        clone.is_setup, clone.is_teardown = self.is_setup, self.is_teardown
        clone.on_failure_fail_dagrun = self.on_failure_fail_dagrun
        return clone

    def partial(self, **kwargs: Any) -> TaskflowPartial:
        return TaskflowPartial(self, kwargs)

    def expand(self, **mapped: Any) -> XComArg:
        return self.partial().expand(**mapped)

    def expand_kwargs(self, kwargs: Any, *, strict: bool = True) -> XComArg:
        return self.partial().expand_kwargs(kwargs, strict=strict)


class TaskflowPartial:
    """``@task`` function with some arguments fixed, waiting for ``expand``."""

    def __init__(self, decorator: TaskDecorator, op_kwargs: dict[str, Any]) -> None:
        self.decorator = decorator
        self.op_kwargs = op_kwargs

    def _partial(self) -> OperatorPartial:
        kwargs = self.decorator._op_kwargs({})
        kwargs["op_args"] = ()
        kwargs["op_kwargs"] = dict(self.op_kwargs)
        return OperatorPartial.for_class(self.decorator.operator_class, kwargs)

    def _finish(self, mapped: MappedOperator) -> XComArg:
        self.decorator._apply_role(mapped)
        return XComArg(mapped)

    def expand(self, **mapped: Any) -> XComArg:
        return self._finish(self._partial().expand(**mapped))

    def expand_kwargs(self, kwargs: Any, *, strict: bool = True) -> XComArg:
        from airstream.workflows.mapped_operator import ListOfDictsExpandInput

        partial = self._partial()
        # Each dict of the list gives op_kwargs of one mapped instance.
        return self._finish(MappedOperator(partial, ListOfDictsExpandInput(kwargs)))


def _decorator_factory(kind: str) -> Callable[..., Any]:
    def factory(
        python_callable: Callable[..., Any] | None = None,
        multiple_outputs: bool | None = None,
        **kwargs: Any,
    ) -> Any:
        operator_class = _load_class(DECORATED_OPERATORS[kind])

        def wrap(f: Callable[..., Any]) -> TaskDecorator:
            return TaskDecorator(f, operator_class, kwargs, multiple_outputs)

        return wrap(python_callable) if python_callable is not None else wrap

    factory.__name__ = kind
    return factory


class TaskDecoratorCollection:
    """The ``task`` object: ``@task``, ``@task(...)``, ``@task.bash``, ``@task.branch``, ..."""

    def __call__(
        self,
        python_callable: Callable[..., Any] | None = None,
        multiple_outputs: bool | None = None,
        **kwargs: Any,
    ) -> Any:
        return _decorator_factory("python")(python_callable, multiple_outputs, **kwargs)

    def __getattr__(self, kind: str) -> Callable[..., Any]:
        if kind not in DECORATED_OPERATORS:
            raise AttributeError(f"task decorator {kind!r} not found")
        return _decorator_factory(kind)


task = TaskDecoratorCollection()


def setup(func: Any) -> Any:
    """Mark a ``@task`` (or plain function) as a setup task."""
    decorated = func if isinstance(func, TaskDecorator) else task(func)
    decorated.is_setup = True
    return decorated


def teardown(_func: Any = None, *, on_failure_fail_dagrun: bool = False) -> Any:
    """Mark a ``@task`` (or plain function) as a teardown task."""

    def wrap(func: Any) -> TaskDecorator:
        decorated = func if isinstance(func, TaskDecorator) else task(func)
        decorated.is_teardown = True
        decorated.on_failure_fail_dagrun = on_failure_fail_dagrun
        return decorated

    return wrap(_func) if _func is not None else wrap
