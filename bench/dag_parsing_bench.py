"""DAG parsing benchmark: how long until N small DAG files are parsed and stored.

    python bench/dag_parsing_bench.py [--files 500] [--tasks 3] [--workers N] [--database-url URL]

Generates ``--files`` DAG files (``--tasks`` Bash tasks each, Airflow imports) in a temporary
folder and prints one JSON line per measurement:

- ``first_pass``: one :class:`DagProcessor` pass in this (already imported) process, workers
  forked included, until every DAG row and serialized DAG is committed;
- ``cold_cli``: ``airstream dags reserialize`` as a fresh process on a fresh database, i.e.
  interpreter start and imports included (what a restarted scheduler pays);
- ``idle_pass``: a pass where nothing changed (what the watching loop costs per tick);
- ``changed_pass``: a pass after 10% of the files were edited.

Airflow 3.3.2's figure on this machine (24.7 s for 500 files) comes from issue 4; its side of
the comparison is run separately.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from airstream.config import CoreSettings, DatabaseSettings, Settings
from airstream.scheduler.processor import DagProcessor
from airstream.store import open_store

AIRFLOW_SECONDS_500 = 24.7

DAG_TEMPLATE = """\
from datetime import datetime, timedelta

from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG(
    "bench_{index}",
    schedule=timedelta(days=1),
    start_date=datetime(2024, 1, 1),
    catchup=False,
    tags=["bench"],
):
{tasks}
    {chain}
"""


def dag_file(index: int, tasks: int, revision: int = 0) -> str:
    lines = [
        f'    t{n} = BashOperator(task_id="task_{n}", bash_command="echo {n} {revision}")'
        for n in range(tasks)
    ]
    chain = " >> ".join(f"t{n}" for n in range(tasks)) if tasks > 1 else "pass"
    return DAG_TEMPLATE.format(index=index, tasks="\n".join(lines), chain=chain)


def generate(folder: Path, files: int, tasks: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for index in range(files):
        (folder / f"bench_{index:04}.py").write_text(dag_file(index, tasks))


def emit(measurement: str, seconds: float, **extra: object) -> None:
    print(
        json.dumps(
            {
                "system": "airstream",
                "measurement": measurement,
                "seconds": round(seconds, 4),
                **extra,
            }
        ),
        flush=True,
    )


def in_process(home: Path, folder: Path, url: str, args: argparse.Namespace) -> None:
    settings = Settings(
        home=home, core=CoreSettings(dags_folder=folder), database=DatabaseSettings(url=url)
    )
    store = open_store(url)
    try:
        with DagProcessor(settings, store, pool_size=args.workers) as processor:
            start = time.perf_counter()
            result = processor.refresh()
            first = time.perf_counter() - start
            stored = store.count_dags()
            emit(
                "first_pass",
                first,
                files=args.files,
                tasks_per_dag=args.tasks,
                dags_stored=stored,
                import_errors=len(result.import_errors),
                workers=processor.pool_size,
                airflow_seconds=AIRFLOW_SECONDS_500,
                ratio=round(AIRFLOW_SECONDS_500 / first, 1) if args.files == 500 else None,
            )
            start = time.perf_counter()
            processor.refresh()
            emit("idle_pass", time.perf_counter() - start, files=args.files)
            edited = max(1, args.files // 10)
            for index in range(edited):
                path = folder / f"bench_{index:04}.py"
                path.write_text(dag_file(index, args.tasks, revision=1))
            start = time.perf_counter()
            changed = processor.refresh()
            emit(
                "changed_pass",
                time.perf_counter() - start,
                files_changed=edited,
                files_parsed=len(changed.parsed_files),
            )
    finally:
        store.close()


def cold_cli(home: Path, folder: Path, args: argparse.Namespace) -> None:
    env = dict(os.environ, AIRSTREAM_HOME=str(home), AIRSTREAM_DAGS_FOLDER=str(folder))
    env.pop("AIRSTREAM_DATABASE_URL", None)
    command = [sys.executable, "-m", "airstream", "dags", "reserialize"]
    start = time.perf_counter()
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
    emit(
        "cold_cli",
        time.perf_counter() - start,
        files=args.files,
        airflow_seconds=AIRFLOW_SECONDS_500,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=500)
    parser.add_argument("--tasks", type=int, default=3)
    parser.add_argument("--workers", type=int, default=None, help="default: one per CPU")
    parser.add_argument("--database-url", help="default: SQLite in a temporary folder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="airstream-parse-bench-") as tmp:
        root = Path(tmp)
        folder = root / "dags"
        generate(folder, args.files, args.tasks)
        url = args.database_url or f"sqlite:///{root / 'warm' / 'airstream.db'}"
        in_process(root / "warm", folder, url, args)
        generate(folder, args.files, args.tasks)
        cold_cli(root / "cold", folder, args)


if __name__ == "__main__":
    main()
