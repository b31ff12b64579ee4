"""Mapping over a task group: ``@task_group`` ``.expand(x=[...])`` runs its tasks once per value.

Every task in a :class:`MappedTaskGroup` gets one task instance per mapped value. Instance
``i`` of a task waits only for instance ``i`` of the tasks before it in the same group, pulls
their XComs for index ``i``, and sees the group's ``i``-th arguments through
:class:`MappedArgument`; tasks after the group wait for all instances, as in Airflow.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from airstream.workflows.exceptions import AirflowException
from airstream.workflows.task_group import TaskGroup
from airstream.workflows.xcom_arg import ResolveMixin, XComArg

if TYPE_CHECKING:
    from airstream.workflows.baseoperator import AbstractOperator
    from airstream.workflows.context import Context
    from airstream.workflows.mapped_operator import (
        DictOfListsExpandInput,
        ListOfDictsExpandInput,
        XComResolver,
    )


class MappedTaskGroup(TaskGroup):
    """A task group expanded at run time, one copy of its tasks per mapped value."""

    def __init__(
        self, expand_input: DictOfListsExpandInput | ListOfDictsExpandInput, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.expand_input = expand_input

    def mark_tasks(self) -> None:
        """Make every task inside (nested groups included) one instance per mapped value."""
        for task in self.iter_tasks():
            if isinstance(task.task_group, MappedTaskGroup) and task.task_group is not self:
                continue
            if task.is_mapped:
                raise AirflowException(
                    f"Task {task.task_id!r}: mapping a task inside a mapped task group is not "
                    "supported by airstream yet"
                )
            setattr(task, "is_mapped", True)  # noqa: B010 - a ClassVar on the class
            setattr(task, "expand_kwargs_list", self.expand_kwargs_list)  # noqa: B010

    def expand_kwargs_list(self, resolver: XComResolver) -> list[dict[str, Any]]:
        """One (empty) keyword dict per map index: the tasks read values via arguments."""
        return [{} for _ in self.expand_input.resolve(resolver)]

    def mapped_values(self, context: Context) -> dict[str, Any]:
        """The group's arguments for the running task instance's map index."""
        values = self.expand_input.resolve(lambda arg: arg.resolve(context))
        index = context["ti"].map_index
        if not 0 <= index < len(values):
            raise AirflowException(
                f"Task group {self.group_id!r} is mapped into {len(values)} copies: map index "
                f"{index} does not exist (pass one of 0..{len(values) - 1}, e.g. "
                "`tasks test --map-index 0`)"
            )
        chosen: dict[str, Any] = values[index]
        return chosen


class MappedArgument(ResolveMixin):
    """An argument of a mapped task group's function: its value for this map index."""

    def __init__(self, group: MappedTaskGroup, name: str) -> None:
        self.group = group
        self.name = name

    def resolve(self, context: Context) -> Any:
        values = self.group.mapped_values(context)
        if self.name not in values:
            raise AirflowException(
                f"Task group {self.group.group_id!r} got no value for argument {self.name!r}"
            )
        return values[self.name]

    def __repr__(self) -> str:
        return f"MappedArgument({self.group.group_id!r}, {self.name!r})"


def mapped_group_of(task: AbstractOperator) -> MappedTaskGroup | None:
    """The innermost mapped task group ``task`` is in, if any."""
    group = task.task_group
    while group is not None:
        if isinstance(group, MappedTaskGroup):
            return group
        group = group.parent_group
    return None


def same_mapped_group(a: AbstractOperator, b: AbstractOperator) -> bool:
    group = mapped_group_of(a)
    return group is not None and group is mapped_group_of(b)


def build_mapped_group(
    function: Callable[..., Any],
    group_kwargs: dict[str, Any],
    partial_kwargs: dict[str, Any],
    expand_input: DictOfListsExpandInput | ListOfDictsExpandInput,
) -> Any:
    """Call ``function`` inside a new mapped group; mapped arguments become placeholders."""
    from airstream.workflows.mapped_operator import DictOfListsExpandInput
    from airstream.workflows.xcom_arg import iter_xcom_args

    if isinstance(expand_input, DictOfListsExpandInput):
        names = list(expand_input.value)
    else:
        names = [n for n in inspect.signature(function).parameters if n not in partial_kwargs]
    group = MappedTaskGroup(expand_input, **group_kwargs)
    with group:
        arguments = {**partial_kwargs, **{n: MappedArgument(group, n) for n in names}}
        result = function(**arguments)
    group.mark_tasks()
    # The XComs mapped over must exist before any copy of the group starts.
    references: list[XComArg] = list(expand_input.references())
    references += list(iter_xcom_args(partial_kwargs))
    for root in group.roots:
        for arg in references:
            root.set_upstream(arg.operator)
    from airstream.workflows.dependencies import DependencyMixin

    return result if isinstance(result, DependencyMixin) else group
