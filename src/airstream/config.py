"""Settings from ``airstream.toml`` and ``AIRSTREAM_*`` environment variables.

Precedence, highest first: command-line flags (applied by the CLI with
:func:`dataclasses.replace`), environment variables, the TOML file, built-in defaults.

The TOML file is ``$AIRSTREAM_CONFIG`` if set, else ``$AIRSTREAM_HOME/airstream.toml``; each
section of :class:`Settings` is a table of the same name::

    [broker]
    port = 9092
    durability = "fsync"

An environment variable ``AIRSTREAM_<SECTION>_<KEY>`` overrides ``[section] key`` (for example
``AIRSTREAM_BROKER_PORT=19092``); a few well-known names have short aliases (``AIRSTREAM_HOME``,
``AIRSTREAM_DAGS_FOLDER``). Nothing is read at import time: call :func:`load_settings`.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal


class ConfigError(ValueError):
    """A setting has a value of the wrong type or outside its allowed range."""


@dataclass(frozen=True)
class CoreSettings:
    """Workflow settings shared by the scheduler, `dags test` and the API server."""

    dags_folder: Path | None = None
    load_examples: bool = True
    dags_are_paused_at_creation: bool = False
    parallelism: int = 32
    max_active_tasks_per_dag: int = 16
    max_active_runs_per_dag: int = 16
    #: Seconds one DAG file may take to import before it is recorded as an import error.
    dagbag_import_timeout: float = 30.0
    #: DAG-parsing worker processes; 0 means one per CPU, at most 4.
    parsing_processes: int = 0


@dataclass(frozen=True)
class DatabaseSettings:
    """The metadata database; empty ``url`` means SQLite under AIRSTREAM_HOME."""

    url: str = ""


@dataclass(frozen=True)
class BrokerSettings:
    """The Kafka-compatible broker. Names follow Kafka's broker configs where one exists."""

    host: str = "127.0.0.1"
    port: int = 9092
    #: Where ``log/`` and the broker's own metadata live; empty means AIRSTREAM_HOME.
    data_dir: Path | None = None
    #: Host clients are told to connect to (Metadata); empty means ``host``.
    advertised_host: str = ""
    node_id: int = 1
    auto_create_topics_enable: bool = True
    num_partitions: int = 1
    #: ``fsync``: acks=-1 is answered after an fsync (group commit). ``page-cache``: after write.
    durability: Literal["fsync", "page-cache"] = "fsync"
    socket_request_max_bytes: int = 100 * 1024 * 1024
    group_initial_rebalance_delay_ms: int = 3000
    group_min_session_timeout_ms: int = 6000
    group_max_session_timeout_ms: int = 1800000
    log_retention_check_interval_ms: int = 300000
    offsets_retention_minutes: int = 10080


@dataclass(frozen=True)
class ApiSettings:
    """The API server and console (``airstream api-server``)."""

    host: str = "127.0.0.1"
    port: int = 8080
    #: Users and roles as Airflow's simple auth manager spells them: ``name:role,name:role``.
    users: str = "admin:admin"
    #: Key that signs access tokens; empty means one generated and kept under AIRSTREAM_HOME.
    secret_key: str = ""
    access_token_expiration_seconds: int = 86400
    #: Bootstrap servers the streams pages read; empty means the local broker's settings.
    bootstrap_servers: str = ""


@dataclass(frozen=True)
class EventsSettings:
    """DAG run and task instance state changes, published by the scheduler to a topic."""

    enabled: bool = True
    topic: str = "airstream.events"
    #: Where to publish; empty means AIRSTREAM_BOOTSTRAP_SERVERS, else the local broker.
    bootstrap_servers: str = ""


