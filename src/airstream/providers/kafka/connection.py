"""The librdkafka configuration of a ``kafka`` connection, and the default ``kafka_default``.

As in Airflow, a Kafka connection keeps its whole client configuration in ``extra``: a dict
of librdkafka settings such as ``{"bootstrap.servers": "host:9092", "group.id": "etl"}``. It is
looked up like any connection (``AIRFLOW_CONN_*``/``AIRSTREAM_CONN_*`` as a URI or JSON, then
the metadata store). Two conveniences beyond the provider:

- a connection whose extra has no ``bootstrap.servers`` but a host uses ``host:port``, so
  ``kafka://broker:9092?group.id=etl`` works as a URI;
- ``kafka_default``, when defined nowhere, points at airstream's own broker
  (``AIRSTREAM_BOOTSTRAP_SERVERS``, else the broker settings), reads topics from the
  beginning and leaves committing to the operators (auto-commit off), so ``commit_cadence``
  means what it says.
"""

from __future__ import annotations

from typing import Any

from airstream.client.connection import default_bootstrap_servers
from airstream.client.errors import ClientError
from airstream.compat.configuration import conf
from airstream.providers.kafka.callables import import_string
from airstream.workflows.connections import Connection, get_connection
from airstream.workflows.exceptions import AirflowException, AirflowNotFoundException

DEFAULT_CONN_ID = "kafka_default"
CONN_TYPE = "kafka"
#: The consumer group of ``kafka_default`` (Airflow's default connection has one too).
DEFAULT_GROUP_ID = "airstream"
#: librdkafka settings that take a function; a connection may give them as dotted paths.
CALLBACK_CONFIG_KEYS = ("error_cb", "throttle_cb", "stats_cb", "log_cb", "oauth_cb", "on_commit")
#: Where the dotted paths a connection may name as callbacks are listed (comma-separated).
CALLBACK_ALLOWLIST = ("apache_kafka", "callback_allowlist")


def default_connection() -> Connection:
    """``kafka_default`` when none is defined: the built-in broker."""
    try:
        servers = default_bootstrap_servers()
    except ClientError as exc:
        raise AirflowException(f"cannot work out the default Kafka broker: {exc}") from None
    extra = {
        "bootstrap.servers": servers,
        "group.id": DEFAULT_GROUP_ID,
        "auto.offset.reset": "earliest",
        "enable.auto.commit": "false",
    }
    return Connection(conn_id=DEFAULT_CONN_ID, conn_type=CONN_TYPE, extra=extra)


def kafka_connection(conn_id: str) -> Connection:
    """The connection ``conn_id``; ``kafka_default`` falls back to the built-in broker."""
    try:
        return get_connection(conn_id)
    except AirflowNotFoundException:
        if conn_id != DEFAULT_CONN_ID:
            raise
    return default_connection()


def client_config(connection: Connection) -> dict[str, Any]:
    """The librdkafka settings of ``connection`` (a fresh dict the caller may change)."""
    config = dict(connection.extra_dejson)
    if not config.get("bootstrap.servers") and connection.host:
        port = f":{connection.port}" if connection.port else ""
        config["bootstrap.servers"] = f"{connection.host}{port}"
    if not config.get("bootstrap.servers"):
        raise ValueError(
            f"config['bootstrap.servers'] must be provided (Kafka connection "
            f"{connection.conn_id!r} has none in its extra)."
        )
    resolve_callbacks(config, connection.conn_id)
    return config


def resolve_callbacks(config: dict[str, Any], conn_id: str) -> None:
    """Replace callbacks given as dotted paths by the functions, if the allowlist has them.

    A connection is data anyone with access to the store may edit, so it may only name
    functions an operator of the deployment has listed (``[apache_kafka] callback_allowlist``,
    e.g. ``AIRFLOW__APACHE_KAFKA__CALLBACK_ALLOWLIST``), as with the provider.
    """
    allowlist = _callback_allowlist()
    for key in CALLBACK_CONFIG_KEYS:
        value = config.get(key)
        if not isinstance(value, str):
            continue
        if value not in allowlist:
            listed = ", ".join(sorted(allowlist)) or "empty"
            raise ValueError(
                f"Refusing to resolve Kafka callback {key}={value!r} of connection {conn_id!r}: "
                f"it is not in [{CALLBACK_ALLOWLIST[0]}] {CALLBACK_ALLOWLIST[1]} ({listed})."
            )
        config[key] = import_string(value)


def _callback_allowlist() -> frozenset[str]:
    value = conf.get(*CALLBACK_ALLOWLIST, fallback="") or ""
    return frozenset(path.strip() for path in str(value).split(",") if path.strip())
