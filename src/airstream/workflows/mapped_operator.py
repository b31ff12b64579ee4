"""Dynamic task mapping: ``Op.partial(...).expand(x=[...])`` makes one task instance per value.

A :class:`MappedOperator` stands in the DAG graph like any task. When its upstream tasks are
done, the runner resolves the expansion (lists, dicts, or XComs of upstream tasks) into one
keyword dict per map index, and :meth:`MappedOperator.unmap` builds the concrete operator for
one index.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from airstream.workflows.baseoperator import (
    UNMAPPING,
    AbstractOperator,
    BaseOperator,
    _accepted_init_args,
    merged_default_args,
)
from airstream.workflows.dag_context import DagContext, TaskGroupContext
from airstream.workflows.exceptions import UnmappableXComTypePushed
from airstream.workflows.trigger_rule import TriggerRule
from airstream.workflows.xcom_arg import XComArg, iter_xcom_args

if TYPE_CHECKING:
    from airstream.workflows.dag import DAG
    from airstream.workflows.task_group import TaskGroup

#: Resolves one XComArg to its value (a list for a mapped upstream).
XComResolver = Callable[[XComArg], Any]


class OperatorPartial:
    """An operator class with some arguments fixed, waiting for ``expand``."""

    def __init__(
        self,
        operator_class: type[BaseOperator],
        kwargs: dict[str, Any],
        dag: DAG | None,
        task_group: TaskGroup | None,
    ) -> None:
        self.operator_class = operator_class
        self.kwargs = kwargs
        self.dag = dag
        self.task_group = task_group

    @classmethod
    def for_class(
        cls, operator_class: type[BaseOperator], kwargs: dict[str, Any]
    ) -> OperatorPartial:
        kwargs = dict(kwargs)
        if "task_id" not in kwargs:
            raise TypeError("partial() missing required argument: 'task_id'")
        dag = kwargs.pop("dag", None) or DagContext.current()
        group = kwargs.pop("task_group", None) or TaskGroupContext.current(dag)
        defaults = merged_default_args(dag, group, kwargs.pop("default_args", None))
        accepted = _accepted_init_args(operator_class)
        for key, value in defaults.items():
            if key in accepted and key not in kwargs:
                kwargs[key] = value
        return cls(operator_class, kwargs, dag, group)

    def expand(self, **mapped_kwargs: Any) -> MappedOperator:
        if not mapped_kwargs:
            raise TypeError("no arguments to expand against")
        clash = set(mapped_kwargs) & set(self.kwargs)
        if clash:
            raise TypeError(f"can't assign {sorted(clash)} both in partial() and expand()")
        return MappedOperator(self, DictOfListsExpandInput(mapped_kwargs))

    def expand_kwargs(self, kwargs: Any, *, strict: bool = True) -> MappedOperator:
        if not isinstance(kwargs, (list, XComArg)):
            raise TypeError(f"expected XComArg or list[dict], not {type(kwargs).__name__}")
        return MappedOperator(self, ListOfDictsExpandInput(kwargs))


class DictOfListsExpandInput:
    """``expand(a=[...], b=[...])``: the cross product, the last argument varying fastest."""

    def __init__(self, value: dict[str, Any]) -> None:
        self.value = value

    def references(self) -> list[XComArg]:
        return list(iter_xcom_args(self.value))

    def resolve(self, resolver: XComResolver) -> list[dict[str, Any]]:
        columns: list[list[Any]] = []
        for name, raw in self.value.items():
            values = resolver(raw) if isinstance(raw, XComArg) else raw
            columns.append(_as_mapped_list(values, name))
        keys = list(self.value)
        return [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*columns)]


class ListOfDictsExpandInput:
    """``expand_kwargs([{...}, {...}])`` or over an XCom holding such a list."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def references(self) -> list[XComArg]:
        return list(iter_xcom_args(self.value))

    def resolve(self, resolver: XComResolver) -> list[dict[str, Any]]:
        raw = resolver(self.value) if isinstance(self.value, XComArg) else self.value
        items: list[dict[str, Any]] = []
        for item in _as_mapped_list(raw, "expand_kwargs"):
            if isinstance(item, XComArg):
                item = resolver(item)
            if not isinstance(item, Mapping):
                raise ValueError(f"expand_kwargs() expects a list of dicts, got {item!r}")
            items.append({k: resolver(v) if isinstance(v, XComArg) else v for k, v in item.items()})
        return items


