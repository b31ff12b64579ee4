"""Operating DAGs from the command line: pause, unpause, trigger, backfill, clear, reserialize.

These commands act on the metadata database; the scheduler does the rest (it runs what is
queued, skips what is paused). A DAG the database does not know yet is looked for by
parsing the DAG folder once, as ``dags reserialize`` does.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from airstream.cli.dags import (
    _guard,
    add_dags_folder_argument,
    add_output_argument,
    iso,
    metadata_store,
    parse_conf,
    render_rows,
)
from airstream.config import load_settings
from airstream.store import MetadataStore
from airstream.store import records as rec
from airstream.workflows.exceptions import DagNotFound
from airstream.workflows.timetables import as_utc

Handler = Callable[[argparse.Namespace], int]


def _now() -> datetime:
    return datetime.now(UTC)


def parse_date(value: str) -> datetime:
    """An ISO 8601 date or datetime (naive means UTC, as everywhere in airstream)."""
    try:
        return as_utc(datetime.fromisoformat(value))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 date: {value!r}") from None


def reserialize(store: MetadataStore, dags_folder: Path | None, force: bool = True) -> Any:
    """One DAG processor pass over the folder; returns its :class:`RefreshResult`."""
    from airstream.scheduler.processor import DagProcessor

    with DagProcessor(load_settings(), store, dags_folder=dags_folder) as processor:
        return processor.refresh(force=force)


def ensure_dag_known(store: MetadataStore, dag_id: str, dags_folder: Path | None) -> rec.DagModel:
    """The DAG's row; parses the folder once if the database does not know the DAG yet."""
    model = store.get_dag(dag_id)
    if model is None or model.is_stale:
        reserialize(store, dags_folder, force=False)
        model = store.get_dag(dag_id)
    if model is None or model.is_stale:
        raise DagNotFound(
            f"Dag id {dag_id} not found in the metadata database nor in the DAG folder; "
            "see `airstream dags list-import-errors`"
        )
    return model


def run_row(run: rec.DagRun) -> dict[str, Any]:
    return {
        "dag_id": run.dag_id,
        "run_id": run.run_id,
        "state": str(run.state),
        "run_type": str(run.run_type),
        "logical_date": iso(run.logical_date),
        "data_interval_start": iso(run.data_interval_start),
        "data_interval_end": iso(run.data_interval_end),
        "run_after": iso(run.run_after),
        "conf": dict(run.conf),
    }


RUN_COLUMNS = ["dag_id", "run_id", "state", "run_type", "logical_date", "conf"]


# -- commands ----------------------------------------------------------------------------------


def dags_set_paused(args: argparse.Namespace, paused: bool) -> int:
    with metadata_store() as store:
        ensure_dag_known(store, args.dag_id, args.dags_folder)
        store.set_paused(args.dag_id, paused)
        model = store.get_dag(args.dag_id)
    assert model is not None
    row = {"dag_id": model.dag_id, "is_paused": model.is_paused}
    print(render_rows([row], args.output, ["dag_id", "is_paused"]))
    return 0


def dags_pause(args: argparse.Namespace) -> int:
    return dags_set_paused(args, True)


def dags_unpause(args: argparse.Namespace) -> int:
    return dags_set_paused(args, False)


def dags_trigger(args: argparse.Namespace) -> int:
    from airstream.scheduler.run_requests import trigger_dag_run

    conf = parse_conf(args.conf)
    with metadata_store() as store:
        model = ensure_dag_known(store, args.dag_id, args.dags_folder)
        run = trigger_dag_run(
            store,
            args.dag_id,
            now=_now(),
            conf=conf,
            run_id=args.run_id,
            logical_date=args.logical_date,
        )
    if model.is_paused:
        print(f"Dag {args.dag_id} is paused: the run waits until it is unpaused", file=sys.stderr)
    print(render_rows([run_row(run)], args.output, RUN_COLUMNS))
    return 0


def dags_backfill(args: argparse.Namespace) -> int:
    from airstream.scheduler.run_requests import create_backfill

    conf = parse_conf(args.conf)
    with metadata_store() as store:
        ensure_dag_known(store, args.dag_id, args.dags_folder)
        result = create_backfill(
            store,
            args.dag_id,
            args.start_date,
            args.end_date,
            now=_now(),
            conf=conf,
            reprocess=args.reprocess_behavior,
            run_backwards=args.run_backwards,
            dry_run=args.dry_run,
        )
    rows = [run_row(run) | {"action": "create"} for run in result.created]
    rows += [run_row(run) | {"action": "clear"} for run in result.cleared]
    print(render_rows(rows, args.output, ["action", *RUN_COLUMNS[:5]]))
    verb = "Would queue" if args.dry_run else "Queued"
    print(
        f"{verb} {len(result.created)} new and {len(result.cleared)} cleared run(s) of "
        f"{args.dag_id}; {len(result.skipped)} date(s) already had a run",
        file=sys.stderr,
    )
    return 0


