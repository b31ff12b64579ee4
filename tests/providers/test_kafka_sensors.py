"""AwaitMessageSensor and AwaitMessageTriggerFunctionSensor, run in DAG files by ``dags test``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from kafka_testing import committed_offset, produce, run_dag


def _wait_for_line(path: Path, line: str, proc: subprocess.Popen[str]) -> None:
    """Until ``line`` is in ``path`` (the sensor has read it), failing if the DAG run ends."""
    deadline = time.monotonic() + 60  # a hang guard only, nothing is asserted about time
    while time.monotonic() < deadline:
        if path.exists() and line in path.read_text().splitlines():
            return
        assert proc.poll() is None, proc.communicate()[0]
        time.sleep(0.05)
    raise AssertionError(f"{line!r} never appeared in {path}")


def test_await_message_fires_on_a_record_produced_while_it_waits(
    kafka_default: str, tmp_path: Path
) -> None:
    seen = tmp_path / "seen.txt"
    produce(kafka_default, "sensor-events", ["noise-1", "noise-2"])
    conf = {"wanted": "the-one", "seen": str(seen)}
    dag_test = ["dags", "test", "kafka_await_message", "2024-01-01", "-c", json.dumps(conf)]
    # A separate process, so this test can produce while the sensor waits.
    proc = subprocess.Popen(
        [sys.executable, "-m", "airstream", *dag_test],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=dict(os.environ),
    )
    try:
        _wait_for_line(seen, "noise-2", proc)
        produce(kafka_default, "sensor-events", ["the-one", "after"])
        output, _ = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, output
    assert "return_value: matched:the-one" in output
    assert "pushed: matched:the-one" in output
    assert seen.read_text().splitlines() == ["noise-1", "noise-2", "the-one"]
    # Each record read was committed, the match included; the one after it was not read.
    assert committed_offset(kafka_default, "sensor-events") == 3


def test_trigger_function_sensor_calls_the_function_per_matching_record(
    kafka_default: str, tmp_path: Path
) -> None:
    produce(kafka_default, "sensor-events", ["a1", "b1", "a2", "b2", "a3", "a4"])
    out = tmp_path / "events.txt"
    run = run_dag("kafka_trigger_function", {"out": str(out), "stop_after": 3})
    # The function stops the watch by raising AirflowSkipException on the third event.
    assert run.state("watch") == "skipped", run.output
    assert out.read_text().splitlines() == ["a1", "a2", "a3"]
