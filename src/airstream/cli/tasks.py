"""``airstream tasks``: list a DAG's tasks, test-run one task, render its templates, clear."""

from __future__ import annotations

import argparse
import contextlib
import json
from collections.abc import Iterator

from airstream.cli.dags import (
    _guard,
    _print_help,
    add_dags_folder_argument,
    add_output_argument,
    disable_task_logs,
    enable_task_logs,
    get_dag,
    metadata_store,
    parse_logical_date,
)
from airstream.workflows.dag import DAG
from airstream.workflows.execution_store import (
    MemoryExecutionStore,
    TaskInstanceRecord,
    use_store,
)
from airstream.workflows.state import TaskInstanceState
from airstream.workflows.task_runner import RunEnvironment, SystemClock


def tasks_list(args: argparse.Namespace) -> int:
    _, dag = get_dag(args)
    if args.tree:
        from airstream.cli.dags import dag_tree_lines

        print("\n".join(dag_tree_lines(dag)))
    else:
        print("\n".join(sorted(dag.task_ids)))
    return 0


@contextlib.contextmanager
def _test_environment(
    args: argparse.Namespace,
) -> Iterator[tuple[DAG, RunEnvironment, TaskInstanceRecord]]:
    """A run kept in memory (nothing is recorded, as in Airflow), with variables and
    connections from the metadata database."""
    from airstream.workflows.metadata_execution_store import MetadataExecutionStore
    from airstream.workflows.scheduling import create_dag_run

    with metadata_store() as metadata:
        store = MemoryExecutionStore(settings_from=MetadataExecutionStore(metadata))
        with use_store(store):
            _, dag = get_dag(args)
            conf = json.loads(args.task_params) if getattr(args, "task_params", None) else {}
            task = dag.get_task(args.task_id)
            clock = SystemClock()
            logical_date = parse_logical_date(args.logical_date)
            run = create_dag_run(
                dag,
                store,
                logical_date=logical_date,
                conf=conf,
                run_id=f"__airstream_task_test__{logical_date.isoformat()}",
                now=clock.now(),
            )
            env = RunEnvironment(dag=dag, dag_run=run, store=store, clock=clock, test_mode=True)
            ti = TaskInstanceRecord(
                dag.dag_id,
                run.run_id,
                task.task_id,
                map_index=args.map_index,
                max_tries=task.retries,
            )
            store.save_task_instance(ti)
            yield dag, env, ti


def tasks_test(args: argparse.Namespace) -> int:
    from airstream.workflows.task_runner import run_task_instance

    handler = enable_task_logs()
    try:
        with _test_environment(args) as (dag, env, ti):
            # Dependencies are ignored, as in Airflow; one attempt only (no retry loop).
            ti = run_task_instance(dag.get_task(args.task_id), ti, env)
    finally:
        disable_task_logs(handler)
    print(f"Task {ti.task_id} finished: {ti.state}")
    return 0 if ti.state in (TaskInstanceState.SUCCESS, TaskInstanceState.SKIPPED) else 1


def tasks_render(args: argparse.Namespace) -> int:
    from airstream.workflows.task_runner import render_task_instance

    with _test_environment(args) as (dag, env, ti):
        rendered = render_task_instance(dag.get_task(args.task_id), ti, env)
    for name, value in rendered.items():
        print("# " + "-" * 58)
        print(f"# property: {name}")
        print("# " + "-" * 58)
        print(value)
        print()
    return 0


def tasks_states_for_dag_run(args: argparse.Namespace) -> int:
    from airstream.cli.dags import find_run, iso, render_rows

    with metadata_store() as store:
        run = find_run(store, args.dag_id, args.run)
        tis = store.list_run_tis(run.dag_id, run.run_id)
    rows = [
        {
            "dag_id": ti.dag_id,
            "logical_date": iso(run.logical_date),
            "task_id": ti.task_id,
            "state": None if str(ti.state) == "none" else str(ti.state),
            "start_date": iso(ti.start_date),
            "end_date": iso(ti.end_date),
            "try_number": ti.try_number,
            "map_index": ti.map_index,
        }
        for ti in tis
    ]
    columns = ["dag_id", "logical_date", "task_id", "state", "start_date", "end_date"]
    print(render_rows(rows, args.output, columns))
    return 0


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("tasks", help="List, test and render tasks")
    commands = parser.add_subparsers(dest="tasks_command", metavar="COMMAND")
    parser.set_defaults(func=lambda args: _print_help(parser))

    p = commands.add_parser("list", help="List the tasks of a DAG")
    p.add_argument("dag_id")
    p.add_argument("-t", "--tree", action="store_true", help="show the dependency tree")
    add_dags_folder_argument(p)
    p.set_defaults(func=_guard(tasks_list))

    p = commands.add_parser(
        "states-for-dag-run", help="The state of every task instance of a DAG run"
    )
    p.add_argument("dag_id")
    p.add_argument("run", metavar="RUN_ID_OR_LOGICAL_DATE")
    add_output_argument(p)
    p.set_defaults(func=_guard(tasks_states_for_dag_run))

    from airstream.cli.dags_control import add_clear_arguments

    p = commands.add_parser("clear", help="Clear task instances so the scheduler runs them again")
    add_clear_arguments(p)

    for name, help_text, func in (
        ("test", "Run one task instance, ignoring its dependencies", tasks_test),
        ("render", "Print a task instance's rendered template fields", tasks_render),
    ):
        p = commands.add_parser(name, help=help_text)
        p.add_argument("dag_id")
        p.add_argument("task_id")
        p.add_argument("logical_date", nargs="?", help="logical date (ISO 8601); default now")
        p.add_argument("--map-index", type=int, default=-1, help="map index of a mapped task")
        if name == "test":
            p.add_argument("-t", "--task-params", help="params as a JSON object")
        add_dags_folder_argument(p)
        p.set_defaults(func=_guard(func))
