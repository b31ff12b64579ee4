"""Trigger rules: the pure decision table, and a DAG file using every rule."""

from __future__ import annotations

import pytest
from dag_cli import run_dag

from airstream.workflows.readiness import Decision, UpstreamCounts, evaluate_trigger_rule
from airstream.workflows.trigger_rule import TriggerRule as TR

MIXED = UpstreamCounts(total=3, success=1, failed=1, skipped=1)
RUNNING = UpstreamCounts(total=3, success=1)
ALL_SKIPPED = UpstreamCounts(total=2, skipped=2)


@pytest.mark.parametrize(
    ("rule", "counts", "expected"),
    [
        (TR.ALL_SUCCESS, UpstreamCounts(total=2, success=2), Decision.RUN),
        (TR.ALL_SUCCESS, RUNNING, Decision.WAIT),
        (TR.ALL_SUCCESS, UpstreamCounts(total=3, failed=1), Decision.UPSTREAM_FAILED),
        (TR.ALL_SUCCESS, UpstreamCounts(total=3, skipped=1), Decision.SKIP),
        (TR.ALL_FAILED, UpstreamCounts(total=2, failed=1, upstream_failed=1), Decision.RUN),
        (TR.ALL_FAILED, RUNNING, Decision.SKIP),
        (TR.ALL_DONE, MIXED, Decision.RUN),
        (TR.ALL_DONE, RUNNING, Decision.WAIT),
        (TR.ONE_SUCCESS, RUNNING, Decision.RUN),
        (TR.ONE_SUCCESS, ALL_SKIPPED, Decision.SKIP),
        (TR.ONE_SUCCESS, UpstreamCounts(total=2, failed=2), Decision.UPSTREAM_FAILED),
        (TR.ONE_FAILED, UpstreamCounts(total=3, failed=1), Decision.RUN),
        (TR.ONE_FAILED, UpstreamCounts(total=2, success=2), Decision.SKIP),
        (TR.ONE_DONE, RUNNING, Decision.RUN),
        (TR.ONE_DONE, ALL_SKIPPED, Decision.SKIP),
        (TR.NONE_FAILED, UpstreamCounts(total=2, success=1, skipped=1), Decision.RUN),
        (TR.NONE_FAILED, MIXED, Decision.UPSTREAM_FAILED),
        (TR.NONE_FAILED_MIN_ONE_SUCCESS, ALL_SKIPPED, Decision.SKIP),
        (
            TR.NONE_FAILED_MIN_ONE_SUCCESS,
            UpstreamCounts(total=2, success=1, skipped=1),
            Decision.RUN,
        ),
        (TR.NONE_SKIPPED, UpstreamCounts(total=2, success=1, failed=1), Decision.RUN),
        (TR.NONE_SKIPPED, UpstreamCounts(total=2, skipped=1), Decision.SKIP),
        (TR.ALL_SKIPPED, ALL_SKIPPED, Decision.RUN),
        (TR.ALL_SKIPPED, MIXED, Decision.SKIP),
        (TR.ALWAYS, UpstreamCounts(total=5), Decision.RUN),
        (
            TR.ALL_DONE_SETUP_SUCCESS,
            UpstreamCounts(total=2, success=1, failed=1, setup_total=1, setup_success=1),
            Decision.RUN,
        ),
        (
            TR.ALL_DONE_SETUP_SUCCESS,
            UpstreamCounts(total=2, failed=2, setup_total=1),
            Decision.UPSTREAM_FAILED,
        ),
        (TR.ALL_DONE_MIN_ONE_SUCCESS, MIXED, Decision.SKIP),
        (TR.ALL_DONE_MIN_ONE_SUCCESS, UpstreamCounts(total=2, success=1, failed=1), Decision.RUN),
        (TR.ALL_DONE_MIN_ONE_SUCCESS, UpstreamCounts(total=2, failed=2), Decision.UPSTREAM_FAILED),
        (TR.ALL_DONE_MIN_ONE_SUCCESS, RUNNING, Decision.WAIT),
    ],
)
def test_decision_table(rule: TR, counts: UpstreamCounts, expected: Decision) -> None:
    assert evaluate_trigger_rule(rule, counts) == expected


def test_no_upstream_always_runs() -> None:
    assert evaluate_trigger_rule(TR.ALL_FAILED, UpstreamCounts(total=0)) == Decision.RUN


def test_every_rule_in_a_dag_file() -> None:
    run = run_dag("trigger_rules")
    # A leaf downstream of the failure is upstream_failed: the run fails.
    assert run.exit_code == 1
    expected = {
        "mixed_all_success": "upstream_failed",
        "mixed_all_failed": "skipped",
        "mixed_all_done": "success",
        "mixed_all_done_min_one_success": "skipped",
        "mixed_one_success": "success",
        "mixed_one_failed": "success",
        "mixed_one_done": "success",
        "mixed_none_failed": "upstream_failed",
        "mixed_none_failed_min_one_success": "upstream_failed",
        "mixed_none_skipped": "skipped",
        "mixed_always": "success",
        "mixed_all_skipped": "skipped",
        "only_ok_all_success": "success",
        "only_skipped_all_skipped": "success",
        "only_bad_all_failed": "success",
        "ok_skipped_none_failed": "success",
        "after_bad": "upstream_failed",
        "after_after_bad": "upstream_failed",
    }
    assert {task: run.state(task) for task in expected} == expected
