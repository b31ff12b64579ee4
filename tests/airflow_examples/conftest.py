"""Fixtures: each test has its own AIRSTREAM_HOME; the DAG folder is this one."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent
_DAGS = str(EXAMPLES.parent / "dags")
if _DAGS not in sys.path:
    sys.path.append(_DAGS)


@pytest.fixture(autouse=True)
def airstream_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh AIRSTREAM_HOME, the examples as DAG folder, the variables/connections they use."""
    home = tmp_path / "airstream-home"
    home.mkdir()
    monkeypatch.setenv("AIRSTREAM_HOME", str(home))
    monkeypatch.setenv("AIRSTREAM_DAGS_FOLDER", str(EXAMPLES))
    monkeypatch.setenv("AIRFLOW_VAR_EX_SETTINGS", '{"region": "eu-west", "limits": [5, 10]}')
    monkeypatch.setenv("AIRFLOW_CONN_EX_WAREHOUSE", "postgres://loader:pw@db.example:5433/dwh")
    yield home
