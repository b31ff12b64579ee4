"""Task groups: ``with TaskGroup("load"):`` prefixes the ids of the tasks inside ("load.x")."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from airstream.workflows.dag_context import DagContext, TaskGroupContext
from airstream.workflows.dependencies import DependencyMixin
from airstream.workflows.exceptions import DuplicateTaskIdFound

if TYPE_CHECKING:
    from airstream.workflows.baseoperator import AbstractOperator
    from airstream.workflows.dag import DAG


class TaskGroup(DependencyMixin):
    """A named group of tasks; ``group >> task`` links the group's leaves to the task."""

    def __init__(
        self,
        group_id: str | None,
        prefix_group_id: bool = True,
        parent_group: TaskGroup | None = None,
        dag: DAG | None = None,
        default_args: dict[str, Any] | None = None,
        tooltip: str = "",
        ui_color: str = "CornflowerBlue",
        ui_fgcolor: str = "#000",
        add_suffix_on_collision: bool = False,
        group_display_name: str = "",
    ) -> None:
        from airstream.workflows.baseoperator import validate_task_id

        self.prefix_group_id = prefix_group_id
        self.default_args = dict(default_args or {})
        self.tooltip = tooltip
        self.ui_color = ui_color
        self.ui_fgcolor = ui_fgcolor
        self.children: dict[str, AbstractOperator | TaskGroup] = {}
        self._group_id = group_id
        if group_id is None:
            self.parent_group: TaskGroup | None = None
            self.dag = dag
            return
        validate_task_id(group_id)
        dag = dag or (parent_group.dag if parent_group else None) or DagContext.current()
        if dag is None:
            raise RuntimeError("TaskGroup can only be used inside a dag")
        self.dag = dag
        self.parent_group = parent_group or TaskGroupContext.current(dag)
        if add_suffix_on_collision:
            self._group_id = self._unique_id(group_id)
        full_id = self.group_id
        if full_id in dag.task_group_dict or (full_id is not None and dag.has_task(full_id)):
            raise DuplicateTaskIdFound(f"group_id '{full_id}' has already been added to the DAG")
        assert full_id is not None and self.parent_group is not None
        dag.task_group_dict[full_id] = self
        self.parent_group.children[full_id] = self
        self.group_display_name = group_display_name or group_id

    def _unique_id(self, base: str) -> str:
        assert self.dag is not None and self.parent_group is not None
        candidate, n = base, 0
        while self.parent_group.child_id(candidate) in self.dag.task_group_dict:
            n += 1
            candidate = f"{base}__{n}"
        return candidate

    @property
    def group_id(self) -> str | None:
        parent = self.parent_group
        if parent is not None and parent.prefix_group_id and parent._group_id:
            return parent.child_id(self._group_id or "")
        return self._group_id

    @property
    def label(self) -> str | None:
        return self._group_id

    @property
    def is_root(self) -> bool:
        return self._group_id is None

    def child_id(self, label: str) -> str:
        if self.prefix_group_id and self.group_id:
            return f"{self.group_id}.{label}"
        return label

    def add(self, task: AbstractOperator) -> None:
        self.children[task.task_id] = task

    def hierarchy(self) -> Iterator[TaskGroup]:
        group: TaskGroup | None = self
        while group is not None:
            yield group
            group = group.parent_group

    def iter_tasks(self) -> Iterator[AbstractOperator]:
        for child in self.children.values():
            if isinstance(child, TaskGroup):
                yield from child.iter_tasks()
            else:
                yield child

    def get_task_ids(self) -> set[str]:
        return {t.task_id for t in self.iter_tasks()}

    @property
    def roots(self) -> list[AbstractOperator]:
        ids = self.get_task_ids()
        return [t for t in self.iter_tasks() if not (t.upstream_task_ids & ids)]

    @property
    def leaves(self) -> list[AbstractOperator]:
        ids = self.get_task_ids()
        tasks = {t.task_id: t for t in self.iter_tasks()}
        leaves: list[AbstractOperator] = []
        for task in tasks.values():
            if task.downstream_task_ids & ids:
                continue
            if task.is_teardown:
                # A teardown is not what work downstream of the group waits for.
                leaves.extend(tasks[u] for u in sorted(task.upstream_task_ids & ids))
            else:
                leaves.append(task)
        return list(dict.fromkeys(leaves))

    def __enter__(self) -> TaskGroup:
        TaskGroupContext.push(self)
        return self

    def __exit__(self, *exc: object) -> None:
        TaskGroupContext.pop()

    def __repr__(self) -> str:
        return f"<TaskGroup: {self.group_id}>"


class TaskGroupDecorator:
    """What ``@task_group`` returns: calling it builds the group and its tasks."""

    def __init__(self, function: Callable[..., Any], group_kwargs: dict[str, Any]) -> None:
        self.function = function
        self.group_kwargs = group_kwargs
        functools.update_wrapper(self, function)

    def override(self, **kwargs: Any) -> TaskGroupDecorator:
        return TaskGroupDecorator(self.function, {**self.group_kwargs, **kwargs})

    def _group_kwargs(self) -> dict[str, Any]:
        group_kwargs = dict(self.group_kwargs)
        group_kwargs.setdefault("group_id", self.function.__name__)
        group_kwargs.setdefault("tooltip", (self.function.__doc__ or "").strip())
        group_kwargs.setdefault("add_suffix_on_collision", True)
        return group_kwargs

    def partial(self, **kwargs: Any) -> TaskGroupPartial:
        return TaskGroupPartial(self, kwargs)

    def expand(self, **mapped: Any) -> Any:
        return self.partial().expand(**mapped)

    def expand_kwargs(self, kwargs: Any) -> Any:
        return self.partial().expand_kwargs(kwargs)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        with TaskGroup(**self._group_kwargs()) as group:
            result = self.function(*args, **kwargs)
        # As in Airflow, a returned task is what later ``>>`` binds to; otherwise the group.
        return result if isinstance(result, DependencyMixin) else group


class TaskGroupPartial:
    """``@task_group`` function with some arguments fixed, waiting for ``expand``."""

    def __init__(self, decorator: TaskGroupDecorator, kwargs: dict[str, Any]) -> None:
        self.decorator = decorator
        self.kwargs = kwargs

    def expand(self, **mapped: Any) -> Any:
        from airstream.workflows.mapped_operator import DictOfListsExpandInput
        from airstream.workflows.mapped_task_group import build_mapped_group

        if not mapped:
            raise TypeError("no arguments to expand against")
        clash = set(mapped) & set(self.kwargs)
        if clash:
            raise TypeError(f"can't assign {sorted(clash)} both in partial() and expand()")
        return build_mapped_group(
            self.decorator.function,
            self.decorator._group_kwargs(),
            self.kwargs,
            DictOfListsExpandInput(mapped),
        )

    def expand_kwargs(self, kwargs: Any) -> Any:
        from airstream.workflows.mapped_operator import ListOfDictsExpandInput
        from airstream.workflows.mapped_task_group import build_mapped_group

        return build_mapped_group(
            self.decorator.function,
            self.decorator._group_kwargs(),
            self.kwargs,
            ListOfDictsExpandInput(kwargs),
        )


def task_group(python_callable: Callable[..., Any] | None = None, **kwargs: Any) -> Any:
    """Decorate a function that creates tasks; each call makes a :class:`TaskGroup`."""
    if python_callable is not None:
        return TaskGroupDecorator(python_callable, kwargs)
    return lambda f: TaskGroupDecorator(f, kwargs)
