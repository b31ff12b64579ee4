"""BaseNotifier: a callback object (``on_failure_callback=MyNotifier(...)``) with templates."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from airstream.workflows.context import Context


class BaseNotifier:
    """Subclasses implement :meth:`notify`; ``template_fields`` are rendered before it runs."""

    template_fields: Sequence[str] = ()
    template_ext: Sequence[str] = ()

    def notify(self, context: Context) -> None:
        raise NotImplementedError

    def render_template_fields(self, context: Context, jinja_env: Any = None) -> None:
        from airstream.workflows.templating import template_env

        env = jinja_env or template_env(context.get("dag"))
        for name in self.template_fields:
            setattr(self, name, _render(getattr(self, name), context, env))

    def __call__(self, *args: Any) -> None:
        # Task callbacks get the context; DAG callbacks too. Airflow 2's 4-argument SLA form
        # has no context to render with, so it is passed through as-is.
        context: Context = args[0] if len(args) == 1 and isinstance(args[0], dict) else {}
        self.render_template_fields(context)
        self.notify(context)


def _render(value: Any, context: Context, env: Any) -> Any:
    if isinstance(value, str):
        return env.from_string(value).render(**context) if "{" in value else value
    if isinstance(value, list | tuple):
        return type(value)(_render(v, context, env) for v in value)
    if isinstance(value, dict):
        return {k: _render(v, context, env) for k, v in value.items()}
    return value


__all__ = ["BaseNotifier"]
