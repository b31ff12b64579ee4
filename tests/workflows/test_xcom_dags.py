"""XCom push/pull: explicit, return values, bash output, templates."""

from __future__ import annotations

from dag_cli import run_dag


def test_xcoms_between_tasks() -> None:
    run = run_dag("xcoms")
    assert run.exit_code == 0, run.output
    assert (
        "PULLED explicit={'rows': 3} returned=returned bash=last-line quiet=None "
        "both=['returned', 'last-line']"
    ) in run.output
    assert any(line.endswith("INFO - TEMPLATED 3") for line in run.log_lines("templated_pull"))
