"""Variables and connections from local files for ``dag.test(...)``."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from airstream.workflows.connections import get_connection
from airstream.workflows.exceptions import AirflowException
from airstream.workflows.local_settings_files import local_settings, read_settings_file
from airstream.workflows.variables import Variable


def test_env_file_values_are_visible_only_inside_the_block(tmp_path: Path) -> None:
    variables = tmp_path / "vars.env"
    variables.write_text('# comment\nEX_LS_COLOUR = blue\n\nEX_LS_JSON={"a": 1}\n')
    connections = tmp_path / "conns.json"
    connections.write_text('{"ex_ls_db": {"conn_type": "sqlite", "host": "/tmp/x.db"}}')
    with local_settings(str(variables), str(connections)):
        assert Variable.get("ex_ls_colour") == "blue"
        assert Variable.get("ex_ls_json", deserialize_json=True) == {"a": 1}
        assert get_connection("ex_ls_db").host == "/tmp/x.db"
    assert "AIRFLOW_VAR_EX_LS_COLOUR" not in os.environ
    assert Variable.get("ex_ls_colour", default_var=None) is None


def test_bad_files_are_refused_clearly(tmp_path: Path) -> None:
    bad_line = tmp_path / "bad.env"
    bad_line.write_text("JUST_A_KEY\n")
    with pytest.raises(AirflowException, match="line 1"):
        read_settings_file(bad_line)
    unknown = tmp_path / "vars.ini"
    unknown.write_text("[x]\n")
    with pytest.raises(AirflowException, match="Unsupported file format"):
        read_settings_file(unknown)
    not_mapping = tmp_path / "list.json"
    not_mapping.write_text("[1, 2]")
    with pytest.raises(AirflowException, match="mapping"):
        read_settings_file(not_mapping)
