"""Scheduler benchmark: airstream vs Apache Airflow 3.3.2, side by side in one run.

    python bench/scheduler_bench.py [--only airstream|airflow] [--skip-install]
                                    [--files 500] [--settle 15] [--airflow-venv DIR]

Both systems get the same DAG folder (generated into a temporary directory): ``chain20``
(20 no-op Python tasks in a chain), ``parallel200`` (200 independent no-op Python tasks) and
``--files`` small DAG files of 3 tasks each. Each runs on SQLite with its LocalExecutor, on
loopback, with a temporary home. airstream runs ``airstream scheduler`` (DAG processor
included) and ``airstream api-server``; Airflow runs ``api-server``, ``scheduler`` and
``dag-processor`` from a separate virtualenv (created on first use, reused afterwards).

Prints one JSON line per (system, measurement) and then the ratios airstream/Airflow:

1. ``parse``: seconds from launching the services until every DAG is stored;
2. ``chain20``: median gap between one task's end and the next one's start, in ms;
3. ``parallel200``: tasks/s from the first start to the last end;
4. ``idle_memory``: PSS summed over every process of the system once idle with the DAGs
   loaded (before any run), and the process count; ``idle_memory_after_runs``: the same
   once the two runs are over.

Start and end dates come from each system's metadata database. Every process started is
stopped at the end, failures included.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

AIRFLOW_VERSION = "3.3.2"
DEFAULT_AIRFLOW_VENV = Path.home() / ".cache" / "airstream-bench" / f"airflow-{AIRFLOW_VERSION}"

BENCH_DAGS = '''\
"""The scheduling benchmark's DAGs: a chain of 20 and 200 in parallel, no-op tasks."""

from datetime import datetime

from airflow import DAG
from airflow.providers.standard.operators.python import PythonOperator


def noop():
    pass


with DAG(
    "chain20",
    schedule=None,
    start_date=datetime(2024, 1, 1),
    is_paused_upon_creation=False,
):
    previous = None
    for i in range(20):
        task = PythonOperator(task_id=f"t{i:02d}", python_callable=noop)
        if previous is not None:
            previous >> task
        previous = task

with DAG(
    "parallel200",
    schedule=None,
    start_date=datetime(2024, 1, 1),
    is_paused_upon_creation=False,
    max_active_tasks=200,
):
    for i in range(200):
        PythonOperator(task_id=f"p{i:03d}", python_callable=noop)
