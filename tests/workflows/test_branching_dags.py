"""Branching and short-circuiting skip the right tasks, and skips propagate."""

from __future__ import annotations

from dag_cli import run_dag


def test_branch_on_the_first_of_the_month() -> None:
    run = run_dag("branching", "2024-03-01")
    assert run.exit_code == 0, run.output
    assert run.state("left") == "success"
    assert run.state("right") == "skipped"
    assert run.state("after_right") == "skipped"
    assert run.state("join") == "success"
    assert run.state("c_yes") == "success"
    assert run.state("c_no") == "skipped"
    assert run.state("c_end") == "success"


def test_branch_on_another_day() -> None:
    run = run_dag("branching", "2024-03-02")
    assert run.exit_code == 0, run.output
    assert run.state("left") == "skipped"
    assert run.state("right") == run.state("after_right") == "success"
    assert run.state("join") == "success"


def test_short_circuit() -> None:
    run = run_dag("short_circuit")
    assert run.exit_code == 0, run.output
    assert run.state("after_go") == "success"
    # ignore_downstream_trigger_rules=True (default): everything downstream is skipped.
    assert run.state("after_stop") == "skipped"
    assert run.state("far_after_stop") == "skipped"
    # False: only direct downstream tasks; the others follow their trigger rules.
    assert run.state("direct") == "skipped"
    assert run.state("runs_anyway") == "success"


def test_branch_by_weekday_and_datetime_window() -> None:
    monday = run_dag("branch_by_date", "2024-01-15")
    assert monday.exit_code == 0, monday.output
    assert (monday.state("early_week"), monday.state("later")) == ("success", "skipped")
    assert (monday.state("january"), monday.state("not_january")) == ("success", "skipped")
    friday = run_dag("branch_by_date", "2024-02-02")
    assert (friday.state("early_week"), friday.state("later")) == ("skipped", "success")
    assert (friday.state("january"), friday.state("not_january")) == ("skipped", "success")
