"""Settings precedence: defaults < airstream.toml < AIRSTREAM_* environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from airstream.config import ConfigError, load_settings


def test_defaults(tmp_path: Path) -> None:
    settings = load_settings(env={"AIRSTREAM_HOME": str(tmp_path)})
    assert settings.home == tmp_path
    assert settings.broker.port == 9092
    assert settings.broker.host == "127.0.0.1"
    assert settings.broker_data_dir == tmp_path
    assert settings.dags_folder == tmp_path / "dags"
    assert settings.database_url == f"sqlite:///{tmp_path / 'airstream.db'}"


def test_file_then_environment(tmp_path: Path) -> None:
    (tmp_path / "airstream.toml").write_text(
        '[broker]\nport = 19092\ndata_dir = "/srv/data"\nauto_create_topics_enable = false\n'
        '[core]\ndags_folder = "/srv/dags"\n'
    )
    env = {"AIRSTREAM_HOME": str(tmp_path)}
    settings = load_settings(env=env)
    assert settings.broker.port == 19092
    assert settings.broker_data_dir == Path("/srv/data")
    assert settings.broker.auto_create_topics_enable is False
    assert settings.dags_folder == Path("/srv/dags")

    env |= {
        "AIRSTREAM_BROKER_PORT": "29092",
        "AIRSTREAM_DAGS_FOLDER": "/x/dags",
        "AIRSTREAM_BROKER_DURABILITY": "page-cache",
    }
    settings = load_settings(env=env)
    assert settings.broker.port == 29092
    assert settings.broker.durability == "page-cache"
    assert settings.dags_folder == Path("/x/dags")


def test_explicit_config_file_and_errors(tmp_path: Path) -> None:
    config = tmp_path / "elsewhere.toml"
    config.write_text("[broker]\nport = 1234\n")
    env = {"AIRSTREAM_HOME": str(tmp_path), "AIRSTREAM_CONFIG": str(config)}
    assert load_settings(env=env).broker.port == 1234

    with pytest.raises(ConfigError, match=r"broker\.port must be an integer"):
        load_settings(env={**env, "AIRSTREAM_BROKER_PORT": "many"})
    with pytest.raises(ConfigError, match=r"durability must be one of"):
        load_settings(env={**env, "AIRSTREAM_BROKER_DURABILITY": "maybe"})
    config.write_text("[broker]\nprot = 1\n")
    with pytest.raises(ConfigError, match="unknown setting"):
        load_settings(env=env)


def test_numbers_from_the_environment(tmp_path: Path) -> None:
    env = {"AIRSTREAM_HOME": str(tmp_path), "AIRSTREAM_CORE_DAGBAG_IMPORT_TIMEOUT": "2.5"}
    assert load_settings(env=env).core.dagbag_import_timeout == 2.5
    with pytest.raises(ConfigError, match="must be a number"):
        load_settings(env={**env, "AIRSTREAM_CORE_DAGBAG_IMPORT_TIMEOUT": "soon"})
