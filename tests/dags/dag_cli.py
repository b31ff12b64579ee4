"""Test helpers: run the DAG files of this folder through ``airstream dags test``.

Imported by the conftest files of tests/workflows, tests/operators and tests/sensors (this
folder is put on ``sys.path`` by them); listed in ``.airflowignore`` so it is not parsed as a
DAG file.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from airstream.cli import main

DAGS = Path(__file__).resolve().parent
_ROW = re.compile(r"^(\S+)\s+\|\s+(-?\d+)\s+\|\s+(\w+)\s+\|\s+(\d+)\s+\|")


@dataclass
class CliRun:
    """What one CLI call printed, with the final table of ``dags test`` parsed."""

    exit_code: int
    output: str
    states: dict[tuple[str, int], str] = field(default_factory=dict)
    tries: dict[tuple[str, int], int] = field(default_factory=dict)

    def state(self, task_id: str, map_index: int = -1) -> str:
        return self.states[(task_id, map_index)]

    def log_lines(self, task_id: str) -> list[str]:
        """The task log lines of one task (``{task_id}`` in the line header)."""
        marker = "{" + task_id + "}"
        return [line for line in self.output.splitlines() if marker in line]


def run_cli(*args: str) -> CliRun:
    """``airstream ARGS`` in this process; stdout and stderr captured together."""
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer):
        code = main(list(args))
    output = buffer.getvalue()
    run = CliRun(code, output)
    for line in output.splitlines():
        match = _ROW.match(line)
        if match:
            key = (match.group(1), int(match.group(2)))
            run.states[key] = match.group(3)
            run.tries[key] = int(match.group(4))
    return run


def run_dag(
    dag_id: str,
    logical_date: str = "2024-01-01",
    conf: dict[str, object] | None = None,
    folder: Path = DAGS,
) -> CliRun:
    """``airstream dags test DAG_ID LOGICAL_DATE [-c CONF] --dags-folder FOLDER``."""
    args = ["dags", "test", dag_id, logical_date, "--dags-folder", str(folder)]
    if conf is not None:
        args += ["-c", json.dumps(conf)]
    return run_cli(*args)


@pytest.fixture(autouse=True)
def airstream_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Each test gets its own AIRSTREAM_HOME; the DAG folder is this one."""
    home = tmp_path / "airstream-home"
    home.mkdir()
    monkeypatch.setenv("AIRSTREAM_HOME", str(home))
    monkeypatch.setenv("AIRSTREAM_DAGS_FOLDER", str(DAGS))
    yield home
