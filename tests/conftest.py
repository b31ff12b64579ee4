"""Fixtures shared by the whole suite: a real broker process on a free port."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from broker_process import BrokerProcess

# The shipped example DAGs load by default ([core] load_examples); tests that want them say
# so. Set before any test (and any process a test starts) reads the settings.
os.environ.setdefault("AIRSTREAM_LOAD_EXAMPLES", "false")


@pytest.fixture
def broker_process(tmp_path: Path) -> Iterator[BrokerProcess]:
    """A started broker process; tests may stop, kill and restart it."""
    process = BrokerProcess(tmp_path / "broker-data")
    process.start()
    yield process
    if process.proc is not None and process.proc.poll() is None:
        process.stop()


@pytest.fixture
def broker(broker_process: BrokerProcess) -> str:
    """The bootstrap address ``127.0.0.1:PORT`` of a fresh broker."""
    return broker_process.bootstrap
