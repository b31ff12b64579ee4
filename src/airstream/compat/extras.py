"""Names Airflow DAG files import that airstream spells differently (``TaskInstance``, ...)."""

from __future__ import annotations

from airstream.workflows.context import RuntimeTaskInstance
from airstream.workflows.execution_store import DagRunRecord

#: The ``ti`` object tasks receive (``airflow.models.taskinstance.TaskInstance``).
TaskInstance = RuntimeTaskInstance
#: A DAG run (``airflow.models.dagrun.DagRun``), for type hints in DAG files.
DagRun = DagRunRecord

__version__ = "3.0.0"

__all__ = ["DagRun", "TaskInstance", "__version__"]
