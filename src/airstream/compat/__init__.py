"""Airflow compatibility: ``from airflow import DAG`` (and the rest) resolved to airstream.

The mapping is active while airstream loads DAG files, or after :func:`install`. It never
shadows a real ``apache-airflow`` installed in the same environment unless asked
(``install(force=True)``, or ``AIRSTREAM_AIRFLOW_COMPAT=force``); ``AIRSTREAM_AIRFLOW_COMPAT=off``
disables it.
"""

from __future__ import annotations

import importlib.machinery
import os
import sys

from airstream.compat.finder import add_finder, is_installed, remove_finder

ENV_SWITCH = "AIRSTREAM_AIRFLOW_COMPAT"


def real_airflow_installed() -> bool:
    """Whether an actual ``airflow`` package is importable (or already imported)."""
    module = sys.modules.get("airflow")
    if module is not None:
        return not getattr(module, "__airstream_alias__", False)
    return importlib.machinery.PathFinder.find_spec("airflow") is not None


def install(force: bool = False) -> bool:
    """Map ``airflow.*`` imports onto airstream; returns whether the mapping is active."""
    if is_installed():
        return True
    if real_airflow_installed() and not force:
        return False
    add_finder()
    return True


def uninstall() -> None:
    """Remove the mapping and forget the alias modules already imported."""
    remove_finder()


def install_for_dag_loading() -> bool:
    """What DAG loading calls: honours ``AIRSTREAM_AIRFLOW_COMPAT`` (on/off/force)."""
    switch = os.environ.get(ENV_SWITCH, "on").lower()
    if switch == "off":
        return False
    return install(force=switch == "force")


__all__ = ["install", "install_for_dag_loading", "real_airflow_installed", "uninstall"]
