"""PythonSensor and ``@task.sensor``: wait until a callable returns true."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from airstream.operators.python import context_kwargs
from airstream.sensors.base import BaseSensorOperator, PokeReturnValue
from airstream.workflows.context import Context
from airstream.workflows.taskflow import DecoratedOperator


class PythonSensor(BaseSensorOperator):
    """Pokes ``python_callable(*op_args, **op_kwargs)`` until it is truthy."""

    template_fields: Sequence[str] = ("templates_dict", "op_args", "op_kwargs")

    def __init__(
        self,
        *,
        python_callable: Callable[..., Any],
        op_args: Sequence[Any] | None = None,
        op_kwargs: Mapping[str, Any] | None = None,
        templates_dict: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.python_callable = python_callable
        self.op_args = list(op_args or [])
        self.op_kwargs = dict(op_kwargs or {})
        self.templates_dict = templates_dict

    def poke(self, context: Context) -> bool | PokeReturnValue:
        context["templates_dict"] = self.templates_dict
        kwargs = context_kwargs(self.python_callable, self.op_args, self.op_kwargs, context)
        context["ti"].log.info("Poking callable: %s", getattr(self.python_callable, "__name__", ""))
        result = self.python_callable(*self.op_args, **kwargs)
        return result if isinstance(result, PokeReturnValue) else PokeReturnValue(bool(result))


class DecoratedSensorOperator(DecoratedOperator, PythonSensor):
    """``@task.sensor``."""

    custom_operator_name = "@task.sensor"

    def __init__(self, *, multiple_outputs: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
