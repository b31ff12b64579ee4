"""AIRSTREAM_HOME preparation and the admin password the ready banner shows."""

from __future__ import annotations

import json
from pathlib import Path

from airstream.config import load_settings
from airstream.standalone import home_setup
from airstream.web import auth


def test_names_match_the_api_server() -> None:
    assert home_setup.PASSWORDS_FILE_NAME == auth.PASSWORDS_FILE_NAME
    assert home_setup.ADMIN_PASSWORD_ENV == auth.ADMIN_PASSWORD_ENV
    assert home_setup.ADMIN_USER == auth.ADMIN_USER


def test_admin_password_prefers_the_environment(tmp_path: Path) -> None:
    (tmp_path / auth.PASSWORDS_FILE_NAME).write_text(json.dumps({"admin": "from-file"}))
    assert home_setup.admin_password(tmp_path, {}) == "from-file"
    assert home_setup.admin_password(tmp_path, {auth.ADMIN_PASSWORD_ENV: "env"}) == "env"
    assert home_setup.admin_password(tmp_path / "elsewhere", {}) is None


def test_migrate_schema_initialises_once(tmp_path: Path) -> None:
    settings = load_settings(env={"AIRSTREAM_HOME": str(tmp_path / "home")})
    first = home_setup.migrate_schema(settings)
    assert first.created and first.schema_revision is not None
    assert (tmp_path / "home" / "dags").is_dir() and first.log_dir.is_dir()
    again = home_setup.migrate_schema(settings)
    assert not again.created and again.schema_revision == first.schema_revision
