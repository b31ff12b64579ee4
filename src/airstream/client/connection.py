"""Where the client tools connect and how long they wait: ``--bootstrap-server`` and friends.

The bootstrap address comes from ``--bootstrap-server``, else ``AIRSTREAM_BOOTSTRAP_SERVERS``,
else the local broker of :func:`airstream.config.load_settings`. Every client is created with
librdkafka's logging routed to a silent Python logger, because its connection-refused chatter
on stderr would drown the one-line error the tools print instead.
"""

from __future__ import annotations

import argparse
import logging
import os
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Any, TypeVar

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AdminClient
from confluent_kafka.admin._metadata import ClusterMetadata

from airstream.client.arguments import positive_int
from airstream.client.errors import UNREACHABLE_CODES, ClientError, from_exception
from airstream.config import ConfigError, load_settings

BOOTSTRAP_ENV = "AIRSTREAM_BOOTSTRAP_SERVERS"
DEFAULT_REQUEST_TIMEOUT_MS = 15000

#: Addresses a broker may bind to that a client cannot connect to as such.
_WILDCARD_HOSTS = frozenset({"", "0.0.0.0", "::", "[::]"})

T = TypeVar("T")


@dataclass(frozen=True)
class Connection:
    """Where to connect and how long to wait for the broker before giving up."""

    bootstrap_servers: str
    request_timeout_ms: int = DEFAULT_REQUEST_TIMEOUT_MS

    @property
    def timeout_s(self) -> float:
        return self.request_timeout_ms / 1000

    def client_config(self, **overrides: Any) -> dict[str, Any]:
        """librdkafka settings shared by every client the tools create."""
        config: dict[str, Any] = {
            "bootstrap.servers": self.bootstrap_servers,
            "client.id": "airstream-cli",
            "logger": silent_logger(),
            # librdkafka refuses less than a second here.
            "socket.connection.setup.timeout.ms": max(1000, self.request_timeout_ms),
        }
        config.update(overrides)
        return config


def default_bootstrap_servers(env: Mapping[str, str] | None = None) -> str:
    """``AIRSTREAM_BOOTSTRAP_SERVERS`` if set, else the local broker from the settings."""
    env = os.environ if env is None else env
    explicit = env.get(BOOTSTRAP_ENV, "").strip()
    if explicit:
        return explicit
    try:
        broker = load_settings(env).broker
    except ConfigError as exc:
        raise ClientError(f"invalid settings: {exc}") from None
    host = broker.advertised_host or broker.host
    if host in _WILDCARD_HOSTS:
        host = "127.0.0.1"
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"{host}:{broker.port}"


def add_connection_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--bootstrap-server`` and ``--request-timeout-ms`` to a command's parser."""
    parser.add_argument(
        "--bootstrap-server",
        metavar="HOST:PORT[,...]",
        help=f"broker(s) to connect to (default: ${BOOTSTRAP_ENV}, else the local broker "
        "from airstream's settings)",
    )
    parser.add_argument(
        "--request-timeout-ms",
        type=positive_int,
        default=DEFAULT_REQUEST_TIMEOUT_MS,
        metavar="MS",
        help="give up when the broker has not answered within this time "
        f"(default: {DEFAULT_REQUEST_TIMEOUT_MS})",
    )


def connection_from_args(args: argparse.Namespace) -> Connection:
    """The :class:`Connection` described by the arguments of :func:`add_connection_arguments`."""
    servers = args.bootstrap_server or default_bootstrap_servers()
    return Connection(bootstrap_servers=servers, request_timeout_ms=args.request_timeout_ms)


def fetch_metadata(client: Any, connection: Connection, topic: str | None = None) -> Any:
    """Cluster metadata from ``client`` (any confluent-kafka client), or an unreachable error.

    Asking for one ``topic`` may auto-create it on brokers configured to do so; asking for
    all topics never does.
    """
    try:
        return client.list_topics(topic=topic, timeout=connection.timeout_s)
    except KafkaException as exc:
        raise _unreachable_or(exc, connection) from None


def create_client(factory: Callable[[dict[str, Any]], T], config: dict[str, Any]) -> T:
    """``factory(config)`` (a confluent-kafka client class), a bad setting as a ClientError."""
    try:
        return factory(config)
    except (KafkaException, ValueError, TypeError) as exc:
        raise from_exception(exc, "invalid client configuration") from None


def connect_admin(connection: Connection) -> tuple[AdminClient, ClusterMetadata]:
    """An admin client and the cluster's metadata, proving the broker is reachable."""
    admin = create_client(AdminClient, connection.client_config())
    return admin, fetch_metadata(admin, connection)


def wait(future: Future[T], connection: Connection, subject: str = "") -> T:
    """The result of an admin request, with its failure turned into a :class:`ClientError`."""
    try:
        return future.result(timeout=connection.timeout_s + 5)
    except FutureTimeout:
        raise ClientError(
            f"{subject + ': ' if subject else ''}no answer from {connection.bootstrap_servers} "
            f"within {connection.request_timeout_ms} ms"
        ) from None
    except KafkaException as exc:
        raise _unreachable_or(exc, connection, subject) from None
    except Exception as exc:
        raise from_exception(exc, subject) from None


def _unreachable_or(exc: KafkaException, connection: Connection, subject: str = "") -> ClientError:
    error = exc.args[0] if exc.args else None
    if error is not None and error.code() == KafkaError._TIMED_OUT:
        prefix = f"{subject}: " if subject else ""
        return ClientError(
            f"{prefix}no answer from the broker at {connection.bootstrap_servers} "
            f"within {connection.request_timeout_ms} ms",
            error.code(),
        )
    if error is not None and error.code() in UNREACHABLE_CODES:
        return ClientError(
            f"cannot reach the broker at {connection.bootstrap_servers} ({error.str()})",
            error.code(),
        )
    return from_exception(exc, subject)


def silent_logger() -> logging.Logger:
    """A logger that drops librdkafka's chatter (give it as a client's ``logger``)."""
    logger = logging.getLogger("airstream.client.librdkafka")
    if not logger.handlers:
        logger.addHandler(logging.NullHandler())
        logger.propagate = False
    return logger
