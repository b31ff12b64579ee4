"""kcat (Debian's, librdkafka 2.0.2) against the broker."""

from __future__ import annotations

import shutil
import subprocess

KCAT = shutil.which("kcat")


def test_kcat_produce_list_consume(broker: str) -> None:
    assert KCAT is not None, "kcat is missing: .ci/run installs it with apt-get install kcat"
    lines = "".join(f"key{i}:value{i}\n" for i in range(25))
    subprocess.run(
        [KCAT, "-b", broker, "-P", "-t", "kc", "-K", ":"],
        input=lines,
        text=True,
        check=True,
        timeout=30,
    )
    listing = subprocess.run(
        [KCAT, "-b", broker, "-L"], capture_output=True, text=True, check=True, timeout=30
    )
    assert 'topic "kc" with 1 partitions' in listing.stdout
    out = subprocess.run(
        [KCAT, "-b", broker, "-C", "-t", "kc", "-e", "-f", "%k=%s@%o\n"],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    assert out.stdout.splitlines() == [f"key{i}=value{i}@{i}" for i in range(25)]
