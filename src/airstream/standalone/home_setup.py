"""AIRSTREAM_HOME for ``standalone``: the folders, the metadata schema, the admin's password.

The schema is migrated here, once, before the scheduler and the api-server start: they would
otherwise both try to create a fresh SQLite database at the same moment. (The broker keeps no
metadata there, so it is already starting meanwhile.)
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from airstream.config import Settings

#: Where each child's output goes: ``<home>/logs/standalone/<name>.log``.
LOG_SUBDIR = Path("logs") / "standalone"
# The api-server's names (:mod:`airstream.web.auth`, Airflow's simple auth manager), repeated
# so the supervisor need not load the web stack to read one file (a test keeps them equal).
PASSWORDS_FILE_NAME = "simple_auth_manager_passwords.json.generated"
ADMIN_PASSWORD_ENV = "AIRSTREAM_ADMIN_PASSWORD"
ADMIN_USER = "admin"


@dataclass(frozen=True)
class PreparedHome:
    """What :func:`migrate_schema` found and set up."""

    log_dir: Path
    dags_folder: Path
    schema_revision: str | None
    #: Whether the metadata database was created by this start.
    created: bool


def prepare_folders(settings: Settings) -> Path:
    """Create AIRSTREAM_HOME, its DAG folder and the children's log folder (returned)."""
    log_dir = settings.home / LOG_SUBDIR
    log_dir.mkdir(parents=True, exist_ok=True)
    settings.dags_folder.mkdir(parents=True, exist_ok=True)
    return log_dir


def migrate_schema(settings: Settings) -> PreparedHome:
    """Bring the metadata schema up to date (creating the database on first use)."""
    from airstream.store import schema
    from airstream.store.engine import create_store_engine

    created = not _database_exists(settings.database_url)
    engine = create_store_engine(settings.database_url)
    try:
        status = schema.upgrade(engine)
    finally:
        engine.dispose()
    log_dir = prepare_folders(settings)
    return PreparedHome(log_dir, settings.dags_folder, status.current, created)


def _database_exists(url: str) -> bool:
    """False only for a SQLite file not created yet (a server database is never "new")."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    return parsed.get_backend_name() != "sqlite" or Path(parsed.database or "").is_file()


def admin_password(home: Path, env: Mapping[str, str] | None = None) -> str | None:
    """The admin's password as the api-server uses it: the environment's, else the file's."""
    env = os.environ if env is None else env
    explicit = env.get(ADMIN_PASSWORD_ENV)
    if explicit:
        return explicit
    try:
        stored = json.loads((home / PASSWORDS_FILE_NAME).read_text())
    except (OSError, ValueError):
        return None
    value = stored.get(ADMIN_USER) if isinstance(stored, dict) else None
    return str(value) if value is not None else None
