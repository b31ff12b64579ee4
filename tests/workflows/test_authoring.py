"""Authoring: dependencies, default_args, task groups, ids, and the errors for bad DAGs."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from airstream.operators.bash import BashOperator
from airstream.operators.empty import EmptyOperator
from airstream.workflows import (
    DAG,
    Label,
    Param,
    TaskGroup,
    chain,
    cross_downstream,
    dag,
    task,
)
from airstream.workflows.exceptions import (
    AirflowDagCycleException,
    AirflowException,
    DuplicateTaskIdFound,
    ParamValidationError,
)
from airstream.workflows.trigger_rule import TriggerRule


def test_shift_operators_lists_and_methods() -> None:
    with DAG("deps", schedule=None) as d:
        a, b, c, e = (EmptyOperator(task_id=n) for n in "abce")
        assert (a >> [b, c]) == [b, c]
        [b, c] >> e
        f = EmptyOperator(task_id="f")
        f << e
        g = EmptyOperator(task_id="g")
        g.set_upstream(f)
        f.set_downstream([EmptyOperator(task_id="h")])
    assert d.get_task("a").downstream_task_ids == {"b", "c"}
    assert e.upstream_task_ids == {"b", "c"}
    assert f.downstream_task_ids == {"g", "h"}
    assert [t.task_id for t in d.roots] == ["a"]
    assert sorted(t.task_id for t in d.leaves) == ["g", "h"]


def test_chain_cross_downstream_and_labels() -> None:
    with DAG("chains", schedule=None) as d:
        t = [EmptyOperator(task_id=f"t{i}") for i in range(6)]
        chain(t[0], [t[1], t[2]], [t[3], t[4]], t[5])
        x = [EmptyOperator(task_id=f"x{i}") for i in range(2)]
        y = [EmptyOperator(task_id=f"y{i}") for i in range(2)]
        cross_downstream(x, y)
        t[5] >> Label("done") >> x[0]
    assert t[1].downstream_task_ids == {"t3"}
    assert t[2].downstream_task_ids == {"t4"}
    assert t[5].upstream_task_ids == {"t3", "t4"}
    assert y[0].upstream_task_ids == y[1].upstream_task_ids == {"x0", "x1"}
    assert d.get_edge_info("t5", "x0") == {"label": "done"}
    with DAG("bad_chain", schedule=None), pytest.raises(ValueError, match="different length"):
        chain(
            [EmptyOperator(task_id="p")], [EmptyOperator(task_id="q"), EmptyOperator(task_id="r")]
        )


def test_default_args_fill_unset_arguments_only() -> None:
    args = {"retries": 4, "retry_delay": timedelta(seconds=5), "owner": "data", "bogus": 1}
    with DAG("defaults", schedule=None, default_args=args):
        plain = BashOperator(task_id="plain", bash_command="true")
        explicit = BashOperator(task_id="explicit", bash_command="true", retries=0)
    assert (plain.retries, plain.retry_delay, plain.owner) == (4, timedelta(seconds=5), "data")
    assert explicit.retries == 0


def test_dag_arguments_are_kept() -> None:
    d = DAG(
        "full",
        description="desc",
        schedule="@daily",
        start_date=datetime(2024, 1, 1),
        end_date=datetime(2024, 2, 1),
        catchup=True,
        tags=["b", "a"],
        max_active_runs=2,
        max_active_tasks=3,
        dagrun_timeout=timedelta(hours=1),
        doc_md="# doc",
    )
    assert d.tags == ["a", "b"]
    assert d.start_date is not None and d.start_date.tzinfo is not None
    assert (d.max_active_runs, d.max_active_tasks, d.catchup) == (2, 3, True)
    assert d.timetable.summary == "@daily"
    assert d.fileloc == __file__


def test_cycle_is_detected() -> None:
    with DAG("cyclic", schedule=None) as d:
        a, b, c = (EmptyOperator(task_id=n) for n in "abc")
        a >> b >> c >> a
    with pytest.raises(AirflowDagCycleException, match="Cycle detected in DAG: cyclic"):
        d.check_cycle()


def test_duplicate_task_id_is_rejected() -> None:
    with DAG("dups", schedule=None):
        EmptyOperator(task_id="same")
        with pytest.raises(DuplicateTaskIdFound, match="'same' has already been added"):
            EmptyOperator(task_id="same")


def test_invalid_arguments_are_rejected() -> None:
    with DAG("invalid", schedule=None):
        with pytest.raises(AirflowException, match="Invalid arguments were passed"):
            EmptyOperator(task_id="x", not_an_argument=1)  # type: ignore[call-arg]
        with pytest.raises(AirflowException, match="trigger_rule must be one of"):
            EmptyOperator(task_id="y", trigger_rule="sometimes")
        with pytest.raises(ValueError, match="alphanumeric"):
            EmptyOperator(task_id="has space")


def test_task_groups_prefix_ids_and_link_as_a_unit() -> None:
    with DAG("groups", schedule=None) as d:
        start = EmptyOperator(task_id="start")
        with TaskGroup("g") as g:
            a = EmptyOperator(task_id="a")
            with TaskGroup("inner"):
                b = EmptyOperator(task_id="b")
            a >> b
        end = EmptyOperator(task_id="end")
        start >> g >> end
    assert (a.task_id, b.task_id) == ("g.a", "g.inner.b")
    assert start.downstream_task_ids == {"g.a"}
    assert end.upstream_task_ids == {"g.inner.b"}
    assert "g.inner" in d.task_group_dict


def test_taskflow_ids_are_made_unique_and_override_applies() -> None:
    with DAG("flow", schedule=None) as d:

        @task
        def step() -> int:
            return 1

        step()
        step()
        step.override(task_id="custom", retries=7)()
    assert sorted(d.task_ids) == ["custom", "step", "step__1"]
    assert d.get_task("custom").retries == 7


def test_taskflow_arguments_create_dependencies() -> None:
    with DAG("flowdeps", schedule=None) as d:

        @task
        def make() -> int:
            return 1

        @task
        def use(x: int) -> int:
            return x

        use(make())
    assert d.get_task("use").upstream_task_ids == {"make"}


def test_dag_decorator_makes_params_from_arguments() -> None:
    @dag(schedule=None, start_date=datetime(2024, 1, 1))
    def decorated(limit: int = 5) -> None:
        EmptyOperator(task_id="only")

    built = decorated()
    assert built.dag_id == "decorated"
    assert built.params["limit"] == 5
    assert built.task_ids == ["only"]


def test_params_validate() -> None:
    param = Param(3, type="integer", minimum=1)
    assert param.resolve() == 3
    with pytest.raises(ParamValidationError):
        Param(0, type="integer", minimum=1).resolve()
    with pytest.raises(ParamValidationError):
        Param(type="string").resolve()


def test_setup_teardown_markers() -> None:
    with DAG("st", schedule=None):
        s = EmptyOperator(task_id="s")
        w = EmptyOperator(task_id="w")
        t = EmptyOperator(task_id="t")
        s >> w >> t.as_teardown(setups=s)
    assert s.is_setup and t.is_teardown
    assert t.trigger_rule == TriggerRule.ALL_DONE_SETUP_SUCCESS
    assert t.upstream_task_ids == {"s", "w"}


def test_a_custom_operator_from_a_dag_file() -> None:
    from dag_cli import run_dag

    run = run_dag("custom_operator", "2024-06-01")
    assert run.exit_code == 0, run.output
    assert "GREET HELLO 2024-06-01 | file body for custom_operator" in run.output
    assert "READ HELLO 2024-06-01 16" in run.output
