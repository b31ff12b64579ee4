"""The forked parsing workers: results for every file, even when a pass is abandoned."""

from __future__ import annotations

from pathlib import Path

from airstream.scheduler.processor.file_parsing import ParseOptions
from airstream.scheduler.processor.worker_pool import ParsingPool

DAG_FILE = """\
from airflow import DAG
from airflow.operators.empty import EmptyOperator

with DAG({dag_id!r}, schedule=None):
    EmptyOperator(task_id="only")
"""


def make_files(folder: Path, count: int) -> list[str]:
    paths = []
    for index in range(count):
        path = folder / f"dag_{index}.py"
        path.write_text(DAG_FILE.format(dag_id=f"dag_{index}"))
        paths.append(str(path))
    return paths


def test_every_file_is_answered_and_workers_are_reused(tmp_path: Path) -> None:
    paths = make_files(tmp_path, 12)
    with ParsingPool(ParseOptions(tmp_path, import_timeout=5), size=3) as pool:
        results = list(pool.parse(paths))
        pids = pool.worker_pids
        again = list(pool.parse(paths[:2]))
        assert pool.worker_pids[:2] == pids[:2]
    assert sorted(r.path for r in results) == sorted(paths)
    assert all(r.error is None and len(r.dags) == 1 for r in results)
    by_path = {r.path: r.dags[0] for r in results}
    assert by_path[paths[3]].model.dag_id == "dag_3"
    assert by_path[paths[3]].serialized["tasks"][0]["task_id"] == "only"
    assert len(again) == 2


def test_an_abandoned_pass_does_not_confuse_the_next(tmp_path: Path) -> None:
    paths = make_files(tmp_path, 6)
    with ParsingPool(ParseOptions(tmp_path, import_timeout=5), size=2) as pool:
        first = pool.parse(paths)
        next(first)
        first.close()
        results = list(pool.parse(paths[3:]))
    assert sorted(r.path for r in results) == sorted(paths[3:])
    assert [r.dags[0].model.dag_id for r in sorted(results, key=lambda r: r.path)] == [
        "dag_3",
        "dag_4",
        "dag_5",
    ]


def test_workers_exit_when_their_parent_is_killed(tmp_path: Path) -> None:
    """A scheduler killed with -9 must not leave parsing workers behind."""
    import os
    import signal
    import subprocess
    import sys
    import time

    script = tmp_path / "owner.py"
    script.write_text(
        "import sys, time\n"
        "from pathlib import Path\n"
        "from airstream.scheduler.processor.file_parsing import ParseOptions\n"
        "from airstream.scheduler.processor.worker_pool import ParsingPool\n"
        f"pool = ParsingPool(ParseOptions(Path({str(tmp_path)!r}), 30.0), size=2)\n"
        "pool._ensure_workers(2)\n"
        "print(*pool.worker_pids, flush=True)\n"
        "time.sleep(600)\n"
    )
    owner = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    assert owner.stdout is not None
    pids = [int(pid) for pid in owner.stdout.readline().split()]
    assert len(pids) == 2
    owner.send_signal(signal.SIGKILL)
    owner.wait()

    def alive(pid: int) -> bool:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        # A zombie waiting for init to reap it counts as gone.
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split()[2] != "Z"

    for _ in range(600):  # generous bound; the watchdog checks twice a second
        if not any(alive(pid) for pid in pids):
            break
        time.sleep(0.05)
    leftovers = [pid for pid in pids if alive(pid)]
    for pid in leftovers:
        os.kill(pid, signal.SIGKILL)
    assert leftovers == []
