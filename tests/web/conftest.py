"""Fixtures for the API tests: a server over a filled metadata store."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from api_server_process import ApiServerProcess
from api_store_data import fill_store


@pytest.fixture(scope="module")
def api_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServerProcess]:
    """A running API server over a filled store (shared by the tests of one module)."""
    home = tmp_path_factory.mktemp("api-home")
    fill_store(home)
    server = ApiServerProcess(home)
    server.start()
    yield server
    server.stop()
