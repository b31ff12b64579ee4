"""Jinja rendering of operator fields, with Airflow's environment, filters and file templates.

A string field that ends with one of the operator's ``template_ext`` (``.sql``, ``.sh``) names a
template file, looked up in the DAG's folder and then its ``template_searchpath``.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import jinja2
import jinja2.nativetypes

from airstream.workflows.xcom_arg import ResolveMixin

if TYPE_CHECKING:
    from airstream.workflows.baseoperator import AbstractOperator
    from airstream.workflows.context import Context
    from airstream.workflows.dag import DAG


def _ds(value: datetime) -> str:
    return value.strftime("%Y-%m-%d")


def _ds_nodash(value: datetime) -> str:
    return value.strftime("%Y%m%d")


def _ts(value: datetime) -> str:
    return value.isoformat()


def _ts_nodash(value: datetime) -> str:
    return value.strftime("%Y%m%dT%H%M%S")


def _ts_nodash_with_tz(value: datetime) -> str:
    return value.isoformat().replace("-", "").replace(":", "")


FILTERS = {
    "ds": _ds,
    "ds_nodash": _ds_nodash,
    "ts": _ts,
    "ts_nodash": _ts_nodash,
    "ts_nodash_with_tz": _ts_nodash_with_tz,
}


def template_env(dag: DAG | None, *, native: bool | None = None) -> jinja2.Environment:
    """The Jinja environment of ``dag``: its folder and search path, macros and filters."""
    searchpath: list[str] = []
    if dag is not None:
        if dag.fileloc:
            searchpath.append(dag.folder)
        searchpath.extend(dag.template_searchpath or [])
    use_native = native if native is not None else bool(dag and dag.render_template_as_native_obj)
    env_class = jinja2.nativetypes.NativeEnvironment if use_native else jinja2.Environment
    options: dict[str, Any] = {
        "loader": jinja2.FileSystemLoader(searchpath),
        "undefined": (
            dag.template_undefined if dag and dag.template_undefined else jinja2.StrictUndefined
        ),
        "extensions": ["jinja2.ext.do"],
        "cache_size": 0,
    }
    if dag is not None and dag.jinja_environment_kwargs:
        options.update(dag.jinja_environment_kwargs)
    env = env_class(**options)
    env.filters.update(FILTERS)
    if dag is not None:
        env.globals.update(dag.user_defined_macros or {})
        env.filters.update(dag.user_defined_filters or {})
    return env


class _Env:
    """The task's Jinja environment, made on first use: most fields of most tasks hold no
    template, and making an environment is the costliest part of rendering them."""

    def __init__(self, task: AbstractOperator, env: jinja2.Environment | None) -> None:
        self.task = task
        self._env = env

    def get(self) -> jinja2.Environment:
        if self._env is None:
            self._env = template_env(self.task.dag)
        return self._env


def render_value(
    task: AbstractOperator, content: Any, context: Context, env: jinja2.Environment | None = None
) -> Any:
    """``content`` with every template inside it rendered (recursing into containers)."""
    return _render(task, content, context, _Env(task, env))


def _render(task: AbstractOperator, content: Any, context: Context, env: _Env) -> Any:
    if isinstance(content, str):
        if content.endswith(tuple(task.template_ext)):
            return env.get().get_template(content).render(**context)
        if "{{" not in content and "{%" not in content:
            return content
        return env.get().from_string(content).render(**context)
    if isinstance(content, ResolveMixin):
        return content.resolve(context)
    if isinstance(content, tuple):
        if type(content) is not tuple:  # a namedtuple keeps its type
            return type(content)(*(_render(task, c, context, env) for c in content))
        return tuple(_render(task, c, context, env) for c in content)
    if isinstance(content, list):
        return [_render(task, c, context, env) for c in content]
    if isinstance(content, dict):
        return {k: _render(task, v, context, env) for k, v in content.items()}
    if isinstance(content, set):
        return {_render(task, c, context, env) for c in content}
    nested = getattr(content, "template_fields", None)
    if nested and not hasattr(content, "task_id"):
        for name in nested:
            setattr(content, name, _render(task, getattr(content, name), context, env))
    return content


def render_operator_fields(
    task: AbstractOperator, context: Context, env: jinja2.Environment | None = None
) -> dict[str, Any]:
    """Render ``task.template_fields`` in place; return the rendered values by field name."""
    lazy = _Env(task, env)
    rendered: dict[str, Any] = {}
    for name in task.template_fields:
        if not hasattr(task, name):
            continue
        value = _render(task, getattr(task, name), context, lazy)
        setattr(task, name, value)
        rendered[name] = value
    return rendered
