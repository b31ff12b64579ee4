"""Fixtures for ``airstream standalone``: a started instance on free ports, cleaned up after."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from standalone_process import StandaloneProcess


@pytest.fixture
def standalone(tmp_path: Path) -> Iterator[StandaloneProcess]:
    """A ready standalone from a fresh AIRSTREAM_HOME (ports 0, the example DAGs on)."""
    process = StandaloneProcess(tmp_path / "home", env={"AIRSTREAM_LOAD_EXAMPLES": "true"})
    try:
        process.start().wait_ready()
        yield process
    finally:
        process.cleanup()
