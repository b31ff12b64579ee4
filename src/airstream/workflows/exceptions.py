"""Exceptions a task or DAG file raises, named as in Airflow so user code can catch them."""

from __future__ import annotations

from datetime import datetime


class AirflowException(Exception):
    """Base of every error airstream raises for workflow code (Airflow's name, kept for users)."""


class AirflowSkipException(AirflowException):
    """Raised inside a task to mark the task instance skipped."""


class AirflowFailException(AirflowException):
    """Raised inside a task to fail it at once, without retries."""


class AirflowTaskTimeout(AirflowException):
    """The task ran longer than its ``execution_timeout``."""


class AirflowTaskTerminated(AirflowException):
    """The task was terminated from outside; never retried."""


class AirflowSensorTimeout(AirflowException):
    """A sensor did not succeed within its ``timeout``; fails without retries."""


class AirflowRescheduleException(AirflowException):
    """A reschedule-mode sensor asks to be run again at ``reschedule_date``."""

    def __init__(self, reschedule_date: datetime) -> None:
        super().__init__(f"Reschedule to {reschedule_date.isoformat()}")
        self.reschedule_date = reschedule_date


class DownstreamTasksSkipped(AirflowException):
    """Raised by branching operators to skip the given downstream task ids."""

    def __init__(self, tasks: list[str]) -> None:
        super().__init__(f"Skipping downstream tasks: {tasks}")
        self.tasks = tasks


class AirflowDagCycleException(AirflowException):
    """The DAG's dependencies contain a cycle."""


class DuplicateTaskIdFound(AirflowException):
    """Two tasks of one DAG share a task id."""


class AirflowDagDuplicatedIdException(AirflowException):
    """Two DAG files define the same dag_id."""


class TaskNotFound(AirflowException):
    """No task with that id exists in the DAG."""


class DagNotFound(AirflowException):
    """No DAG with that id was found in the DAG folder."""


class ParamValidationError(AirflowException):
    """A DAG param does not match its schema."""


class AirflowNotFoundException(AirflowException):
    """A connection or variable does not exist."""


class UnmappableXComTypePushed(AirflowException):
    """A task whose output is mapped over returned something other than a list or dict."""


class AirflowConfigException(AirflowException):
    """Kept for DAG files that import it."""


class AirflowProviderDeprecationWarning(DeprecationWarning):
    """Kept for DAG files that import it."""


class RemovedInAirflow4Warning(DeprecationWarning):
    """Kept for DAG files that import it."""


class DagRunAlreadyExists(AirflowException):
    """A DAG run with that run id exists already."""
