"""airstream: Airflow-compatible workflows and a Kafka-compatible broker in one package.

``from airstream import DAG, task`` gives the authoring API. Importing this package starts
nothing and reads no configuration; the authoring names are loaded on first use, so a
broker-only process never imports the workflow modules.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_AUTHORING_NAMES = frozenset(
    {
        "DAG",
        "BaseOperator",
        "Context",
        "EdgeModifier",
        "Label",
        "Param",
        "ParamsDict",
        "TaskGroup",
        "Topic",
        "TriggerRule",
        "XComArg",
        "chain",
        "chain_linear",
        "cross_downstream",
        "dag",
        "get_current_context",
        "setup",
        "task",
        "task_group",
        "teardown",
    }
)

__all__ = ["__version__", *sorted(_AUTHORING_NAMES)]


def __getattr__(name: str) -> Any:
    if name == "Topic":
        return importlib.import_module("airstream.workflows.topic").Topic
    if name in _AUTHORING_NAMES:
        return getattr(importlib.import_module("airstream.workflows"), name)
    raise AttributeError(f"module 'airstream' has no attribute {name!r}")
