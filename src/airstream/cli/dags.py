"""``airstream dags``: list DAGs and import errors, show a DAG's graph, test-run a DAG.

The verbs that operate DAGs through the metadata database (pause, trigger, backfill, clear,
reserialize) live in :mod:`airstream.cli.dags_control`.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import sys
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from airstream.config import load_settings
from airstream.store.queries import DagQuery
from airstream.workflows.dag import DAG
from airstream.workflows.dagbag import DagBag
from airstream.workflows.exceptions import AirflowException
from airstream.workflows.execution_store import ExecutionStore, MemoryExecutionStore, use_store
from airstream.workflows.task_runner import TASK_LOGGER, task_log_handler
from airstream.workflows.timetables import as_utc

OUTPUT_FORMATS = ("table", "json", "yaml", "plain")


# -- shared with ``airstream tasks`` -----------------------------------------------------------


def add_dags_folder_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--dags-folder",
        "-S",
        "--subdir",
        dest="dags_folder",
        type=Path,
        help="DAG folder (default: AIRSTREAM_DAGS_FOLDER or AIRSTREAM_HOME/dags)",
    )


def add_output_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-o", "--output", choices=OUTPUT_FORMATS, default="table")


def load_dagbag(args: argparse.Namespace) -> DagBag:
    folder = args.dags_folder or load_settings().dags_folder
    return DagBag(folder)


def get_dag(args: argparse.Namespace) -> tuple[DagBag, DAG]:
    bag = load_dagbag(args)
    if args.dag_id not in bag.dags:
        for error in bag.import_errors.values():
            print(f"Import error: {error}", file=sys.stderr)
        raise AirflowException(f"Dag id {args.dag_id} not found in {bag.dag_folder}")
    return bag, bag.dags[args.dag_id]


def parse_logical_date(value: str | None) -> datetime:
    if not value:
        return datetime.now(UTC)
    return as_utc(datetime.fromisoformat(value))


def parse_conf(value: str | None) -> dict[str, Any]:
    if not value:
        return {}
    conf = json.loads(value)
    if not isinstance(conf, dict):
        raise ValueError("conf must be a JSON object")
    return conf


def enable_task_logs() -> logging.Handler:
    logger = logging.getLogger(TASK_LOGGER)
    handler = task_log_handler(sys.stdout)
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    return handler


def disable_task_logs(handler: logging.Handler) -> None:
    logging.getLogger(TASK_LOGGER).removeHandler(handler)


def _yaml_scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return json.dumps(str(value))


def render_rows(rows: Sequence[dict[str, Any]], output: str, columns: Sequence[str]) -> str:
    """Rows as an aligned table, JSON, YAML or plain (first column only) text."""
    if output == "json":
        return json.dumps(list(rows), default=str)
    if output == "yaml":
        if not rows:
            return "[]"
        lines = []
        for row in rows:
            for i, (key, value) in enumerate(row.items()):
                lines.append(f"{'- ' if i == 0 else '  '}{key}: {_yaml_scalar(value)}")
        return "\n".join(lines)
    if output == "plain":
        return "\n".join(str(row.get(columns[0], "")) for row in rows)
    if not rows:
        return "No data found"
    cells = [[str("" if row.get(c) is None else row.get(c)) for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    out = [" | ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))]
    out.append("=+=".join("=" * w for w in widths))
    out.extend(" | ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in cells)
    return "\n".join(line.rstrip() for line in out)


def _print_help(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def _guard(func: Any) -> Any:
    """Turn expected errors into a message on stderr and exit code 1."""

    def run(args: argparse.Namespace) -> int:
        try:
            return int(func(args))
        except (AirflowException, ValueError, OSError) as exc:
            print(f"Error: {exc}", file=sys.stderr)
            return 1

    return run


# -- commands ----------------------------------------------------------------------------------


def dags_list(args: argparse.Namespace) -> int:
    stored = None if args.dags_folder else stored_dags()
    if stored:
        columns = ["dag_id", "fileloc", "owners", "is_paused", "schedule", "tags"]
        print(render_rows(stored, args.output, columns))
        return 0
    bag = load_dagbag(args)
    rows = [
        {
            "dag_id": dag.dag_id,
            "fileloc": dag.fileloc,
            "owners": dag.owner,
            "schedule": dag.timetable.summary,
            "tags": ",".join(dag.tags),
        }
        for dag in sorted(bag.dags.values(), key=lambda d: d.dag_id)
    ]
    print(render_rows(rows, args.output, ["dag_id", "fileloc", "owners", "schedule", "tags"]))
    if bag.import_errors and args.output == "table":
        print(
            f"Failed to load all files. For details, run `airstream dags list-import-errors` "
            f"({len(bag.import_errors)} error(s))",
            file=sys.stderr,
        )
    return 0


def _database_exists() -> bool:
    """False for a fresh AIRSTREAM_HOME's SQLite file not created yet (listing must not)."""
    from sqlalchemy.engine import make_url

    url = make_url(load_settings().database_url)
    return url.get_backend_name() != "sqlite" or Path(url.database or "").is_file()