'''

SMALL_DAG = """\
from datetime import datetime

from airflow import DAG
from airflow.providers.standard.operators.bash import BashOperator

with DAG("small_{index:04}", schedule=None, start_date=datetime(2024, 1, 1), tags=["bench"]):
    t0 = BashOperator(task_id="task_0", bash_command="echo 0")
    t1 = BashOperator(task_id="task_1", bash_command="echo 1")
    t2 = BashOperator(task_id="task_2", bash_command="echo 2")
    t0 >> t1 >> t2
"""


def generate_dags(folder: Path, files: int) -> int:
    """Write the DAG folder; returns how many DAGs it defines."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "bench_dags.py").write_text(BENCH_DAGS)
    for index in range(files):
        (folder / f"small_{index:04}.py").write_text(SMALL_DAG.format(index=index))
    return files + 2


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until(
    condition: Callable[[], bool], timeout: float, what: str, interval: float = 0.05
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(interval)
    raise RuntimeError(f"timed out after {timeout:.0f} s waiting for {what}")


# --- processes -------------------------------------------------------------------------------


def children_map() -> dict[int, list[int]]:
    """ppid -> child pids, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        # The command name is in parentheses and may contain spaces: split after the last ")".
        ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    return children


def process_tree(root: int) -> list[int]:
    children = children_map()
    tree, stack = [], [root]
    while stack:
        pid = stack.pop()
        if Path(f"/proc/{pid}").exists():
            tree.append(pid)
        stack.extend(children.get(pid, []))
    return tree


def pss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


@dataclass
class Service:
    name: str
    proc: subprocess.Popen[bytes]
    log: Path


@dataclass
class Services:
    """The processes of one system; stops them all, their descendants included."""

    env: dict[str, str]
    logs: Path
    running: list[Service] = field(default_factory=list)

    def start(self, name: str, argv: list[str]) -> None:
        log = self.logs / f"{name}.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(
                argv,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.running.append(Service(name, proc, log))

    def check_alive(self) -> None:
        for service in self.running:
            if service.proc.poll() is not None:
                tail = service.log.read_text(errors="replace")[-3000:]
                raise RuntimeError(f"{service.name} exited ({service.proc.returncode}):\n{tail}")

    def memory(self) -> dict[str, object]:
        per_service: dict[str, dict[str, float]] = {}
        total_kib = count = 0
        for service in self.running:
            tree = process_tree(service.proc.pid)
            kib = sum(pss_kib(pid) for pid in tree)
            per_service[service.name] = {"pss_mb": round(kib / 1024, 1), "processes": len(tree)}
            total_kib += kib
            count += len(tree)
        return {"pss_mb": round(total_kib / 1024, 1), "processes": count, "services": per_service}

    def stop(self) -> None:
        # Collect the trees first: children are re-parented to init once their parent exits.
        trees = {s.proc.pid: process_tree(s.proc.pid) for s in self.running}
        for service in self.running:
            if service.proc.poll() is None:
                service.proc.send_signal(signal.SIGTERM)
        for service in self.running:
            try:
                service.proc.wait(30)
            except subprocess.TimeoutExpired:
                service.proc.kill()
                service.proc.wait(10)
        deadline = time.monotonic() + 10
        leftovers = [pid for tree in trees.values() for pid in tree]
        while leftovers and time.monotonic() < deadline:
            leftovers = [pid for pid in leftovers if Path(f"/proc/{pid}").exists()]
            time.sleep(0.1)
        for pid in leftovers:
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.running.clear()


@contextmanager
def services(env: dict[str, str], logs: Path) -> Iterator[Services]:
    logs.mkdir(parents=True, exist_ok=True)
    group = Services(env, logs)
    try:
        yield group
    finally:
        group.stop()


# --- the two systems -------------------------------------------------------------------------

TaskTimes = list[tuple[str, datetime, datetime, str]]


class System:
    """What the measurements need from a system: start it, trigger, read its metadata."""

    name: str
    env: dict[str, str]

    def prepare(self, home: Path, dags: Path) -> None:
        raise NotImplementedError

    def launch(self, group: Services) -> None:
        raise NotImplementedError

    def dags_stored(self) -> int:
        raise NotImplementedError

    def trigger(self, dag_id: str, run_id: str) -> None:
        raise NotImplementedError

    def run_state(self, dag_id: str, run_id: str) -> str | None:
        raise NotImplementedError

    def task_times(self, dag_id: str, run_id: str) -> TaskTimes:
        raise NotImplementedError

    def close(self) -> None:
        pass


class Airstream(System):
    name = "airstream"

    def prepare(self, home: Path, dags: Path) -> None:
        from airstream.store import open_store

        self.url = f"sqlite:///{home / 'airstream.db'}"
        self.env = dict(
            os.environ,
            AIRSTREAM_HOME=str(home),
            AIRSTREAM_DAGS_FOLDER=str(dags),
            AIRSTREAM_DATABASE_URL=self.url,
            # As Airflow's side (AIRFLOW__CORE__LOAD_EXAMPLES): the same DAGs on both sides.
            AIRSTREAM_LOAD_EXAMPLES="false",
            # No broker runs in this benchmark: nothing to publish state events to.
            AIRSTREAM_EVENTS_ENABLED="false",
        )
        self.exe = [sys.executable, "-m", "airstream"]
        subprocess.run([*self.exe, "db", "migrate"], env=self.env, check=True, capture_output=True)
        self.store = open_store(self.url)

    def launch(self, group: Services) -> None:
        group.start("scheduler", [*self.exe, "scheduler"])
        group.start("api-server", [*self.exe, "api-server", "--host", "127.0.0.1", "--port", "0"])

    def dags_stored(self) -> int:
        return self.store.count_dags()

    def trigger(self, dag_id: str, run_id: str) -> None:
        subprocess.run(
            [*self.exe, "dags", "trigger", dag_id, "-r", run_id],
            env=self.env,
            check=True,
            capture_output=True,
        )

    def run_state(self, dag_id: str, run_id: str) -> str | None:
        run = self.store.get_dag_run(dag_id, run_id)
        return None if run is None or run.state is None else str(run.state.value)

    def task_times(self, dag_id: str, run_id: str) -> TaskTimes:
        return [
            (ti.task_id, ti.start_date, ti.end_date, str(ti.state.value if ti.state else None))
            for ti in self.store.list_run_tis(dag_id, run_id)
            if ti.start_date is not None and ti.end_date is not None
        ]

    def close(self) -> None:
        self.store.close()


class Airflow(System):
    name = "airflow"

    def __init__(self, venv: Path) -> None:
        self.venv = venv
        self.airflow = str(venv / "bin" / "airflow")

    def prepare(self, home: Path, dags: Path) -> None:
        self.db = home / "airflow.db"
        self.port = free_port()
        self.env = dict(
            os.environ,
            AIRFLOW_HOME=str(home),
            AIRFLOW__CORE__DAGS_FOLDER=str(dags),
            # The example DAGs would be parsed too: both systems get the same folder.
            AIRFLOW__CORE__LOAD_EXAMPLES="False",
            AIRFLOW__CORE__EXECUTION_API_SERVER_URL=f"http://127.0.0.1:{self.port}/execution/",
        )
        self.env.pop("VIRTUAL_ENV", None)
        self.env["PATH"] = f"{self.venv / 'bin'}:{self.env.get('PATH', '')}"
        migrate = [self.airflow, "db", "migrate"]
        subprocess.run(migrate, env=self.env, check=True, capture_output=True)

    def launch(self, group: Services) -> None:
        group.start(
            "api-server",
            [self.airflow, "api-server", "--host", "127.0.0.1", "--port", str(self.port)],
        )
        group.start("scheduler", [self.airflow, "scheduler", "--skip-serve-logs"])
        group.start("dag-processor", [self.airflow, "dag-processor"])

    def query(self, sql: str, *params: object) -> list[tuple[object, ...]]:
        connection = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, timeout=30)
        try:
            return connection.execute(sql, params).fetchall()
        except sqlite3.OperationalError:
            return []
        finally:
            connection.close()

    def dags_stored(self) -> int:
        rows = self.query("SELECT COUNT(DISTINCT dag_id) FROM serialized_dag")
        return int(rows[0][0]) if rows else 0  # type: ignore[call-overload]

    def trigger(self, dag_id: str, run_id: str) -> None:
        subprocess.run(
            [self.airflow, "dags", "trigger", dag_id, "--run-id", run_id],
            env=self.env,
            check=True,
            capture_output=True,
        )

    def run_state(self, dag_id: str, run_id: str) -> str | None:
        rows = self.query(
            "SELECT state FROM dag_run WHERE dag_id = ? AND run_id = ?", dag_id, run_id
        )
        return str(rows[0][0]) if rows else None

    def task_times(self, dag_id: str, run_id: str) -> TaskTimes:
        rows = self.query(
            "SELECT task_id, start_date, end_date, state FROM task_instance "
            "WHERE dag_id = ? AND run_id = ? AND start_date IS NOT NULL "
            "AND end_date IS NOT NULL",
            dag_id,
            run_id,
        )
        return [(str(t), parse_date(s), parse_date(e), str(st)) for t, s, e, st in rows]


def parse_date(value: object) -> datetime:
    parsed = datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def ensure_airflow(venv: Path, skip_install: bool) -> None:
    if (venv / "bin" / "airflow").exists():
        return
    if skip_install:
        raise SystemExit(f"no Airflow in {venv} and --skip-install given")
    venv.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run(
        [str(venv / "bin" / "pip"), "install", "-q", f"apache-airflow=={AIRFLOW_VERSION}"],
        check=True,
    )


# --- measurements ----------------------------------------------------------------------------


def run_once(
    system: System, group: Services, dag_id: str, run_id: str, timeout: float
) -> TaskTimes:
    system.trigger(dag_id, run_id)

    def finished() -> bool:
        group.check_alive()
        return system.run_state(dag_id, run_id) in ("success", "failed")

    wait_until(finished, timeout, f"{dag_id} run {run_id}", interval=0.2)
    state = system.run_state(dag_id, run_id)
    if state != "success":
        raise RuntimeError(f"{system.name}: {dag_id} run {run_id} ended {state}")
    return system.task_times(dag_id, run_id)


def measure(system: System, root: Path, args: argparse.Namespace) -> dict[str, dict[str, object]]:
    results: dict[str, dict[str, object]] = {}
    dags = root / "dags"
    expected = generate_dags(dags, args.files)
    home = root / system.name
    home.mkdir()
    system.prepare(home, dags)
    try:
        with services(system.env, home / "service-logs") as group:
            start = time.perf_counter()
            system.launch(group)

            def all_stored() -> bool:
                group.check_alive()
                return system.dags_stored() >= expected

            wait_until(all_stored, args.timeout, f"{expected} DAGs stored", interval=0.05)
            results["parse"] = {
                "seconds": round(time.perf_counter() - start, 2),
                "dags": expected,
                "files": args.files + 1,
            }
            emit(system.name, "parse", results["parse"])

            # Idle: every DAG loaded, nothing run yet; let pools and caches settle first.
            time.sleep(args.settle)
            group.check_alive()
            results["idle_memory"] = group.memory()
            emit(system.name, "idle_memory", results["idle_memory"])

            tis = sorted(
                run_once(system, group, "chain20", "bench_chain20", args.timeout),
                key=lambda ti: ti[0],
            )
            gaps = [(b[1] - a[2]).total_seconds() * 1000 for a, b in itertools.pairwise(tis)]
            results["chain20"] = {
                "median_gap_ms": round(statistics.median(gaps), 1),
                "min_gap_ms": round(min(gaps), 1),
                "max_gap_ms": round(max(gaps), 1),
                "total_s": round((tis[-1][2] - tis[0][1]).total_seconds(), 2),
                "tasks": len(tis),
            }
            emit(system.name, "chain20", results["chain20"])

            tis = run_once(system, group, "parallel200", "bench_parallel200", args.timeout)
            span = (max(t[2] for t in tis) - min(t[1] for t in tis)).total_seconds()
            results["parallel200"] = {
                "tasks_per_s": round(len(tis) / span, 1),
                "seconds": round(span, 2),
                "tasks": len(tis),
            }
            emit(system.name, "parallel200", results["parallel200"])

            # Idle again once the runs are over: what the worker pools kept.
            time.sleep(args.settle)
            group.check_alive()
            results["idle_memory_after_runs"] = group.memory()
            emit(system.name, "idle_memory_after_runs", results["idle_memory_after_runs"])
    finally:
        system.close()
    return results


def emit(system: str, measurement: str, figures: dict[str, object]) -> None:
    print(json.dumps({"system": system, "measurement": measurement, **figures}), flush=True)


def ratio(ours: object, theirs: object) -> float | None:
    if not isinstance(ours, int | float) or not isinstance(theirs, int | float) or not theirs:
        return None
    return round(ours / theirs, 4)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=("airstream", "airflow"))
    parser.add_argument("--skip-install", action="store_true", help="never create Airflow's venv")
    parser.add_argument("--files", type=int, default=500, help="small DAG files (3 tasks each)")
    parser.add_argument("--settle", type=float, default=15.0, help="idle seconds before memory")
    parser.add_argument("--timeout", type=float, default=300.0, help="per wait, seconds")
    parser.add_argument("--airflow-venv", type=Path, default=DEFAULT_AIRFLOW_VENV)
    args = parser.parse_args()
    systems: list[System] = []
    if args.only in (None, "airstream"):
        systems.append(Airstream())
    if args.only in (None, "airflow"):
        ensure_airflow(args.airflow_venv, args.skip_install)
        systems.append(Airflow(args.airflow_venv))
    results: dict[str, dict[str, dict[str, object]]] = {}
    for system in systems:
        with tempfile.TemporaryDirectory(prefix=f"sched-bench-{system.name}-") as tmp:
            results[system.name] = measure(system, Path(tmp), args)
    if len(results) == 2:
        ours, theirs = results["airstream"], results["airflow"]
        print(
            json.dumps(
                {
                    "ratio": "airstream/airflow",
                    "parse_seconds": ratio(ours["parse"]["seconds"], theirs["parse"]["seconds"]),
                    "chain20_median_gap": ratio(
                        ours["chain20"]["median_gap_ms"], theirs["chain20"]["median_gap_ms"]
                    ),
                    "parallel200_tasks_per_s": ratio(
                        ours["parallel200"]["tasks_per_s"], theirs["parallel200"]["tasks_per_s"]
                    ),
                    "idle_pss": ratio(
                        ours["idle_memory"]["pss_mb"], theirs["idle_memory"]["pss_mb"]
                    ),
                    "idle_pss_after_runs": ratio(
                        ours["idle_memory_after_runs"]["pss_mb"],
                        theirs["idle_memory_after_runs"]["pss_mb"],
                    ),
                    "idle_processes": ratio(
                        ours["idle_memory"]["processes"], theirs["idle_memory"]["processes"]
                    ),
                    "cpu_count": os.cpu_count(),
                }
            ),
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
