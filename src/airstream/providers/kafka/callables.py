"""User functions named in DAG files either directly or by a dotted path (``pkg.module.func``).

The provider accepts both for ``producer_function``, ``apply_function`` and callbacks; a
dotted path is imported when the task runs, so a DAG file may name a function defined in
itself (its folder is on ``sys.path`` while DAGs load and run, as under Airflow).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any


def import_string(dotted_path: str) -> Any:
    """The attribute ``dotted_path`` names (``module.attr``), or an ImportError saying why."""
    module_path, _, attribute = dotted_path.strip().rpartition(".")
    if not module_path:
        raise ImportError(f"{dotted_path!r} is not a dotted path (expected 'module.attribute')")
    module = importlib.import_module(module_path)
    try:
        return getattr(module, attribute)
    except AttributeError:
        raise ImportError(
            f"module {module_path!r} has no attribute {attribute!r} (from {dotted_path!r})"
        ) from None


def resolve_callable(value: str | Callable[..., Any], argument: str) -> Callable[..., Any]:
    """``value`` itself if callable, else the function its dotted path names."""
    function = import_string(value) if isinstance(value, str) else value
    if not callable(function):
        raise TypeError(f"{argument} is not a callable, got {type(function)} instead.")
    return function
