"""PythonOperator and its branching / short-circuit forms, plus their ``@task`` variants."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable, Collection, Generator, Iterable, Mapping, Sequence
from typing import Any

from airstream.operators.branch import SkipMixin, branch_skips
from airstream.workflows.asset_events import Metadata, record_metadata
from airstream.workflows.baseoperator import BaseOperator
from airstream.workflows.context import Context, get_current_context
from airstream.workflows.exceptions import AirflowException
from airstream.workflows.taskflow import DecoratedOperator

__all__ = [
    "BranchPythonOperator",
    "PythonOperator",
    "ShortCircuitOperator",
    "get_current_context",
]


def context_kwargs(
    python_callable: Callable[..., Any],
    op_args: Sequence[Any],
    op_kwargs: Mapping[str, Any],
    context: Mapping[str, Any],
) -> dict[str, Any]:
    """Keyword arguments for the callable: ``op_kwargs`` plus the context keys it names.

    A callable with ``**kwargs`` gets the whole context, as in Airflow.
    """
    signature = inspect.signature(python_callable)
    merged = {**context, **op_kwargs}
    if any(p.kind == p.VAR_KEYWORD for p in signature.parameters.values()):
        return merged
    params = list(signature.parameters.values())
    positional_taken = {
        p.name
        for p in params[: len(op_args)]
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    }
    return {
        p.name: merged[p.name]
        for p in params
        if p.name in merged
        and p.name not in positional_taken
        and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
    }


class PythonOperator(BaseOperator):
    """Calls ``python_callable(*op_args, **op_kwargs)``; context keys are passed by name."""

    template_fields: Sequence[str] = ("templates_dict", "op_args", "op_kwargs")
    template_fields_renderers = {"templates_dict": "json", "op_args": "py", "op_kwargs": "py"}
    ui_color = "#ffefeb"

    def __init__(
        self,
        *,
        python_callable: Callable[..., Any],
        op_args: Collection[Any] | None = None,
        op_kwargs: Mapping[str, Any] | None = None,
        templates_dict: dict[str, Any] | None = None,
        templates_exts: Sequence[str] | None = None,
        show_return_value_in_logs: bool = True,
        **kwargs: Any,
    ) -> None:
        if not callable(python_callable):
            raise AirflowException("`python_callable` param must be callable")
        super().__init__(**kwargs)
        self.python_callable = python_callable
        self.op_args = list(op_args or [])
        self.op_kwargs = dict(op_kwargs or {})
        self.templates_dict = templates_dict
        if templates_exts:
            self.template_ext = templates_exts
        self.show_return_value_in_logs = show_return_value_in_logs

    def execute(self, context: Context) -> Any:
        context["templates_dict"] = self.templates_dict
        result = self.execute_callable(context)
        if self.show_return_value_in_logs:
            context["ti"].log.info("Done. Returned value was: %s", result)
        else:
            context["ti"].log.info("Done. Returned value not shown")
        return result

    def execute_callable(self, context: Context) -> Any:
        kwargs = context_kwargs(self.python_callable, self.op_args, self.op_kwargs, context)
        result = self.python_callable(*self.op_args, **kwargs)
        if inspect.isgeneratorfunction(self.python_callable):
            return self._drain(result, context)
        if inspect.iscoroutine(result):
            # ``async def`` callables (Airflow 3.1+) run to completion in this attempt.
            return asyncio.run(result)
        return result

    def _drain(self, generator: Generator[Any, None, Any], context: Context) -> Any:
        """A generator callable yields ``Metadata`` for its outlets; its return is the XCom."""
        while True:
            try:
                item = next(generator)
            except StopIteration as stop:
                return stop.value
            if isinstance(item, Metadata):
                record_metadata(context["outlet_events"], item)
            else:
                context["ti"].log.warning("Ignoring unknown data of %r from task", type(item))


class BranchPythonOperator(SkipMixin, PythonOperator):
    """The callable returns the task id(s) to follow; other direct downstream tasks skip."""

    inherits_from_skipmixin = True

    def execute(self, context: Context) -> Any:
        branch = super().execute(context)
        return self.do_branch(context, branch)

    def do_branch(self, context: Context, branch: str | Iterable[str] | None) -> Any:
        skips = branch_skips(context["task"], branch)
        if skips:
            context["ti"].log.info("Branch into %s; skipping %s", branch, skips)
        context["ti"].skip_tasks(skips)
        return branch


class ShortCircuitOperator(PythonOperator):
    """A falsy return value skips the downstream tasks."""

    inherits_from_skipmixin = True

    def __init__(self, *, ignore_downstream_trigger_rules: bool = True, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.ignore_downstream_trigger_rules = ignore_downstream_trigger_rules

    def execute(self, context: Context) -> Any:
        condition = super().execute(context)
        ti = context["ti"]
        if condition:
            ti.log.info("Proceeding with downstream tasks...")
            return condition
        task = context["task"]
        if self.ignore_downstream_trigger_rules:
            to_skip = task.get_flat_relative_ids(upstream=False)
        else:
            to_skip = set(task.downstream_task_ids)
        ti.log.info("Skipping downstream tasks: %s", sorted(to_skip))
        ti.skip_tasks(sorted(to_skip))
        return condition


class PythonDecoratedOperator(DecoratedOperator, PythonOperator):
    """``@task``."""


class BranchPythonDecoratedOperator(DecoratedOperator, BranchPythonOperator):
    """``@task.branch``."""

    custom_operator_name = "@task.branch"


class ShortCircuitDecoratedOperator(DecoratedOperator, ShortCircuitOperator):
    """``@task.short_circuit``."""

    custom_operator_name = "@task.short_circuit"
