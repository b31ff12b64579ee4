"""``airflow.configuration.conf`` for DAG files that read a setting while they are parsed.

Values come from ``AIRFLOW__{SECTION}__{KEY}`` environment variables (Airflow's own
convention), then from the few defaults below, then from the caller's ``fallback``.
"""

from __future__ import annotations

import os
from typing import Any

from airstream.workflows.exceptions import AirflowException

_MISSING: Any = object()

#: Settings DAG files commonly read, with the values airstream behaves by.
DEFAULTS: dict[tuple[str, str], str] = {
    ("core", "default_timezone"): "utc",
    ("core", "load_examples"): "False",
    ("core", "max_active_tasks_per_dag"): "16",
    ("core", "max_active_runs_per_dag"): "16",
    ("core", "default_task_retries"): "0",
    ("operators", "default_deferrable"): "False",
    ("operators", "default_owner"): "airflow",
    ("scheduler", "catchup_by_default"): "False",
}


class AirflowConfigException(AirflowException):
    """A setting that is neither set nor defaulted was read without a fallback."""


class AirflowConfigParser:
    """The read side of Airflow's config parser: ``get``, ``getboolean``, ``getint``, ..."""

    def get(self, section: str, key: str, fallback: Any = _MISSING, **_: Any) -> Any:
        env = f"AIRFLOW__{section.upper()}__{key.upper()}"
        if env in os.environ:
            return os.environ[env]
        if (section.lower(), key.lower()) in DEFAULTS:
            return DEFAULTS[(section.lower(), key.lower())]
        if fallback is not _MISSING:
            return fallback
        raise AirflowConfigException(f"section/key [{section}/{key}] not found in config")

    def has_option(self, section: str, key: str) -> bool:
        return self.get(section, key, fallback=None) is not None

    def getboolean(self, section: str, key: str, fallback: Any = _MISSING, **_: Any) -> bool:
        value = self.get(section, key, fallback=fallback)
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("t", "true", "1", "yes", "on"):
            return True
        if text in ("f", "false", "0", "no", "off"):
            return False
        raise AirflowConfigException(f"Failed to convert {section}/{key}={value!r} to bool")

    def getint(self, section: str, key: str, fallback: Any = _MISSING, **_: Any) -> int:
        return int(self.get(section, key, fallback=fallback))

    def getfloat(self, section: str, key: str, fallback: Any = _MISSING, **_: Any) -> float:
        return float(self.get(section, key, fallback=fallback))


conf = AirflowConfigParser()

__all__ = ["AirflowConfigException", "AirflowConfigParser", "conf"]