def stored_dags() -> list[dict[str, Any]]:
    """The DAGs of the metadata database (what the scheduler knows), or ``[]`` if none."""
    if not _database_exists():
        return []
    with metadata_store() as store:
        dags = store.list_dags()
    return [
        {
            "dag_id": dag.dag_id,
            "fileloc": dag.fileloc,
            "owners": dag.owners,
            "is_paused": dag.is_paused,
            "schedule": dag.schedule,
            "tags": ",".join(dag.tags),
        }
        for dag in dags
    ]


def stored_import_errors() -> list[dict[str, Any]] | None:
    """Import errors recorded by the DAG processor; ``None`` if it never ran here."""
    if not _database_exists():
        return None
    with metadata_store() as store:
        if not store.count_dags(DagQuery(include_stale=True)):
            return None
        errors = store.list_import_errors()
    return [_stored_error_row(e.filename, e.stacktrace) for e in errors]


def _stored_error_row(filename: str, stacktrace: str) -> dict[str, Any]:
    """Split the processor's first line, ``FILE[:LINE]: REASON``, back into columns."""
    first = stacktrace.split("\n", 1)[0]
    rest = first.removeprefix(filename) if first.startswith(filename) else ": " + first
    lineno = None
    line, sep, reason = rest.removeprefix(":").partition(": ")
    if sep and line.isdigit():
        lineno, rest = int(line), ": " + reason
    return {"filepath": filename, "lineno": lineno, "error": rest.removeprefix(": ")}


def dags_list_import_errors(args: argparse.Namespace) -> int:
    rows = None if args.dags_folder else stored_import_errors()
    if rows is None:
        bag = load_dagbag(args)
        rows = [
            {"filepath": e.filename, "lineno": e.lineno, "error": e.message}
            for e in sorted(bag.import_errors.values(), key=lambda e: e.filename)
        ]
    print(render_rows(rows, args.output, ["filepath", "lineno", "error"]))
    return 1 if rows and args.fail_on_errors else 0


@contextlib.contextmanager
def metadata_store() -> Iterator[Any]:
    """The metadata database of AIRSTREAM_HOME (or ``AIRSTREAM_DATABASE_URL``)."""
    from airstream.store import open_store

    with open_store(load_settings().database_url) as store:
        yield store


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def find_run(store: Any, dag_id: str, run_id_or_date: str) -> Any:
    """A run by run id, or by logical date (ISO 8601)."""
    from airstream.store.queries import DagRunQuery

    run = store.get_dag_run(dag_id, run_id_or_date)
    if run is not None:
        return run
    try:
        logical = as_utc(datetime.fromisoformat(run_id_or_date))
    except ValueError:
        logical = None
    if logical is not None:
        query = DagRunQuery(dag_ids=[dag_id], logical_date_gte=logical, logical_date_lte=logical)
        runs = store.list_dag_runs(query)
        if runs:
            return runs[0]
    raise AirflowException(
        f"DagRun for {dag_id} with run_id or logical_date {run_id_or_date!r} not found"
    )


def dags_list_runs(args: argparse.Namespace) -> int:
    from airstream.store.queries import DagRunQuery

    with metadata_store() as store:
        query = DagRunQuery(dag_ids=[args.dag_id], states=[args.state] if args.state else None)
        runs = store.list_dag_runs(query)
    rows = [
        {
            "dag_id": run.dag_id,
            "run_id": run.run_id,
            "state": str(run.state),
            "run_type": str(run.run_type),
            "run_after": iso(run.run_after),
            "logical_date": iso(run.logical_date),
            "start_date": iso(run.start_date),
            "end_date": iso(run.end_date),
        }
        for run in runs
    ]
    columns = ["dag_id", "run_id", "state", "run_after", "logical_date", "start_date", "end_date"]
    print(render_rows(rows, args.output, columns))
    return 0


def dags_state(args: argparse.Namespace) -> int:
    with metadata_store() as store:
        run = find_run(store, args.dag_id, args.run)
    print(str(run.state))
    return 0


def dag_tree_lines(dag: DAG) -> list[str]:
    """The DAG as an indented tree from its roots; a task reached twice is shown once more
    with ``(*)`` and not expanded again."""
    lines: list[str] = []
    shown: set[str] = set()

    def walk(task_id: str, prefix: str, last: bool, top: bool) -> None:
        task = dag.get_task(task_id)
        branch = "" if top else ("└── " if last else "├── ")
        again = task_id in shown
        label = f"{task_id} <{getattr(task, 'task_type', type(task).__name__)}>"
        lines.append(f"{prefix}{branch}{label}{' (*)' if again else ''}")
        if again:
            return
        shown.add(task_id)
        children = sorted(task.downstream_task_ids)
        child_prefix = prefix if top else prefix + ("    " if last else "│   ")
        for i, child in enumerate(children):
            edge = dag.get_edge_info(task_id, child).get("label")
            if edge:
                lines.append(f"{child_prefix}{'└' if i == len(children) - 1 else '├'}-[{edge}]")
            walk(child, child_prefix, i == len(children) - 1, False)

    for root in sorted(t.task_id for t in dag.roots):
        walk(root, "", True, True)
    return lines


