"""Airflow-style DAG files (written in the style of Airflow 3's examples) run unchanged."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from dag_cli import CliRun, run_cli

from airstream.workflows.dagbag import DagBag
from airstream.workflows.timetables import DataInterval

EXAMPLES = Path(__file__).resolve().parent


def run_example(dag_id: str, *extra: str, date: str = "2024-03-10") -> CliRun:
    return run_cli("dags", "test", dag_id, date, "--dags-folder", str(EXAMPLES), *extra)


def messages(run: CliRun, task_id: str) -> list[str]:
    return [line.split(" INFO - ", 1)[1] for line in run.log_lines(task_id) if " INFO - " in line]


def test_every_example_file_loads() -> None:
    bag = DagBag(EXAMPLES)
    assert bag.import_errors == {}
    assert "ex_pendulum_dates" in bag.dag_ids
    assert len(bag.dag_ids) >= 10


@pytest.mark.parametrize("store", ["--no-db", None])
def test_context_dates_are_pendulum(store: str | None) -> None:
    run = run_example("ex_pendulum_dates", *([store] if store else []))
    assert run.exit_code == 0, run.output
    logged = messages(run, "inspect_dates")
    assert "NEXT 2024-03-11" in logged
    assert "PREV 2024-03-09" in logged
    assert "LOCAL 2024-03-10 09:00" in logged
    assert f"EPOCH {int(datetime(2024, 3, 10, tzinfo=UTC).timestamp())}" in logged
    assert "RUN 2024/03/10" in logged
    assert "TI 2024-03-10T00:00:00Z" in logged
    assert "AWARE True UTC" in logged
    assert "TPL 2024-03-12 20240310 2024-03-17 2024" in messages(run, "templated")


def test_start_date_timezone_drives_cron_schedule() -> None:
    dag = DagBag(EXAMPLES).get_dag("ex_pendulum_amsterdam")
    assert dag.timezone.name == "Europe/Amsterdam"
    assert dag.start_date == datetime(2021, 2, 28, 23, tzinfo=UTC)
    first = dag.timetable.next_dagrun_info(
        last_automated_data_interval=None, earliest=dag.start_date, catchup=True
    )
    assert first is not None
    # 01:00 in Amsterdam is 00:00 UTC in winter...
    assert first.run_after == datetime(2021, 3, 1, 0, tzinfo=UTC)
    fires = [first.run_after]
    while len(fires) < 29:
        nxt = dag.timetable.next_dagrun_info(
            last_automated_data_interval=DataInterval(fires[-1], fires[-1]),
            earliest=dag.start_date,
            catchup=True,
        )
        assert nxt is not None
        fires.append(nxt.run_after)
    # ... until summer time starts on 28 March; from then on it is 23:00 UTC the day before.
    assert fires[27] == datetime(2021, 3, 28, 0, tzinfo=UTC)
    assert fires[28] == datetime(2021, 3, 28, 23, tzinfo=UTC)
    assert "ZONE Europe/Amsterdam" in messages(run_example("ex_pendulum_amsterdam"), "zone")


def test_variables_and_connections_with_defaults_and_json() -> None:
    run = run_example("ex_variables_connections")
    assert run.exit_code == 0, run.output
    logged = messages(run, "read_settings")
    assert "DEFAULT_VAR fallback" in logged
    assert "DEFAULT positional" in logged
    assert "JSON eu-west 10" in logged
    assert "CONN postgres db.example 5433 loader dwh" in logged
    assert "TPL tpl-fallback eu-west db.example" in messages(run, "templated")


def test_classic_xcoms_templates_dict_and_op_kwargs() -> None:
    run = run_example("ex_xcom_features")
    assert run.exit_code == 0, run.output
    logged = messages(run, "pull_values")
    assert "COUNTS [3, 4]" in logged
    assert "NAMES ['a', 'b']" in logged
    assert "RETURN {'pushed': True}" in logged
    assert "TEMPLATES 2024-03-10 a+b" in logged
    assert "OP_KWARGS 20240310 run-x" in logged
    assert "POSITIONAL 2024-03-10 positional" in messages(run, "positional")


@pytest.mark.parametrize("path", ["a", "c"])
def test_branch_join_with_none_failed_min_one_success(path: str) -> None:
    run = run_example("ex_branching", "-c", f'{{"path": "{path}"}}')
    assert run.exit_code == 0, run.output
    others = {"a", "b", "c"} - {path}
    assert run.state(f"path_{path}") == "success"
    assert {run.state(f"path_{name}") for name in others} == {"skipped"}
    assert run.state("start") == run.state("end") == "success"


def test_short_circuit_respecting_or_ignoring_trigger_rules() -> None:
    run = run_example("ex_short_circuit")
    assert run.exit_code == 0, run.output
    assert run.state("skipped_direct") == "skipped"
    assert run.state("always_runs") == "success"  # ALL_DONE is honoured when asked
    assert run.state("first_skipped") == run.state("second_skipped") == "skipped"


def test_callback_lists_task_options_params_and_scripts() -> None:
    run = run_example("ex_callbacks_params")
    assert run.exit_code == 0, run.output
    assert run.tries[("renamed_task", -1)] == 2
    flaky = messages(run, "renamed_task")
    assert "PARAMS 5 red None ['a']" in flaky
    assert sum(line.startswith("CALLBACK retry ") for line in flaky) == 1
    assert any(line.startswith("CALLBACK ok-1 ") for line in flaky)
    assert any(line.startswith("CALLBACK ok-2 ") for line in flaky)
    dag_run = messages(run, "dag_run")
    assert any(line.startswith("CALLBACK dag-success-1") for line in dag_run)
    assert any(line.startswith("CALLBACK dag-success-2") for line in dag_run)
    assert "SCRIPT 2024-03-10 red bash" in messages(run, "script")
    assert "SCRIPT {{ ds }} {{ params.colour }}" in [m.strip() for m in messages(run, "raw_script")]


def test_params_enum_is_validated() -> None:
    run = run_example("ex_callbacks_params", "-c", '{"colour": "purple"}')
    assert run.exit_code != 0
    assert "colour" in run.output and "purple" in run.output


def test_doc_md_and_task_options_are_kept() -> None:
    bag = DagBag(EXAMPLES)
    dag = bag.get_dag("ex_callbacks_params")
    assert dag.doc_md is not None and "Callback lists" in dag.doc_md
    flaky = dag.get_task("renamed_task")
    assert flaky.retries == 2
    assert flaky.doc_md == "Fails once, then succeeds."
    assert [a.uri for a in flaky.outlets] == ["s3://example-bucket/report.csv"]
    assert bag.get_dag("ex_branching").get_task("end").trigger_rule == (
        "none_failed_min_one_success"
    )
    # A doc_md naming a Markdown file next to the DAG file gets that file's text.
    assert bag.get_dag("ex_provider_imports").doc_md == (
        "# Provider imports\n\nShows the compat names at work.\n"
    )


def test_other_python_environments_fail_their_tasks_only() -> None:
    run = run_example("ex_other_environments")
    assert run.exit_code != 0
    assert run.state("ordinary") == "success"
    for task_id in ("in_virtualenv", "in_external", "external_operator"):
        assert run.state(task_id) == "failed"
    assert "@task.virtualenv (task 'in_virtualenv') is not supported by airstream" in run.output
    assert "ExternalPythonOperator (task 'external_operator') is not supported" in run.output


def test_setup_teardown_blocks_wire_and_always_tear_down() -> None:
    dag = DagBag(EXAMPLES).get_dag("ex_setup_teardown_blocks")
    assert dag.get_task("outer_work").upstream_task_ids == {"create_cluster"}
    assert dag.get_task("make_table").upstream_task_ids == {"create_cluster"}
    assert dag.get_task("inner_work").upstream_task_ids == {"make_table"}
    assert dag.get_task("inner_work").downstream_task_ids == {"drop_table"}
    assert dag.get_task("delete_cluster").upstream_task_ids == {
        "create_cluster",
        "outer_work",
        "drop_table",
    }
    run = run_example("ex_setup_teardown_blocks")
    assert run.state("inner_work") == "failed"
    assert run.state("drop_table") == run.state("delete_cluster") == "success"
    assert "DELETE cluster-1" in messages(run, "delete_cluster")


def test_provider_compat_names_sensors_notifier_and_asset_events() -> None:
    run = run_example("ex_provider_imports")
    assert run.exit_code == 0, run.output
    assert "CONF False airflow unset" in messages(run, "produce")
    assert "NOW_AWARE True" in messages(run, "produce")
    assert "PULLED produced" in messages(run, "on_sunday")
    assert run.state("other_day") == "skipped"
    assert run.state("weekend") == run.state("after_midnight") == run.state("waited") == "success"
    assert any(
        "NOTIFY run manual__2024-03-10T00:00:00+00:00 of ex_provider_imports done" in line
        for line in messages(run, "dag_run")
    )


def test_weekday_sensor_soft_fails_on_a_weekday() -> None:
    run = run_example("ex_provider_imports", date="2024-03-11")  # a Monday
    assert run.state("weekend") == "skipped"
    assert run.state("done") == "skipped"


def test_mapped_task_in_tasks_test_needs_a_valid_map_index() -> None:
    ok = run_cli(
        "tasks", "test", "ex_mapped_tasks", "square", "--map-index", "2", "-S", str(EXAMPLES)
    )
    assert "SQUARE 3 of 3" in messages(ok, "square[2]"), ok.output
    assert "finished: success" in ok.output
    missing = run_cli("tasks", "test", "ex_mapped_tasks", "square", "-S", str(EXAMPLES))
    assert "finished: failed" in missing.output
    assert "map index -1 does not exist (pass one of 0..2" in missing.output
    upstream = run_cli(
        "tasks", "test", "ex_mapped_tasks", "from_upstream", "--map-index", "0", "-S", str(EXAMPLES)
    )
    assert "finished: failed" in upstream.output
    assert "`tasks test` runs no upstream tasks" in upstream.output


def test_dag_test_at_the_bottom_of_a_file(tmp_path: Path) -> None:
    env = {**os.environ, "AIRSTREAM_HOME": str(tmp_path)}
    proc = subprocess.run(
        [sys.executable, "-m", "airstream.compat", str(EXAMPLES / "runs_itself.py")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "HELLO 2024-05-01" in proc.stdout
    assert "VAR hello from a file {'max': 7}" in proc.stdout
    assert "CONN postgres files.example 6543 uri.example" in proc.stdout
    assert "{hello} INFO - Marking task as SUCCESS." in proc.stdout


def test_async_tasks_and_bash_multiple_outputs() -> None:
    run = run_example("ex_async_and_bash_outputs")
    assert run.exit_code == 0, run.output
    assert "ASYNC 0.02 {'fetched': 0}" in messages(run, "report")
    assert "SHOW orders 3 0.02" in messages(run, "show")


def test_tutorial_style_postgres_pipeline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_EX_TUTORIAL_PG", "postgres://postgres@127.0.0.1:5432/test")
    table = f"ex_employees_{os.getpid()}"
    try:
        run = run_example("ex_employees_pipeline", "-c", f'{{"table": "{table}"}}')
        assert run.exit_code == 0, run.output
        assert "MERGED 2" in messages(run, "merge_data")
        assert "EXPORTED 2" in messages(run, "merge_data")
    finally:
        run_cli_sql_cleanup(table)


def run_cli_sql_cleanup(table: str) -> None:
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/test", autocommit=True) as conn:
        conn.execute(f"DROP TABLE IF EXISTS {table}")
        conn.execute(f"DROP TABLE IF EXISTS {table}_temp")


@pytest.mark.parametrize("store", ["--no-db", None])
def test_xcoms_keep_dates_tuples_and_sets(store: str | None) -> None:
    run = run_example("ex_xcom_value_types", *([store] if store else []))
    assert run.exit_code == 0, run.output
    logged = messages(run, "consume")
    assert "WHEN DateTime 2024-03-11" in logged
    assert "DAY datetime.date(2024, 3, 10)" in logged
    assert "NAIVE datetime.datetime(2020, 1, 2, 3, 4)" in logged
    assert "WAIT 5400.0" in logged
    assert "PAIR (1, 'a') TAGS {'x'}" in logged


def test_deferrable_time_sensors_wake_at_their_target() -> None:
    # No logical date: the run is "now", so both targets are a second ahead.
    run = run_cli("dags", "test", "ex_deferrable_sensors", "--dags-folder", str(EXAMPLES))
    assert run.exit_code == 0, run.output
    assert run.state("wait_a_second") == run.state("wait_until") == "success"
    logged = messages(run, "wait_a_second")
    target = next(m for m in logged if m.startswith("Checking if the time"))
    target_time = datetime.fromisoformat(target.split("(")[1].split(")")[0].replace(" ", "T"))
    retry = next(m for m in logged if m.startswith("Rescheduling task, next poke at "))
    next_poke = datetime.fromisoformat(retry.rsplit(" ", 1)[1])
    # Woken for the target (plus a hair), not after the default 60 s poke interval.
    assert 0 <= (next_poke - target_time).total_seconds() < 1


def test_asset_decorators_make_one_task_dags() -> None:
    bag = DagBag(EXAMPLES)
    raw = bag.get_dag("ex_raw_orders")
    assert raw.task_ids == ["ex_raw_orders"]
    assert [a.uri for a in raw.get_task("ex_raw_orders").outlets] == ["s3://lake/raw_orders"]
    assert raw.tags == ["assets"]
    clean = bag.get_dag("ex_clean_orders").get_task("ex_clean_orders")
    assert [a.name for a in clean.inlets] == ["ex_raw_orders"]
    assert [a.uri for a in bag.get_dag("ex_split_orders").tasks[0].outlets] == [
        "s3://lake/a",
        "s3://lake/b",
    ]
    run = run_example("ex_raw_orders")
    assert run.exit_code == 0, run.output
    assert "MATERIALIZE ex_raw_orders s3://lake/raw_orders ex_raw_orders" in messages(
        run, "ex_raw_orders"
    )
    clean_run = run_example("ex_clean_orders")
    assert "FROM ex_raw_orders TO ex_clean_orders" in messages(clean_run, "ex_clean_orders")
    assert run_example("ex_orders_report").state("report") == "success"


def test_more_sdk_names_literal_and_parsing_context() -> None:
    assert {"ex_sdk_names", "ex_sdk_names_other"} <= set(DagBag(EXAMPLES).dag_ids)
    run = run_example("ex_sdk_names")
    assert run.exit_code == 0, run.output
    logged = messages(run, "kept")
    assert "RAW {{ ds }} RENDERED 2024-03-10" in logged
    assert "STATES success skipped" in logged
    assert "MACROS 2024-02-01" in logged
    assert run.state("dropped") == "skipped"


def test_mapped_task_group_copies_pair_up_by_map_index() -> None:
    run = run_example("ex_mapped_task_groups")
    # The copy for 2 fails, as the DAG intends; the leaves (all_done) still succeed.
    assert run.exit_code == 0, run.output
    assert [run.state("per_number.add_one", i) for i in range(3)] == [
        "success",
        "failed",
        "success",
    ]
    # Only the failed copy's downstream copy is upstream_failed; the others ran.
    assert [run.state("per_number.double", i) for i in range(3)] == [
        "success",
        "upstream_failed",
        "success",
    ]
    reports = [m for i in range(3) for m in messages(run, f"per_number.report[{i}]")]
    assert [m for m in reports if m.startswith("REPORT")] == [
        "REPORT[0] n:4 n:4",
        "REPORT[1] None None",
        "REPORT[2] n:8 n:8",
    ]
    assert run.state("collect") == "success"
    assert "COLLECT ['n:4', 'n:8']" in messages(run, "collect")
