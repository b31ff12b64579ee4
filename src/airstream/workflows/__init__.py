"""The authoring API: DAG, operators' base, ``@task``, XComArg, task groups, params, ...

Everything a DAG file uses is importable from here (and, through :mod:`airstream.compat`,
from Airflow's module names).
"""

from airstream.workflows.baseoperator import BaseOperator
from airstream.workflows.context import Context, get_current_context
from airstream.workflows.dag import DAG, dag
from airstream.workflows.dependencies import chain, chain_linear, cross_downstream
from airstream.workflows.edges import EdgeModifier, Label
from airstream.workflows.params import Param, ParamsDict
from airstream.workflows.task_group import TaskGroup, task_group
from airstream.workflows.taskflow import setup, task, teardown
from airstream.workflows.trigger_rule import TriggerRule
from airstream.workflows.xcom_arg import XComArg

__all__ = [
    "DAG",
    "BaseOperator",
    "Context",
    "EdgeModifier",
    "Label",
    "Param",
    "ParamsDict",
    "TaskGroup",
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
]
