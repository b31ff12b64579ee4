"""Heartbeats: a real ``airstream scheduler`` (with its DAG processor) records ``job`` rows
that ``MetadataStore.latest_heartbeats()`` reports, and keeps them moving."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from topic_support import wait_until

from airstream.scheduler.heartbeat import Heartbeat
from airstream.store import open_store
from airstream.store import records as rec


def test_scheduler_and_dag_processor_heartbeat(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'airstream.db'}"
    store = open_store(url)
    (tmp_path / "dags").mkdir()
    env = {
        **os.environ,
        "AIRSTREAM_HOME": str(tmp_path),
        "AIRSTREAM_DATABASE_URL": url,
        "AIRSTREAM_LOAD_EXAMPLES": "false",
    }
    before = datetime.now(UTC)
    log = open(tmp_path / "scheduler.log", "ab")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [sys.executable, "-m", "airstream", "scheduler", "--dags-folder", str(tmp_path / "dags")],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    log.close()
    try:
        wait_until(
            lambda: set(store.latest_heartbeats()) == {"scheduler", "dag_processor"},
            "both heartbeats",
        )
        beats = store.latest_heartbeats()
        assert all(beat >= before for beat in beats.values())
        first = beats["scheduler"]
        wait_until(lambda: store.latest_heartbeats()["scheduler"] > first, "a second beat")
    finally:
        proc.terminate()
        proc.wait(30)
        store.close()


def test_heartbeat_keeps_one_job_row_per_process(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'airstream.db'}")
    try:
        heartbeat = Heartbeat(store, rec.JobType.SCHEDULER, interval=0.0)
        heartbeat.beat()
        first = store.latest_heartbeats()["scheduler"]
        heartbeat.beat_if_due()
        assert store.latest_heartbeats()["scheduler"] >= first
        assert heartbeat.job.id == 1 and heartbeat.job.pid == os.getpid()
    finally:
        store.close()
