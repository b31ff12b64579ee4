"""Fixtures shared by the whole suite: a real broker process on a free port."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from broker_process import BrokerProcess


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