def dag_dot(dag: DAG) -> str:
    lines = [f'digraph "{dag.dag_id}" {{', "  rankdir=LR;"]
    for task in dag.topological_sort():
        lines.append(f'  "{task.task_id}";')
    for task in dag.topological_sort():
        for down in sorted(task.downstream_task_ids):
            label = dag.get_edge_info(task.task_id, down).get("label")
            attr = f' [label="{label}"]' if label else ""
            lines.append(f'  "{task.task_id}" -> "{down}"{attr};')
    lines.append("}")
    return "\n".join(lines)


def dags_show(args: argparse.Namespace) -> int:
    _, dag = get_dag(args)
    if args.dot:
        print(dag_dot(dag))
    else:
        print(f"DAG: {dag.dag_id}")
        print("\n".join(dag_tree_lines(dag)))
    return 0


@contextlib.contextmanager
def _execution_store(
    args: argparse.Namespace,
) -> Iterator[tuple[ExecutionStore, Path | None]]:
    """The metadata database and log folder (kept, as with Airflow), or memory (``--no-db``)."""
    if args.no_db:
        yield MemoryExecutionStore(), None
        return
    from airstream.store import open_store
    from airstream.workflows.metadata_execution_store import MetadataExecutionStore

    settings = load_settings()
    with open_store(settings.database_url) as metadata:
        yield MetadataExecutionStore(metadata), settings.home / "logs"


def dags_test(args: argparse.Namespace) -> int:
    from airstream.workflows.dag_test import in_process_trigger, run_dag_test
    from airstream.workflows.task_runner import SystemClock

    conf = parse_conf(args.conf)
    logical_date = parse_logical_date(args.logical_date)
    clock = SystemClock()
    handler = enable_task_logs()
    try:
        with _execution_store(args) as (store, log_folder):
            with use_store(store):
                # DAG files may read variables at parse time: from the same store.
                bag, dag = get_dag(args)
            result = run_dag_test(
                dag,
                logical_date=logical_date,
                conf=conf,
                store=store,
                clock=clock,
                log_folder=log_folder,
                trigger_dag=in_process_trigger(bag.get_dag, store, clock, log_folder),
            )
    finally:
        disable_task_logs(handler)
    rows = [
        {
            "task_id": ti.task_id,
            "map_index": ti.map_index,
            "state": str(ti.state) if ti.state else "none",
            "try_number": ti.try_number,
            "duration": f"{ti.duration:.2f}" if ti.duration is not None else "",
        }
        for ti in result.task_instances
    ]
    print()
    print(render_rows(rows, "table", ["task_id", "map_index", "state", "try_number", "duration"]))
    print(f"\nDag run {result.run.run_id} of {dag.dag_id} finished: {result.state}")
    return 0 if result.succeeded else 1


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("dags", help="List, show, test-run, trigger and pause DAGs")
    commands = parser.add_subparsers(dest="dags_command", metavar="COMMAND")
    parser.set_defaults(func=lambda args: _print_help(parser))

    p = commands.add_parser(
        "list", help="List the DAGs (from the metadata database once parsed there)"
    )
    add_dags_folder_argument(p)
    add_output_argument(p)
    p.set_defaults(func=_guard(dags_list))

    p = commands.add_parser("list-import-errors", help="List DAG files that failed to load")
    add_dags_folder_argument(p)
    add_output_argument(p)
    p.add_argument("--fail-on-errors", action="store_true", help="exit 1 if there are errors")
    p.set_defaults(func=_guard(dags_list_import_errors))

    p = commands.add_parser("list-runs", help="List the runs of a DAG (newest first)")
    p.add_argument("dag_id")
    p.add_argument("--state", help="only runs in this state")
    add_output_argument(p)
    p.set_defaults(func=_guard(dags_list_runs))

    p = commands.add_parser("state", help="Print the state of a DAG run")
    p.add_argument("dag_id")
    p.add_argument("run", metavar="LOGICAL_DATE_OR_RUN_ID")
    p.set_defaults(func=_guard(dags_state))

    p = commands.add_parser("show", help="Show a DAG's tasks and dependencies as a text graph")
    p.add_argument("dag_id")
    p.add_argument("--dot", action="store_true", help="print Graphviz DOT instead")
    add_dags_folder_argument(p)
    p.set_defaults(func=_guard(dags_show))

    p = commands.add_parser(
        "test", help="Run one DAG run in this process and print the task states"
    )
    p.add_argument("dag_id")
    p.add_argument("logical_date", nargs="?", help="logical date (ISO 8601); default now")
    p.add_argument("-c", "--conf", help="DAG run conf as a JSON object")
    p.add_argument(
        "--no-db", action="store_true", help="keep the run in memory, not in the metadata database"
    )
    add_dags_folder_argument(p)
    p.set_defaults(func=_guard(dags_test))

    from airstream.cli.dags_control import register_control_commands

    register_control_commands(commands)


__all__ = ["register", "render_rows"]
