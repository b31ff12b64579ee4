"""Operators that run a callable in another Python environment — refused, with a clear error.

``PythonVirtualenvOperator`` / ``@task.virtualenv`` and ``ExternalPythonOperator`` /
``@task.external_python`` (and their branching forms) build or use a separate interpreter.
airstream runs callables in its own environment only, so these tasks are accepted when the
DAG file is parsed (the rest of the file keeps working) and fail when they run, saying why.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from typing import Any

from airstream.operators.python import BranchPythonOperator, PythonOperator
from airstream.workflows.context import Context
from airstream.workflows.exceptions import AirflowException
from airstream.workflows.taskflow import DecoratedOperator

__all__ = [
    "BranchExternalPythonOperator",
    "BranchPythonVirtualenvOperator",
    "ExternalPythonOperator",
    "PythonVirtualenvOperator",
]


class _OtherEnvironmentMixin:
    """The arguments Airflow's operators take, kept for display; ``execute`` refuses."""

    task_id: str

    def _keep_environment_args(
        self,
        *,
        requirements: Iterable[str] | str | None = None,
        python: str | None = None,
        python_version: str | None = None,
        serializer: str | None = None,
        system_site_packages: bool = True,
        pip_install_options: list[str] | None = None,
        index_urls: Collection[str] | str | None = None,
        venv_cache_path: Any = None,
        expect_airflow: bool = True,
        string_args: Iterable[str] | None = None,
        skip_on_exit_code: int | Collection[int] | None = None,
        env_vars: dict[str, str] | None = None,
        inherit_env: bool = True,
        use_dill: bool = False,
        expect_pendulum: bool = False,
        index_urls_from_connection_ids: Collection[str] | str | None = None,
        use_airflow_context: bool = False,
    ) -> None:
        self.requirements = [requirements] if isinstance(requirements, str) else requirements
        self.python = python
        self.python_version = python_version
        self.system_site_packages = system_site_packages

    def refuse(self) -> Any:
        kind = getattr(self, "custom_operator_name", None) or type(self).__name__
        raise AirflowException(
            f"{kind} (task {self.task_id!r}) is not supported by airstream: it runs task "
            "callables in airstream's own Python environment only. Install the requirements "
            "there and use @task / PythonOperator instead."
        )


_ENVIRONMENT_ARGS = frozenset(
    {
        "requirements", "python", "python_version", "serializer", "system_site_packages",
        "pip_install_options", "index_urls", "venv_cache_path", "expect_airflow",
        "string_args", "skip_on_exit_code", "env_vars", "inherit_env", "use_dill",
        "expect_pendulum", "index_urls_from_connection_ids", "use_airflow_context",
    }
)  # fmt: skip


def _split(kwargs: dict[str, Any]) -> dict[str, Any]:
    """Take the environment arguments out of ``kwargs`` (the rest go to the operator)."""
    return {name: kwargs.pop(name) for name in list(kwargs) if name in _ENVIRONMENT_ARGS}


class PythonVirtualenvOperator(_OtherEnvironmentMixin, PythonOperator):
    """Airflow's callable-in-a-new-virtualenv operator: accepted, refused when run."""

    def __init__(self, *, python_callable: Callable[..., Any], **kwargs: Any) -> None:
        environment = _split(kwargs)
        super().__init__(python_callable=python_callable, **kwargs)
        self._keep_environment_args(**environment)

    def execute(self, context: Context) -> Any:
        return self.refuse()


class ExternalPythonOperator(PythonVirtualenvOperator):
    """Airflow's callable-in-another-interpreter operator: accepted, refused when run."""

    def __init__(self, *, python: str, python_callable: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(python=python, python_callable=python_callable, **kwargs)


class BranchPythonVirtualenvOperator(_OtherEnvironmentMixin, BranchPythonOperator):
    """The branching form of :class:`PythonVirtualenvOperator`: refused when run."""

    def __init__(self, *, python_callable: Callable[..., Any], **kwargs: Any) -> None:
        environment = _split(kwargs)
        super().__init__(python_callable=python_callable, **kwargs)
        self._keep_environment_args(**environment)

    def execute(self, context: Context) -> Any:
        return self.refuse()


class BranchExternalPythonOperator(BranchPythonVirtualenvOperator):
    """The branching form of :class:`ExternalPythonOperator`: refused when run."""


class VirtualenvDecoratedOperator(DecoratedOperator, PythonVirtualenvOperator):
    """``@task.virtualenv``."""

    custom_operator_name = "@task.virtualenv"


class ExternalPythonDecoratedOperator(DecoratedOperator, PythonVirtualenvOperator):
    """``@task.external_python``."""

    custom_operator_name = "@task.external_python"


class BranchVirtualenvDecoratedOperator(DecoratedOperator, BranchPythonVirtualenvOperator):
    """``@task.branch_virtualenv``."""

    custom_operator_name = "@task.branch_virtualenv"


class BranchExternalPythonDecoratedOperator(DecoratedOperator, BranchPythonVirtualenvOperator):
    """``@task.branch_external_python``."""

    custom_operator_name = "@task.branch_external_python"