def clear(args: argparse.Namespace) -> int:
    """``tasks clear`` and ``dags clear``: show what would be cleared, confirm, clear."""
    from airstream.scheduler.clearing import (
        ClearSelection,
        clear_task_instances,
        select_task_instances,
    )

    selection = ClearSelection(
        task_regex=args.task_regex,
        start=args.start_date,
        end=args.end_date,
        only_failed=args.only_failed,
        only_running=args.only_running,
        upstream=args.upstream,
        downstream=args.downstream,
    )
    with metadata_store() as store:
        ensure_dag_known(store, args.dag_id, args.dags_folder)
        tis = select_task_instances(store, args.dag_id, selection)
        if not tis:
            print("No task instances to clear")
            return 0
        for ti in tis:
            index = f"[{ti.map_index}]" if ti.map_index >= 0 else ""
            print(f"<TaskInstance: {ti.dag_id}.{ti.task_id}{index} {ti.run_id} [{ti.state}]>")
        if args.dry_run or not (args.yes or _confirm(len(tis))):
            print("Nothing cleared")
            return 0
        cleared = clear_task_instances(store, args.dag_id, selection, now=_now())
    print(f"Cleared {len(cleared)} task instance(s)")
    return 0


def _confirm(count: int) -> bool:
    print(f"You are about to clear these {count} task instance(s). Are you sure? [y/n]")
    try:
        answer = input()
    except EOFError:
        return False
    return answer.strip().lower() in ("y", "yes")


def dags_reserialize(args: argparse.Namespace) -> int:
    with metadata_store() as store:
        result = reserialize(store, args.dags_folder)
    for error in result.import_errors.values():
        print(f"Import error: {error}", file=sys.stderr)
    print(
        f"Parsed {len(result.parsed_files)} file(s): {len(result.stored_dag_ids)} DAG(s) "
        f"stored, {len(result.import_errors)} import error(s), "
        f"{len(result.stale_dag_ids)} DAG(s) marked stale"
    )
    return 0


# -- arguments ---------------------------------------------------------------------------------


def add_clear_arguments(p: argparse.ArgumentParser) -> None:
    """The options of Airflow's ``tasks clear`` (``dags clear`` takes the same)."""
    p.add_argument("dag_id")
    p.add_argument("-t", "--task-regex", help="clear only task ids matching this regex")
    p.add_argument("-s", "--start-date", type=parse_date, help="runs from this logical date")
    p.add_argument("-e", "--end-date", type=parse_date, help="runs up to this logical date")
    p.add_argument("-f", "--only-failed", action="store_true", help="only failed instances")
    p.add_argument("-r", "--only-running", action="store_true", help="only running instances")
    p.add_argument("-u", "--upstream", action="store_true", help="include upstream tasks")
    p.add_argument("-d", "--downstream", action="store_true", help="include downstream tasks")
    p.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation")
    p.add_argument("--dry-run", action="store_true", help="only list what would be cleared")
    add_dags_folder_argument(p)
    p.set_defaults(func=_guard(clear))


def add_backfill_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("-c", "--conf", "--dag-run-conf", dest="conf", help="run conf (JSON object)")
    p.add_argument(
        "--reprocess-behavior",
        choices=("none", "failed", "completed"),
        default="none",
        help="what to do with dates that already have a run (default: leave them)",
    )
    p.add_argument("--run-backwards", action="store_true", help="newest date first")
    p.add_argument("--dry-run", action="store_true", help="only list the runs")
    add_dags_folder_argument(p)
    add_output_argument(p)
    p.set_defaults(func=_guard(dags_backfill))


def register_control_commands(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
) -> None:
    """Add pause, unpause, trigger, backfill, clear and reserialize under ``dags``."""
    for name, help_text, func in (
        ("pause", "Pause a DAG: the scheduler creates no runs for it", dags_pause),
        ("unpause", "Resume a paused DAG", dags_unpause),
    ):
        p = commands.add_parser(name, help=help_text)
        p.add_argument("dag_id")
        add_dags_folder_argument(p)
        add_output_argument(p)
        p.set_defaults(func=_guard(func))

    p = commands.add_parser("trigger", help="Queue a manual run of a DAG for the scheduler")
    p.add_argument("dag_id")
    p.add_argument("-c", "--conf", help="run conf as a JSON object (validated against params)")
    p.add_argument("-r", "--run-id", help="run id (default manual__<logical date>)")
    p.add_argument("-l", "--logical-date", type=parse_date, help="logical date; default now")
    add_dags_folder_argument(p)
    add_output_argument(p)
    p.set_defaults(func=_guard(dags_trigger))

    p = commands.add_parser(
        "backfill", help="Queue runs for every scheduled date in a range (= backfill create)"
    )
    p.add_argument("dag_id")
    p.add_argument("-s", "--start-date", required=True, type=parse_date, help="first date")
    p.add_argument("-e", "--end-date", required=True, type=parse_date, help="last date")
    add_backfill_options(p)

    p = commands.add_parser("clear", help="Clear task instances of a DAG so they run again")
    add_clear_arguments(p)

    p = commands.add_parser(
        "reserialize", help="Parse the DAG folder now and store the DAGs in the database"
    )
    add_dags_folder_argument(p)
    p.set_defaults(func=_guard(dags_reserialize))
