"""Which airstream modules provide each ``airflow.*`` module name DAG files import.

Each entry lists airstream modules; the alias module gets their public names (first listed
wins). A name that is a prefix of another entry (``airflow.providers``) becomes a package.
"""

from __future__ import annotations

_W = "airstream.workflows"
_AUTHORING = [
    f"{_W}",
    f"{_W}.variables",
    f"{_W}.connections",
    f"{_W}.timetables",
    f"{_W}.assets",
    f"{_W}.asset_events",
    "airstream.sensors.base",
    "airstream.operators.asset_decorator",
    "airstream.compat.extras",
]
_STANDARD_OPERATORS = {
    "bash": ["airstream.operators.bash"],
    "python": ["airstream.operators.python", "airstream.operators.python_environments"],
    "empty": ["airstream.operators.empty"],
    "branch": ["airstream.operators.branch"],
    "latest_only": ["airstream.operators.latest_only"],
    "trigger_dagrun": ["airstream.operators.trigger_dagrun"],
    "weekday": ["airstream.operators.weekday"],
    "datetime": ["airstream.operators.datetime"],
}
_STANDARD_SENSORS = {
    "base": ["airstream.sensors.base"],
    "bash": ["airstream.sensors.bash"],
    "python": ["airstream.sensors.python"],
    "filesystem": ["airstream.sensors.filesystem"],
    "time_delta": ["airstream.sensors.time_delta"],
    "date_time": ["airstream.sensors.date_time"],
    "external_task": ["airstream.sensors.external_task"],
    "time": ["airstream.sensors.time"],
    "weekday": ["airstream.sensors.weekday"],
}
_SQL = {
    "common.sql.operators.sql": ["airstream.operators.sql"],
    "common.sql.hooks.sql": ["airstream.operators.db_hooks"],
    "mysql.operators.mysql": ["airstream.operators.sql"],
    "mysql.hooks.mysql": ["airstream.operators.db_hooks"],
    "postgres.operators.postgres": ["airstream.operators.sql"],
    "postgres.hooks.postgres": ["airstream.operators.db_hooks"],
    "sqlite.operators.sqlite": ["airstream.operators.sql"],
    "sqlite.hooks.sqlite": ["airstream.operators.db_hooks"],
}
_KAFKA = "airstream.providers.kafka"
_KAFKA_PROVIDER = {
    "hooks.base": [f"{_KAFKA}.hooks"],
    "hooks.client": [f"{_KAFKA}.hooks"],
    "hooks.consume": [f"{_KAFKA}.hooks"],
    "hooks.produce": [f"{_KAFKA}.hooks"],
    "operators.produce": [f"{_KAFKA}.operators"],
    "operators.consume": [f"{_KAFKA}.operators"],
    "sensors.kafka": [f"{_KAFKA}.sensors"],
    "triggers.msg_queue": [f"{_W}.message_queue"],
    "triggers.await_message": [f"{_W}.message_queue"],
}

ALIASES: dict[str, list[str]] = {
    "airflow": _AUTHORING,
    "airflow.sdk": _AUTHORING,
    "airflow.sdk.bases.operator": [f"{_W}.baseoperator", f"{_W}.dependencies"],
    "airflow.sdk.bases.sensor": ["airstream.sensors.base"],
    "airflow.sdk.definitions.param": [f"{_W}.params"],
    "airflow.sdk.exceptions": [f"{_W}.exceptions"],
    "airflow.decorators": [f"{_W}.taskflow", f"{_W}.dag", f"{_W}.task_group"],
    "airflow.models": [*_AUTHORING, "airstream.compat.extras"],
    "airflow.models.dag": [f"{_W}.dag"],
    "airflow.models.baseoperator": [f"{_W}.baseoperator", f"{_W}.dependencies"],
    "airflow.models.param": [f"{_W}.params"],
    "airflow.models.variable": [f"{_W}.variables"],
    "airflow.models.connection": [f"{_W}.connections"],
    "airflow.models.xcom_arg": [f"{_W}.xcom_arg"],
    "airflow.models.taskinstance": ["airstream.compat.extras"],
    "airflow.models.dagrun": ["airstream.compat.extras"],
    "airflow.exceptions": [f"{_W}.exceptions"],
    "airflow.macros": [f"{_W}.macros"],
    "airflow.hooks.base": ["airstream.operators.db_hooks"],
    "airflow.utils.task_group": [f"{_W}.task_group"],
    "airflow.utils.trigger_rule": [f"{_W}.trigger_rule"],
    "airflow.utils.edgemodifier": [f"{_W}.edges"],
    "airflow.utils.state": [f"{_W}.state"],
    "airflow.utils.helpers": [f"{_W}.dependencies"],
    "airflow.utils.context": [f"{_W}.context"],
    "airflow.timetables.base": [f"{_W}.timetables"],
    "airflow.timetables.trigger": [f"{_W}.timetables"],
    "airflow.timetables.interval": [f"{_W}.timetables"],
    "airflow.timetables.events": [f"{_W}.timetables"],
    "airflow.timetables.simple": [f"{_W}.timetables"],
    "airflow.timetables.assets": [f"{_W}.timetables"],
    "airflow.timetables.datasets": [f"{_W}.timetables"],
    "airflow.providers.standard.utils.skipmixin": ["airstream.operators.branch"],
    "airflow.providers.standard.utils.weekday": ["airstream.operators.weekday"],
    "airflow.utils.weekday": ["airstream.operators.weekday"],
    "airflow.utils.dag_parsing_context": [f"{_W}.parsing_context"],
    "airflow.sdk.definitions.context": [f"{_W}.context", f"{_W}.parsing_context"],
    "airflow.utils.timezone": [f"{_W}.timezone"],
    "airflow.sdk.timezone": [f"{_W}.timezone"],
    "airflow.configuration": ["airstream.compat.configuration"],
    "airflow.sdk.bases.hook": ["airstream.operators.db_hooks"],
    "airflow.sdk.bases.notifier": [f"{_W}.notifier"],
    "airflow.notifications.basenotifier": [f"{_W}.notifier"],
    "airflow.sdk.definitions.asset": [f"{_W}.assets", "airstream.compat.extras"],
    "airflow.providers.common.messaging.triggers.msg_queue": [f"{_W}.message_queue"],
    "airflow.triggers.base": [f"{_W}.message_queue"],
    # The providers' shim over Airflow 2/3 differences: everything the SDK offers.
    "airflow.providers.common.compat.sdk": [
        *_AUTHORING,
        f"{_W}.baseoperator",
        f"{_W}.exceptions",
        f"{_W}.context",
        "airstream.compat.configuration",
    ],
}
for _name, _modules in _STANDARD_OPERATORS.items():
    ALIASES[f"airflow.operators.{_name}"] = _modules
    ALIASES[f"airflow.providers.standard.operators.{_name}"] = _modules
for _name, _modules in _STANDARD_SENSORS.items():
    ALIASES[f"airflow.sensors.{_name}"] = _modules
    ALIASES[f"airflow.providers.standard.sensors.{_name}"] = _modules
for _name, _modules in _SQL.items():
    ALIASES[f"airflow.providers.{_name}"] = _modules
for _name, _modules in _KAFKA_PROVIDER.items():
    ALIASES[f"airflow.providers.apache.kafka.{_name}"] = _modules

#: Names of all alias modules, parents (packages) included.
ALL_NAMES: frozenset[str] = frozenset(
    ".".join(name.split(".")[: i + 1]) for name in ALIASES for i in range(name.count(".") + 1)
)


def is_package(name: str) -> bool:
    return any(other.startswith(name + ".") for other in ALL_NAMES)
