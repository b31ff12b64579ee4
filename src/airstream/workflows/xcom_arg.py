"""XComArg: a task's future output, passed to other tasks and resolved when they run."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from airstream.workflows.dependencies import DependencyMixin

if TYPE_CHECKING:
    from airstream.workflows.baseoperator import AbstractOperator
    from airstream.workflows.context import Context

XCOM_RETURN_KEY = "return_value"


class ResolveMixin:
    """A value only known at run time: resolved against the running task's context."""

    def resolve(self, context: Context) -> Any:
        raise NotImplementedError


class XComArg(ResolveMixin, DependencyMixin):
    """The XCom ``key`` (default ``return_value``) that ``operator`` pushes."""

    def __init__(self, operator: AbstractOperator, key: str = XCOM_RETURN_KEY) -> None:
        self.operator = operator
        self.key = key

    @property
    def roots(self) -> list[AbstractOperator]:
        return [self.operator]

    @property
    def leaves(self) -> list[AbstractOperator]:
        return [self.operator]

    def __getitem__(self, key: str) -> XComArg:
        return XComArg(self.operator, key)

    def __iter__(self) -> Iterator[Any]:
        raise TypeError("'XComArg' object is not iterable")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, XComArg):
            return NotImplemented
        return self.operator is other.operator and self.key == other.key

    def __hash__(self) -> int:
        return hash((id(self.operator), self.key))

    def __str__(self) -> str:
        """As in Airflow: a template that pulls this XCom, for use inside strings."""
        return (
            f"{{{{ task_instance.xcom_pull(task_ids='{self.operator.task_id}', "
            f"dag_id='{self.operator.dag.dag_id if self.operator.dag else ''}', "
            f"key='{self.key}') }}}}"
        )

    def resolve(self, context: Context) -> Any:
        ti = context["ti"]
        return ti.xcom_pull(task_ids=self.operator.task_id, key=self.key)

    def map(self, f: Callable[[Any], Any]) -> MapXComArg:
        return MapXComArg(self, [f])

    def zip(self, *others: XComArg, fillvalue: Any = None) -> ZipXComArg:
        return ZipXComArg([self, *others], fillvalue)

    def as_setup(self) -> XComArg:
        self.operator.as_setup()
        return self

    def as_teardown(
        self, *, setups: Any = None, on_failure_fail_dagrun: bool | None = None
    ) -> XComArg:
        self.operator.as_teardown(setups=setups, on_failure_fail_dagrun=on_failure_fail_dagrun)
        return self

    def iter_references(self) -> Iterator[XComArg]:
        yield self


class MapXComArg(XComArg):
    """``xcomarg.map(f)``: each element of the upstream's list passed through ``f``."""

    def __init__(self, arg: XComArg, callables: list[Callable[[Any], Any]]) -> None:
        super().__init__(arg.operator, arg.key)
        self.arg = arg
        self.callables = callables

    def map(self, f: Callable[[Any], Any]) -> MapXComArg:
        return MapXComArg(self.arg, [*self.callables, f])

    def resolve(self, context: Context) -> Any:
        values = self.arg.resolve(context)
        items = values.items() if isinstance(values, dict) else values
        out = []
        for item in items:
            for f in self.callables:
                item = f(item)
            out.append(item)
        return out


class ZipXComArg(XComArg):
    """``a.zip(b)``: tuples of the elements of several upstream lists."""

    def __init__(self, args: list[XComArg], fillvalue: Any) -> None:
        super().__init__(args[0].operator, args[0].key)
        self.args = args
        self.fillvalue = fillvalue

    @property
    def roots(self) -> list[AbstractOperator]:
        return [a.operator for a in self.args]

    @property
    def leaves(self) -> list[AbstractOperator]:
        return [a.operator for a in self.args]

    def resolve(self, context: Context) -> Any:
        import itertools

        values = [a.resolve(context) for a in self.args]
        return list(itertools.zip_longest(*values, fillvalue=self.fillvalue))

    def iter_references(self) -> Iterator[XComArg]:
        for arg in self.args:
            yield from arg.iter_references()


def iter_xcom_args(value: Any, _seen: set[int] | None = None) -> Iterator[XComArg]:
    """Every XComArg inside ``value`` (nested in lists, tuples, sets and dicts)."""
    seen = _seen if _seen is not None else set()
    if id(value) in seen:
        return
    if isinstance(value, XComArg):
        yield value
    elif isinstance(value, (list, tuple, set, frozenset)):
        seen.add(id(value))
        for item in value:
            yield from iter_xcom_args(item, seen)
    elif isinstance(value, dict):
        seen.add(id(value))
        for item in value.values():
            yield from iter_xcom_args(item, seen)


def resolve_value(value: Any, context: Context) -> Any:
    """``value`` with every run-time reference (XComArg, DagParam) inside it resolved."""
    if isinstance(value, ResolveMixin):
        return value.resolve(context)
    if isinstance(value, list):
        return [resolve_value(v, context) for v in value]
    if isinstance(value, tuple):
        return tuple(resolve_value(v, context) for v in value)
    if isinstance(value, dict):
        return {k: resolve_value(v, context) for k, v in value.items()}
    return value
