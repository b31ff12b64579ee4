"""KafkaJS (Node.js) against the broker: a client with its own protocol implementation."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

PROJECT = Path(__file__).parent / "kafkajs"


@pytest.fixture(scope="module")
def kafkajs() -> Path:
    node, npm = shutil.which("node"), shutil.which("npm")
    assert node and npm, "Node.js and npm are needed (.ci/run uses the machine's)"
    if not (PROJECT / "node_modules" / "kafkajs").is_dir():
        subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"],
            cwd=PROJECT,
            check=True,
            timeout=300,
            capture_output=True,
        )
    return PROJECT / "round_trip.js"


def test_kafkajs_round_trip(broker: str, kafkajs: Path) -> None:
    done = subprocess.run(
        ["node", str(kafkajs), broker], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert sorted(result["values"]) == sorted(
        [f"v{i}" for i in range(30)] + [f"gz{i}" for i in range(20)]
    )
    assert sum(result["committed"]) == 50
    assert result["committed"] == result["ends"]
    assert result["retention"] == "604800000"
    assert "kjs" not in result["remaining"]