@dataclass(frozen=True)
class Settings:
    """All of airstream's settings. ``home`` is the one data directory (AIRSTREAM_HOME)."""

    home: Path = field(default_factory=lambda: Path.home() / "airstream")
    core: CoreSettings = field(default_factory=CoreSettings)
    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    broker: BrokerSettings = field(default_factory=BrokerSettings)
    api: ApiSettings = field(default_factory=ApiSettings)
    events: EventsSettings = field(default_factory=EventsSettings)

    @property
    def broker_data_dir(self) -> Path:
        return self.broker.data_dir or self.home

    @property
    def dags_folder(self) -> Path:
        return self.core.dags_folder or self.home / "dags"

    @property
    def database_url(self) -> str:
        return self.database.url or f"sqlite:///{self.home / 'airstream.db'}"


#: Short environment names for settings users reach for most.
ENV_ALIASES: dict[str, tuple[str, str]] = {
    "AIRSTREAM_DAGS_FOLDER": ("core", "dags_folder"),
    "AIRSTREAM_LOAD_EXAMPLES": ("core", "load_examples"),
    "AIRSTREAM_BOOTSTRAP_SERVERS": ("api", "bootstrap_servers"),
}


def load_settings(
    env: Mapping[str, str] | None = None, config_file: Path | None = None
) -> Settings:
    """Read the TOML file and the environment into a :class:`Settings`."""
    env = os.environ if env is None else env
    home = Path(env.get("AIRSTREAM_HOME") or Path.home() / "airstream").expanduser()
    path = config_file or Path(env.get("AIRSTREAM_CONFIG") or home / "airstream.toml")
    file_values: dict[str, Any] = {}
    if path.is_file():
        with path.open("rb") as fh:
            file_values = tomllib.load(fh)
    sections: dict[str, Any] = {}
    for f in dataclasses.fields(Settings):
        if f.name == "home":
            continue
        section_type = typing.get_type_hints(Settings)[f.name]
        raw = dict(file_values.get(f.name, {}))
        raw.update(_env_values(env, f.name, section_type))
        sections[f.name] = _build_section(section_type, f.name, raw)
    return Settings(home=home, **sections)


def _env_values(env: Mapping[str, str], section: str, section_type: type) -> dict[str, str]:
    values: dict[str, str] = {}
    for name, (alias_section, key) in ENV_ALIASES.items():
        if alias_section == section and name in env:
            values[key] = env[name]
    for f in dataclasses.fields(section_type):
        name = f"AIRSTREAM_{section}_{f.name}".upper()
        if name in env:
            values[f.name] = env[name]
    return values


def _build_section(section_type: type, section: str, raw: Mapping[str, Any]) -> Any:
    hints = typing.get_type_hints(section_type)
    known = {f.name for f in dataclasses.fields(section_type)}
    unknown = set(raw) - known
    if unknown:
        raise ConfigError(f"[{section}]: unknown setting(s) {', '.join(sorted(unknown))}")
    kwargs = {key: _coerce(hints[key], value, f"{section}.{key}") for key, value in raw.items()}
    return section_type(**kwargs)


def _coerce(annotation: Any, value: Any, where: str) -> Any:
    """Turn a TOML or environment value into the field's declared type."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if value in ("", None):
            return None
        return _coerce(args[0], value, where)
    if origin is Literal:
        allowed = typing.get_args(annotation)
        if value not in allowed:
            raise ConfigError(f"{where} must be one of {', '.join(map(str, allowed))}: {value!r}")
        return value
    if annotation is bool:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("1", "true", "yes", "on"):
            return True
        if text in ("0", "false", "no", "off"):
            return False
        raise ConfigError(f"{where} must be a boolean: {value!r}")
    if annotation is int:
        try:
            return int(value)
        except (TypeError, ValueError):
            raise ConfigError(f"{where} must be an integer: {value!r}") from None
    if annotation is float:
        try:
            return float(value)
        except (TypeError, ValueError):
            raise ConfigError(f"{where} must be a number: {value!r}") from None
    if annotation is Path:
        return Path(str(value)).expanduser()
    return str(value)
