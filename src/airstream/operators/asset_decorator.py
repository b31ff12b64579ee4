"""``@asset``: a function that materializes an asset becomes a one-task DAG named after it.

As in Airflow 3, the decorated name is the asset (usable in other DAGs' schedules); the DAG
runs the function with ``self`` (the asset), ``context`` and, for any other parameter, the
asset of that name as an inlet. ``@asset.multi(outlets=[...])`` materializes several.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from airstream.operators.python import PythonOperator
from airstream.workflows.assets import Asset
from airstream.workflows.dag import DAG
from airstream.workflows.dag_context import DagContext


def _inlet_names(function: Callable[..., Any]) -> list[str]:
    params = inspect.signature(function).parameters
    return [name for name in params if name not in ("self", "context")]


def _materializer(
    function: Callable[..., Any], owner: Asset | None, inlets: dict[str, Asset]
) -> Callable[..., Any]:
    params = inspect.signature(function).parameters

    def materialize(**context: Any) -> Any:
        kwargs: dict[str, Any] = {}
        for name in params:
            if name == "self":
                kwargs[name] = owner
            elif name == "context":
                kwargs[name] = context
            else:
                kwargs[name] = inlets[name]
        return function(**kwargs)

    return materialize


def _build_dag(
    function: Callable[..., Any],
    dag_id: str,
    outlets: list[Asset],
    owner: Asset | None,
    dag_kwargs: dict[str, Any],
) -> DAG:
    inlets = {name: Asset(name=name) for name in _inlet_names(function)}
    dag_kwargs.setdefault("doc_md", inspect.getdoc(function))
    the_dag = DAG(dag_id, **dag_kwargs)
    DagContext.push(the_dag)
    try:
        PythonOperator(
            task_id=dag_id,
            python_callable=_materializer(function, owner, inlets),
            outlets=outlets,
            inlets=list(inlets.values()),
        )
    finally:
        DagContext.pop()  # registers the DAG for the file being loaded
    return the_dag


class _AssetDecorator:
    """``@asset(schedule=..., uri=..., ...)`` and ``@asset.multi(outlets=[...], ...)``."""

    def __call__(
        self,
        *,
        schedule: Any,
        uri: str | None = None,
        name: str | None = None,
        group: str = "asset",
        extra: dict[str, Any] | None = None,
        watchers: Any = None,
        **dag_kwargs: Any,
    ) -> Callable[[Callable[..., Any]], Asset]:
        def wrap(function: Callable[..., Any]) -> Asset:
            asset_name = name or function.__name__
            the_asset = Asset(
                name=asset_name, uri=uri or asset_name, group=group, extra=extra or {}
            )
            _build_dag(
                function, asset_name, [the_asset], the_asset, dict(schedule=schedule, **dag_kwargs)
            )
            return the_asset

        return wrap

    def multi(
        self, *, outlets: list[Asset], schedule: Any, **dag_kwargs: Any
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        def wrap(function: Callable[..., Any]) -> Callable[..., Any]:
            _build_dag(
                function,
                function.__name__,
                list(outlets),
                None,
                dict(schedule=schedule, **dag_kwargs),
            )
            return function

        return wrap


asset = _AssetDecorator()

__all__ = ["asset"]
