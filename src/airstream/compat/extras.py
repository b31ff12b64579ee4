"""Names Airflow DAG files import that airstream spells differently (``TaskInstance``, ...)."""

from __future__ import annotations

import enum
from typing import Any

from airstream.compat.configuration import conf
from airstream.operators.branch import BaseBranchOperator, SkipMixin
from airstream.operators.db_hooks import BaseHook
from airstream.workflows import macros, timezone
from airstream.workflows.context import RuntimeTaskInstance
from airstream.workflows.execution_store import DagRunRecord
from airstream.workflows.literal import literal
from airstream.workflows.notifier import BaseNotifier
from airstream.workflows.parsing_context import get_parsing_context
from airstream.workflows.state import DagRunState, TaskInstanceState

#: The ``ti`` object tasks receive (``airflow.models.taskinstance.TaskInstance``).
TaskInstance = RuntimeTaskInstance
#: A DAG run (``airflow.models.dagrun.DagRun``), for type hints in DAG files.
DagRun = DagRunRecord
#: Airflow's name for the branching mix-in of ``BaseBranchOperator``.
BranchMixIn = SkipMixin

__version__ = "3.0.0"


class WeightRule(enum.StrEnum):
    """How a task's ``priority_weight`` adds up (``weight_rule=``)."""

    DOWNSTREAM = "downstream"
    UPSTREAM = "upstream"
    ABSOLUTE = "absolute"


class BaseOperatorLink:
    """An extra link shown for a task (``operator_extra_links``); subclasses set ``name``."""

    name: str = ""

    def get_link(self, operator: Any, *, ti_key: Any) -> str:
        raise NotImplementedError


class AssetWatcher:
    """Updates an asset on each event of ``trigger`` (Airflow 3's ``AssetWatcher``).

    airstream serves Kafka message-queue triggers (``MessageQueueTrigger``,
    ``KafkaMessageQueueTrigger``, ``AwaitMessageTrigger``) in the scheduler; see
    :mod:`airstream.scheduler.topic_triggers`.
    """

    def __init__(self, name: str, trigger: Any) -> None:
        from airstream.workflows.message_queue import BaseEventTrigger

        if not isinstance(trigger, BaseEventTrigger):
            raise TypeError(
                f"AssetWatcher {name!r}: trigger must be an event trigger such as "
                f"MessageQueueTrigger, not {type(trigger).__name__}"
            )
        self.name = name
        self.trigger = trigger

    def __repr__(self) -> str:
        return f"AssetWatcher(name={self.name!r}, trigger={type(self.trigger).__name__})"


__all__ = [
    "AssetWatcher",
    "BaseBranchOperator",
    "BaseHook",
    "BaseNotifier",
    "BaseOperatorLink",
    "BranchMixIn",
    "DagRun",
    "DagRunState",
    "SkipMixin",
    "TaskInstance",
    "TaskInstanceState",
    "WeightRule",
    "__version__",
    "conf",
    "get_parsing_context",
    "literal",
    "macros",
    "timezone",
]
