"""TaskFlow, task groups, dynamic mapping and setup/teardown, from DAG files."""

from __future__ import annotations

from pathlib import Path

from dag_cli import run_dag


def test_taskflow_passes_values_and_multiple_outputs() -> None:
    run = run_dag("taskflow_etl")
    assert run.exit_code == 0, run.output
    assert "RESULT=9 from=report factor_param=3" in run.output
    assert "RESULT=9 from=report_again factor_param=3" in run.output
    assert "combine in combine for 2024-01-01" in run.output


def test_dag_function_argument_is_a_param_overridden_by_conf() -> None:
    run = run_dag("taskflow_etl", conf={"factor": 10})
    assert run.exit_code == 0, run.output
    assert "RESULT=30 from=report factor_param=10" in run.output


def test_task_groups_prefix_ids_and_apply_default_args() -> None:
    run = run_dag("task_groups")
    assert run.exit_code == 0, run.output
    assert set(run.states) >= {
        ("extract.a", -1),
        ("extract.inner.b", -1),
        ("not_prefixed", -1),
        ("transform.double", -1),
        ("transform.show", -1),
    }
    assert "A retries=3" in run.output
    assert "TRANSFORMED=42" in run.output


def test_dynamic_mapping_over_literals_xcoms_dicts_and_nothing() -> None:
    run = run_dag("mapping")
    assert run.exit_code == 0, run.output
    assert [k for k in run.states if k[0] == "add"] == [("add", 0), ("add", 1), ("add", 2)]
    assert "TOTAL=36" in run.output  # (1 + 10) + (2 + 10) + (3 + 10)
    assert "TOTAL=66" in run.output  # cross product of [1, 2] and [10, 20]
    assert "TOTAL=303" in run.output  # expand_kwargs
    assert "PAIR k1=v1" in run.output and "PAIR k2=v2" in run.output
    assert run.state("never") == "skipped"
    assert "should not run" not in run.output
    assert run.state("echo", 0) == run.state("echo", 1) == "success"


def test_teardown_runs_after_failed_work_and_run_fails() -> None:
    run = run_dag("setup_teardown_work_fails")
    assert run.exit_code == 1
    assert run.state("create_cluster") == "success"
    assert run.state("work") == "failed"
    assert run.state("delete_cluster") == "success"
    assert "TEARDOWN delete cluster-1" in run.output


def test_failed_teardown_does_not_fail_the_run() -> None:
    run = run_dag("setup_teardown_teardown_fails")
    assert run.exit_code == 0, run.output
    assert run.state("clean") == "failed"
    assert run.state("use") == "success"


def test_asset_dags_load_and_run_manually() -> None:
    produced = run_dag("asset_producer")
    assert produced.exit_code == 0, produced.output
    assert "PRODUCED s3://warehouse/orders" in produced.output
    assert run_dag("asset_consumer").exit_code == 0


def test_mapped_instances_know_their_count_and_get_labels(airstream_home: Path) -> None:
    from airstream.store import open_store

    run = run_dag("mapping_labels")
    assert run.exit_code == 0, run.output
    assert "CITY oslo of 2" in run.output and "CITY lima of 2" in run.output
    with open_store(f"sqlite:///{airstream_home / 'airstream.db'}") as store:
        tis = store.list_run_tis("mapping_labels", "manual__2024-01-01T00:00:00+00:00")
    assert [ti.rendered_map_index for ti in tis] == ["OSLO", "LIMA"]
