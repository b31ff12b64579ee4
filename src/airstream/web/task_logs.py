"""Where a task attempt's log file is: ``logs/<dag>/<run>/<task>[/map_index=<i>]/attempt=<n>.log``.

The layout is the one the task runner writes (see :mod:`airstream.workflows.task_runner`).
Ids come from URLs, so a path that would leave the log folder is refused.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any


def attempt_log_path(
    log_folder: Path, dag_id: str, run_id: str, task_id: str, map_index: int, try_number: int
) -> Path | None:
    """The log file of one attempt, or ``None`` if the ids would escape ``log_folder``."""
    task_dir = log_folder / dag_id / run_id / task_id
    if map_index >= 0:
        task_dir = task_dir / f"map_index={map_index}"
    path = task_dir / f"attempt={try_number}.log"
    root = log_folder.resolve()
    if any(part in ("", ".", "..") for part in (dag_id, run_id, task_id)):
        return None
    if not path.resolve().is_relative_to(root):
        return None
    return path


#: A line as :class:`~airstream.workflows.task_runner.TaskLogFormatter` writes it.
_LINE = re.compile(
    r"^\[(?P<timestamp>[^\]]+)\] \{(?P<logger>[^}]*)\} (?P<level>[A-Z]+) - (?P<event>.*)$"
)


def structured_lines(text: str) -> list[dict[str, Any]]:
    """Each log line as Airflow's structured message: ``event`` plus, when the line has
    them, ``timestamp``, ``level`` and ``logger``. Other lines (tracebacks, raw output) keep
    only their text as ``event``."""
    messages: list[dict[str, Any]] = []
    for line in text.splitlines():
        match = _LINE.match(line)
        stamp = _timestamp(match["timestamp"]) if match else None
        if match is None or stamp is None:
            messages.append({"event": line})
            continue
        messages.append(
            {
                "timestamp": stamp,
                "event": match["event"],
                "level": match["level"].lower(),
                "logger": match["logger"],
            }
        )
    return messages


def _timestamp(text: str) -> datetime | None:
    try:
        return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f%z")
    except ValueError:
        try:
            return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S%z")
        except ValueError:
            return None
