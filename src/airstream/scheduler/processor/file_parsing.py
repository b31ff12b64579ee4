"""What a parsing worker does with one DAG file: import it, describe its DAGs as plain data.

The result (:class:`ParsedFile`) holds only picklable values (DAG rows, serialized JSON,
an import error), so it can travel back to the DAG processor over a pipe. User code runs
behind :class:`~airstream.workflows.dagbag.DagBag`'s boundary: any failure, including the
SIGALRM timeout, becomes an :class:`ImportErrorRecord` with the original traceback.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from airstream.store.records import DagModel
from airstream.workflows.dag import DAG
from airstream.workflows.dagbag import DagBag, ImportErrorRecord
from airstream.workflows.serialization import serialize_dag


@dataclass(frozen=True)
class ParseOptions:
    """What every parse in a pass shares (sent to the workers when they start)."""

    dags_folder: Path
    import_timeout: float
    paused_at_creation: bool = False


@dataclass(frozen=True)
class ParsedDag:
    """One DAG found in a file: its row and its serialized structure."""

    model: DagModel
    serialized: dict[str, Any]


@dataclass(frozen=True)
class ParsedFile:
    """The outcome of parsing one file: its DAGs, or the error that stopped it."""

    path: str
    dags: list[ParsedDag] = field(default_factory=list)
    error: ImportErrorRecord | None = None


def parse_dag_file(path: Path, options: ParseOptions) -> ParsedFile:
    """Import ``path`` (in this process) and describe its DAGs, or its import error."""
    before = set(sys.modules)
    try:
        bag = DagBag(path, import_timeout=options.import_timeout)
        key = str(path.resolve())
        if key in bag.import_errors:
            return ParsedFile(key, error=bag.import_errors[key])
        try:
            dags = [describe_dag(dag, options) for dag in bag.dags.values()]
        except Exception as exc:
            return ParsedFile(key, error=_serialization_error(key, exc))
        return ParsedFile(key, dags=dags)
    finally:
        _forget_folder_modules(before, options.dags_folder)


def describe_dag(dag: DAG, options: ParseOptions) -> ParsedDag:
    """The ``dag`` row and serialized structure of a loaded DAG."""
    dag.relative_fileloc = _relative(Path(dag.fileloc), options.dags_folder)
    paused = dag.is_paused_upon_creation
    model = DagModel(
        dag_id=dag.dag_id,
        fileloc=dag.fileloc,
        relative_fileloc=dag.relative_fileloc,
        is_paused=options.paused_at_creation if paused is None else bool(paused),
        schedule=dag.timetable.summary,
        timetable_description=dag.timetable.summary,
        tags=tuple(dag.tags),
        owners=dag.owner,
        description=dag.description,
        max_active_tasks=dag.max_active_tasks,
        max_active_runs=dag.max_active_runs,
        max_consecutive_failed_dag_runs=dag.max_consecutive_failed_dag_runs,
        has_task_concurrency_limits=any(
            getattr(task, "max_active_tis_per_dag", None) is not None for task in dag.tasks
        ),
    )
    return ParsedDag(model, serialize_dag(dag))


def _serialization_error(path: str, exc: Exception) -> ImportErrorRecord:
    import traceback

    return ImportErrorRecord(
        filename=path,
        lineno=None,
        message=f"Failed to serialize DAG: {type(exc).__name__}: {exc}",
        stacktrace="".join(traceback.format_exception(exc)),
    )


def _forget_folder_modules(before: set[str], folder: Path) -> None:
    """Drop modules this file imported from the DAG folder (helpers beside DAG files).

    A long-lived worker would otherwise keep the first version of a helper forever; third
    party libraries stay imported, which is what makes the next file fast.
    """
    root = str(folder.resolve())
    for name in set(sys.modules) - before:
        origin = getattr(sys.modules.get(name), "__file__", None) or ""
        if origin.startswith(root):
            sys.modules.pop(name, None)


def _relative(path: Path, folder: Path) -> str:
    try:
        return str(path.resolve().relative_to(folder.resolve()))
    except ValueError:
        return str(path)