def _as_mapped_list(values: Any, name: str) -> list[Any]:
    if isinstance(values, Mapping):
        return list(values.items())
    if isinstance(values, Sequence) and not isinstance(values, (str, bytes)):
        return list(values)
    hint = (
        " (no value: did the upstream task run and return one? `tasks test` runs no upstream tasks)"
        if values is None
        else ""
    )
    raise UnmappableXComTypePushed(
        f"Cannot map over {name!r}: expected a list or dict, got {type(values).__name__}{hint}"
    )


class MappedOperator(AbstractOperator):
    """A task expanded at run time into one task instance per mapped value."""

    is_mapped = True

    def __init__(
        self,
        partial: OperatorPartial,
        expand_input: DictOfListsExpandInput | ListOfDictsExpandInput,
    ) -> None:
        self.operator_class = partial.operator_class
        self.partial_kwargs = dict(partial.kwargs)
        self.expand_input = expand_input
        self.template_fields = partial.operator_class.template_fields
        self.template_ext = partial.operator_class.template_ext
        self.upstream_task_ids = set()
        self.downstream_task_ids = set()
        self.is_setup = False
        self.is_teardown = False
        self.on_failure_fail_dagrun = False
        base_kwargs = {
            k: v for k, v in self.partial_kwargs.items() if k in _accepted_init_args(BaseOperator)
        }
        token = UNMAPPING.set(True)
        try:
            # The BaseOperator part of the arguments: retries, trigger rule, callbacks, ...
            self._base = BaseOperator(**base_kwargs)
        finally:
            UNMAPPING.reset(token)
        self.trigger_rule = self._base.trigger_rule
        group = partial.task_group
        self.task_group = group
        self.task_id = (
            group.child_id(partial.kwargs["task_id"]) if group else partial.kwargs["task_id"]
        )
        self.dag = None
        if partial.dag is not None:
            partial.dag.add_task(self)
        for arg in [*expand_input.references(), *iter_xcom_args(self.partial_kwargs)]:
            for op in arg.leaves:
                self.set_upstream(op)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name == "_base":
            raise AttributeError(name)
        return getattr(self._base, name)

    def expand_kwargs_list(self, resolver: XComResolver) -> list[dict[str, Any]]:
        """One keyword dict per map index."""
        return self.expand_input.resolve(resolver)

    def unmap(self, mapped_kwargs: dict[str, Any]) -> BaseOperator:
        """The concrete operator for one map index."""
        merge = getattr(self.operator_class, "merge_mapped_kwargs", None)
        kwargs = (
            merge(self.partial_kwargs, mapped_kwargs)
            if merge
            else {
                **self.partial_kwargs,
                **mapped_kwargs,
            }
        )
        kwargs["task_id"] = self.task_id
        token = UNMAPPING.set(True)
        try:
            op = self.operator_class(**kwargs)
        finally:
            UNMAPPING.reset(token)
        op.dag = self.dag
        op.task_group = self.task_group
        op.upstream_task_ids = self.upstream_task_ids
        op.downstream_task_ids = self.downstream_task_ids
        op.is_setup, op.is_teardown = self.is_setup, self.is_teardown
        op.trigger_rule = self.trigger_rule
        return op

    @property
    def output(self) -> XComArg:
        return XComArg(self)

    @property
    def operator_name(self) -> str:
        return self.operator_class.__name__

    @property
    def task_type(self) -> str:
        return self.operator_class.__name__

    def as_teardown(
        self, *, setups: Any = None, on_failure_fail_dagrun: bool | None = None
    ) -> AbstractOperator:
        super().as_teardown(setups=setups, on_failure_fail_dagrun=on_failure_fail_dagrun)
        self.trigger_rule = TriggerRule.ALL_DONE_SETUP_SUCCESS
        return self
