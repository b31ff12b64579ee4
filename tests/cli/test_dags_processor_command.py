"""``airstream dag-processor -n 1``: one pass of the standalone DAG processor."""

from __future__ import annotations

import argparse
import shutil
import signal
from pathlib import Path

import pytest

from airstream.cli import dag_processor
from airstream.config import load_settings
from airstream.store import open_store

DAGS = Path(__file__).resolve().parents[1] / "dags"


def test_one_pass_stores_the_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "dags"
    folder.mkdir()
    shutil.copy(DAGS / "tutorial.py", folder / "tutorial.py")
    (folder / "broken.py").write_text("from airflow import DAG\nDAG('broken'\n")
    monkeypatch.setenv("AIRSTREAM_HOME", str(tmp_path / "home"))
    parser = argparse.ArgumentParser(prog="airstream")
    dag_processor.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["dag-processor", "-n", "1", "--dags-folder", str(folder)])
    previous = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        assert args.func(args) == 0
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    with open_store(load_settings().database_url) as store:
        assert [dag.dag_id for dag in store.list_dags()] == ["mlops"]
        (error,) = store.list_import_errors()
    assert error.filename == str(folder / "broken.py")
