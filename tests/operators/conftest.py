"""Fixtures: each test has its own AIRSTREAM_HOME; DAG files of tests/dags run via the CLI."""

import sys
from pathlib import Path

_DAGS = str(Path(__file__).resolve().parents[1] / "dags")
if _DAGS not in sys.path:
    sys.path.append(_DAGS)

from dag_cli import airstream_home  # noqa: E402, F401 - an autouse fixture
