"""The metadata store's contract, run against SQLite and PostgreSQL alike."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta, timezone

import pytest

from airstream.store import (
    ConnectionAlreadyExists,
    DagRunAlreadyExists,
    MetadataStore,
    NotFound,
    TaskInstanceAlreadyExists,
)
from airstream.store.queries import (
    DagQuery,
    DagRunQuery,
    LogEventQuery,
    Page,
    TaskInstanceQuery,
)
from airstream.store.records import (
    Connection,
    DagModel,
    DagRun,
    DagRunState,
    DagRunTriggeredBy,
    DagRunType,
    LogEvent,
    Pool,
    TaskInstance,
    TaskInstanceKey,
    TaskInstanceState,
    TaskReschedule,
    XComEntry,
)

T0 = datetime(2024, 1, 1, tzinfo=UTC)


def make_run(store: MetadataStore, dag_id: str = "etl", day: int = 0, **kw: object) -> DagRun:
    logical = T0 + timedelta(days=day)
    run = DagRun(
        dag_id=dag_id,
        run_id=DagRunType.SCHEDULED.generate_run_id(logical),
        run_type=DagRunType.SCHEDULED,
        logical_date=logical,
        data_interval_start=logical,
        data_interval_end=logical + timedelta(days=1),
        **kw,  # type: ignore[arg-type]
    )
    return store.create_dag_run(run)


def make_tis(store: MetadataStore, run: DagRun, *task_ids: str) -> list[TaskInstance]:
    return store.create_tis(
        [TaskInstance(dag_id=run.dag_id, run_id=run.run_id, task_id=t) for t in task_ids]
    )


# -- DAGs ------------------------------------------------------------------------------------


def test_upsert_dag_round_trips_every_field(store: MetadataStore) -> None:
    dag = DagModel(
        dag_id="etl",
        fileloc="/dags/etl.py",
        schedule="@daily",
        tags=("b", "a"),
        owners="airflow",
        description="Load things",
        last_parsed_time=T0,
        max_active_runs=3,
        next_dagrun=T0 + timedelta(days=1),
    )
    store.upsert_dag(dag, serialized={"tasks": [{"task_id": "extract"}]})

    got = store.get_dag("etl")
    assert got is not None
    assert got.tags == ("a", "b")
    assert got == DagModel(**{**dag.__dict__, "tags": ("a", "b")})
    serialized = store.get_serialized_dag("etl")
    assert serialized is not None and serialized.data == {"tasks": [{"task_id": "extract"}]}
    assert store.get_dag("missing") is None


def test_reparse_keeps_pause_and_next_run_and_replaces_tags(store: MetadataStore) -> None:
    store.upsert_dag(DagModel(dag_id="etl", tags=("old",), is_paused=False))
    assert store.set_paused("etl", True)
    assert store.update_dag("etl", {"next_dagrun": T0, "next_dagrun_create_after": T0})
    store.upsert_dag(DagModel(dag_id="etl", tags=("new",), is_paused=False, owners="me"))

    got = store.get_dag("etl")
    assert got is not None
    assert (got.is_paused, got.tags, got.owners) == (True, ("new",), "me")
    assert (got.next_dagrun, got.next_dagrun_create_after) == (T0, T0)
    assert not store.set_paused("missing", True)


def test_serialized_dag_only_rewritten_when_it_changes(store: MetadataStore) -> None:
    store.upsert_dag(DagModel(dag_id="etl"), serialized={"v": 1})
    first = store.get_serialized_dag("etl")
    store.upsert_dag(DagModel(dag_id="etl"), serialized={"v": 1})
    assert store.get_serialized_dag("etl") == first
    store.upsert_dag(DagModel(dag_id="etl"), serialized={"v": 2})
    second = store.get_serialized_dag("etl")
    assert second is not None and first is not None
    assert second.dag_hash != first.dag_hash and second.data == {"v": 2}


def test_list_dags_filters_pages_and_counts(store: MetadataStore) -> None:
    for i, name in enumerate(["alpha", "beta", "Gamma_1", "delta"]):
        store.upsert_dag(
            DagModel(dag_id=name, is_paused=i % 2 == 1, tags=("even",) if i % 2 == 0 else ())
        )
    ids = [d.dag_id for d in store.list_dags()]
    assert ids == sorted(ids) and len(ids) == 4
    assert [d.dag_id for d in store.list_dags(DagQuery(paused=True))] == ["beta", "delta"]
    assert [d.dag_id for d in store.list_dags(DagQuery(tags=["even"]))] == ["Gamma_1", "alpha"]
    assert [d.dag_id for d in store.list_dags(DagQuery(dag_id_pattern="gamma_"))] == ["Gamma_1"]
    assert [d.dag_id for d in store.list_dags(DagQuery(dag_id_pattern="a%"))] == []
    page = store.list_dags(page=Page(limit=2, offset=1, order_by="-dag_id"))
    assert [d.dag_id for d in page] == ["beta", "alpha"]
    assert store.count_dags(DagQuery(paused=False)) == 2
    with pytest.raises(ValueError, match="order"):
        store.list_dags(page=Page(order_by="nope"))


def test_stale_dags_are_marked_hidden_and_revived(store: MetadataStore) -> None:
    store.upsert_dag(DagModel(dag_id="a", fileloc="/d/one.py"))
    store.upsert_dag(DagModel(dag_id="b", fileloc="/d/one.py"))
    store.upsert_dag(DagModel(dag_id="c", fileloc="/d/two.py"))

    assert store.mark_stale_dags({"a"}, filelocs=["/d/one.py"]) == ["b"]
    assert [d.dag_id for d in store.list_dags()] == ["a", "c"]
    stale = store.get_dag("b")
    assert stale is not None and stale.is_stale
    assert store.mark_stale_dags(set()) == ["a", "c"]
    store.upsert_dag(DagModel(dag_id="b", fileloc="/d/one.py"))
    assert [d.dag_id for d in store.list_dags()] == ["b"]


def test_delete_dag_removes_runs_tis_and_xcoms(store: MetadataStore) -> None:
    store.upsert_dag(DagModel(dag_id="etl", tags=("x",)), serialized={"a": 1})
    run = make_run(store)
    make_tis(store, run, "t1")
    store.set_xcom(XComEntry("etl", run.run_id, "t1", "return_value", 42))
    other = make_run(store, dag_id="other")

    assert store.delete_dag("etl")
    assert store.get_dag("etl") is None
    assert store.get_serialized_dag("etl") is None
    assert store.get_dag_run("etl", run.run_id) is None
    assert store.list_xcoms("etl", run.run_id) == []
    assert store.count_tis() == 0
    assert store.get_dag_run("other", other.run_id) is not None
    assert not store.delete_dag("etl")


def test_update_dag_sets_scheduling_columns(store: MetadataStore) -> None:
    store.upsert_dag(DagModel(dag_id="etl"))
    assert store.update_dag("etl", {"next_dagrun_create_after": T0, "schedule": "@hourly"})
    got = store.get_dag("etl")
    assert got is not None and (got.next_dagrun_create_after, got.schedule) == (T0, "@hourly")
    with pytest.raises(ValueError, match="tags"):
        store.update_dag("etl", {"tags": ("x",)})


# -- import errors ---------------------------------------------------------------------------


def test_import_errors_replace_per_file_and_flag_dags(store: MetadataStore) -> None:
    store.upsert_dag(DagModel(dag_id="etl", fileloc="/d/bad.py"))
    store.replace_import_error("/d/bad.py", "SyntaxError: one", T0)
    store.replace_import_error("/d/bad.py", "SyntaxError: two", T0 + timedelta(seconds=1))
    store.replace_import_error("/d/other.py", "ImportError", T0)

    errors = store.list_import_errors()
    assert [(e.filename, e.stacktrace) for e in errors] == [
        ("/d/bad.py", "SyntaxError: two"),
        ("/d/other.py", "ImportError"),
    ]
    dag = store.get_dag("etl")
    assert dag is not None and dag.has_import_errors
    store.replace_import_error("/d/bad.py", None, T0)
    dag = store.get_dag("etl")
    assert dag is not None and not dag.has_import_errors
    assert store.clear_import_errors() == 1
    assert store.list_import_errors() == []


# -- DAG runs --------------------------------------------------------------------------------


def test_create_dag_run_round_trips_and_assigns_id(store: MetadataStore) -> None:
    run = make_run(store, conf={"n": [1, 2], "s": "x"}, triggered_by=DagRunTriggeredBy.TIMETABLE)
    assert run.id is not None
    assert run.queued_at is not None and run.run_after == T0
    got = store.get_dag_run("etl", run.run_id)
    assert got == run
    assert got.conf == {"n": [1, 2], "s": "x"}
    assert got.state is DagRunState.QUEUED and got.run_type is DagRunType.SCHEDULED
    assert got.run_id == "scheduled__2024-01-01T00:00:00+00:00"


def test_duplicate_run_id_is_a_clear_error(store: MetadataStore) -> None:
    run = make_run(store)
    with pytest.raises(DagRunAlreadyExists, match="already exists") as info:
        make_run(store)
    assert (info.value.dag_id, info.value.run_id) == ("etl", run.run_id)
    assert store.count_dag_runs() == 1


def test_datetimes_are_stored_in_utc_and_naive_ones_refused(store: MetadataStore) -> None:
    paris = timezone(timedelta(hours=1))
    run = store.create_dag_run(
        DagRun(dag_id="tz", run_id="r", logical_date=datetime(2024, 1, 1, 1, tzinfo=paris))
    )
    assert run.logical_date == T0 and run.logical_date.tzinfo == UTC
    with pytest.raises(Exception, match="naive"):
        store.create_dag_run(DagRun(dag_id="tz", run_id="r2", logical_date=datetime(2024, 1, 1)))


def test_list_dag_runs_filters_orders_and_pages(store: MetadataStore) -> None:
    for day in range(5):
        make_run(store, day=day)
    make_run(store, dag_id="other")
    store.create_dag_run(DagRun(dag_id="etl", run_id="manual_1", run_after=T0 + timedelta(days=9)))

    newest_first = store.list_dag_runs(DagRunQuery(dag_ids=["etl"]))
    assert [r.run_id for r in newest_first][:2] == [
        "manual_1",
        "scheduled__2024-01-05T00:00:00+00:00",
    ]
    in_range = DagRunQuery(
        dag_ids=["etl"],
        logical_date_gte=T0 + timedelta(days=1),
        logical_date_lte=T0 + timedelta(days=3),
    )
    got = store.list_dag_runs(in_range, Page(order_by="logical_date"))
    assert [r.logical_date for r in got] == [T0 + timedelta(days=d) for d in (1, 2, 3)]
    assert store.count_dag_runs(in_range) == 3
    manual = store.list_dag_runs(DagRunQuery(run_types=[DagRunType.MANUAL]))
    assert [r.run_id for r in manual] == ["manual_1"]
    page = store.list_dag_runs(DagRunQuery(dag_ids=["etl"]), Page(limit=2, offset=2, order_by="id"))
    assert len(page) == 2 and page[0].id is not None and page[0].id < page[1].id  # type: ignore[operator]


def test_dag_run_state_compare_and_set(store: MetadataStore) -> None:
    run = make_run(store)
    assert store.set_dag_run_state("etl", run.run_id, DagRunState.RUNNING, start_date=T0)
    assert not store.set_dag_run_state(
        "etl", run.run_id, DagRunState.SUCCESS, expected=DagRunState.QUEUED
    )
    assert store.set_dag_run_state(
        "etl", run.run_id, DagRunState.SUCCESS, expected=[DagRunState.RUNNING], end_date=T0
    )
    got = store.get_dag_run("etl", run.run_id)
    assert got is not None
    assert (got.state, got.start_date, got.end_date) == (DagRunState.SUCCESS, T0, T0)
    assert store.list_dag_runs(DagRunQuery(states=[DagRunState.SUCCESS])) == [got]
    with pytest.raises(ValueError, match="run_id"):
        store.update_dag_run("etl", run.run_id, {"run_id": "x"})


def test_delete_dag_run_cascades(store: MetadataStore) -> None:
    run = make_run(store)
    make_tis(store, run, "a")
    store.set_xcom(XComEntry("etl", run.run_id, "a", "k", 1))
    store.record_ti_try(TaskInstanceKey("etl", run.run_id, "a"))
    assert store.delete_dag_run("etl", run.run_id)
    assert store.count_tis() == 0
    assert store.list_ti_tries(TaskInstanceKey("etl", run.run_id, "a")) == []
    assert not store.delete_dag_run("etl", run.run_id)


# -- task instances --------------------------------------------------------------------------


def test_create_tis_round_trip_and_defaults(store: MetadataStore) -> None:
    run = make_run(store)
    ti = TaskInstance(
        dag_id="etl",
        run_id=run.run_id,
        task_id="load",
        map_index=3,
        max_tries=2,
        operator="BashOperator",
        priority_weight=5,
        rendered_fields={"bash_command": "echo 2024-01-01"},
        next_kwargs={"event": [1, "a"]},
    )
    (created,) = store.create_tis([ti])
    assert created.id is not None and len(created.id) == 36
    got = store.get_ti(ti.key)
    assert got == created
    assert got.state is TaskInstanceState.NONE
    assert (got.pool, got.queue, got.try_number) == ("default_pool", "default", 0)
    assert got.rendered_fields == {"bash_command": "echo 2024-01-01"}
    assert store.get_ti(TaskInstanceKey("etl", run.run_id, "load", -1)) is None


def test_create_tis_needs_the_run_and_unique_keys(store: MetadataStore) -> None:
    with pytest.raises(NotFound, match="no DAG run"):
        store.create_tis([TaskInstance(dag_id="etl", run_id="nope", task_id="a")])
    run = make_run(store)
    make_tis(store, run, "a")
    with pytest.raises(TaskInstanceAlreadyExists):
        make_tis(store, run, "b", "a")
    assert [ti.task_id for ti in store.list_run_tis("etl", run.run_id)] == ["a"]


def test_ti_compare_and_set_transitions(store: MetadataStore) -> None:
    run = make_run(store)
    (ti,) = make_tis(store, run, "a")
    key = ti.key
    assert store.update_ti_state(
        key, TaskInstanceState.SCHEDULED, expected=TaskInstanceState.NONE, try_number=1
    )
    # A second scheduler racing for the same transition loses.
    assert not store.update_ti_state(
        key, TaskInstanceState.SCHEDULED, expected=TaskInstanceState.NONE
    )
    assert store.update_ti_state(
        key,
        TaskInstanceState.RUNNING,
        expected=[TaskInstanceState.SCHEDULED, TaskInstanceState.QUEUED],
        start_date=T0,
        hostname="box",
        pid=123,
    )
    got = store.get_ti(key)
    assert got is not None
    assert (got.state, got.try_number, got.hostname, got.pid) == (
        TaskInstanceState.RUNNING,
        1,
        "box",
        123,
    )
    assert got.updated_at is not None
    assert store.update_ti_state(key, TaskInstanceState.NONE)
    got = store.get_ti(key)
    assert got is not None and got.state is TaskInstanceState.NONE
    assert not store.update_ti(TaskInstanceKey("etl", run.run_id, "zzz"), {"pid": 1})
    with pytest.raises(ValueError, match="task_id"):
        store.update_ti(key, {"task_id": "b"})


def test_list_tis_filters_by_state_including_none(store: MetadataStore) -> None:
    run = make_run(store)
    make_tis(store, run, "a", "b", "c")
    store.update_ti_state(TaskInstanceKey("etl", run.run_id, "b"), TaskInstanceState.SUCCESS)
    other = make_run(store, day=1)
    make_tis(store, other, "a")

    no_state = store.list_tis(TaskInstanceQuery(states=[TaskInstanceState.NONE]))
    assert [(ti.run_id, ti.task_id) for ti in no_state] == [
        (run.run_id, "a"),
        (run.run_id, "c"),
        (other.run_id, "a"),
    ]
    done_or_none = TaskInstanceQuery(
        run_ids=[run.run_id], states=[TaskInstanceState.SUCCESS, TaskInstanceState.NONE]
    )
    assert store.count_tis(done_or_none) == 3
    assert [ti.task_id for ti in store.list_tis(page=Page(limit=1, order_by="-task_id"))] == ["c"]


def test_record_tries_and_list_them(store: MetadataStore) -> None:
    run = make_run(store)
    (ti,) = make_tis(store, run, "a")
    store.update_ti(ti.key, {"try_number": 1, "state": TaskInstanceState.FAILED, "end_date": T0})
    first = store.record_ti_try(ti.key)
    assert first.try_number == 1 and first.state is TaskInstanceState.FAILED
    store.update_ti(ti.key, {"try_number": 2, "state": TaskInstanceState.SUCCESS})
    store.record_ti_try(ti.key)
    store.record_ti_try(ti.key)  # recording the same try again replaces it

    tries = store.list_ti_tries(ti.key)
    assert [(t.try_number, t.state) for t in tries] == [
        (1, TaskInstanceState.FAILED),
        (2, TaskInstanceState.SUCCESS),
    ]
    assert tries[0].id == ti.id and tries[0].end_date == T0
    with pytest.raises(NotFound):
        store.record_ti_try(TaskInstanceKey("etl", run.run_id, "missing"))


def test_delete_tis(store: MetadataStore) -> None:
    run = make_run(store)
    a, _ = make_tis(store, run, "a", "b")
    store.set_xcom(XComEntry("etl", run.run_id, "a", "k", 1))
    assert store.delete_tis([a.key]) == 1
    assert [ti.task_id for ti in store.list_run_tis("etl", run.run_id)] == ["b"]
    assert store.list_xcoms("etl", run.run_id) == []


# -- XCom ------------------------------------------------------------------------------------


def test_xcom_set_get_replace_list_clear(store: MetadataStore) -> None:
    run = make_run(store)
    rid = run.run_id
    store.set_xcom(XComEntry("etl", rid, "extract", "return_value", {"rows": [1, 2]}))
    store.set_xcom(XComEntry("etl", rid, "extract", "return_value", {"rows": [3]}))
    store.set_xcom(XComEntry("etl", rid, "extract", "nothing", None))
    store.set_xcom(XComEntry("etl", rid, "mapped", "return_value", "m1", map_index=1))
    store.set_xcom(XComEntry("etl", rid, "mapped", "return_value", "m0", map_index=0))

    got = store.get_xcom("etl", rid, "extract")
    assert got is not None and got.value == {"rows": [3]} and got.timestamp is not None
    pushed_none = store.get_xcom("etl", rid, "extract", "nothing")
    assert pushed_none is not None and pushed_none.value is None
    assert store.get_xcom("etl", rid, "extract", "never") is None
    assert [x.value for x in store.list_xcoms("etl", rid, "mapped")] == ["m0", "m1"]
    assert store.clear_xcoms("etl", rid, "mapped", map_index=1) == 1
    assert store.clear_xcoms("etl", rid) == 3
    assert store.list_xcoms("etl", rid) == []


def test_xcom_needs_json_and_an_existing_run(store: MetadataStore) -> None:
    run = make_run(store)
    with pytest.raises(TypeError, match="JSON"):
        store.set_xcom(XComEntry("etl", run.run_id, "a", "k", object()))
    with pytest.raises(NotFound):
        store.set_xcom(XComEntry("etl", "nope", "a", "k", 1))


# -- variables, connections, pools -----------------------------------------------------------


def test_variables(store: MetadataStore) -> None:
    store.set_variable("b", "1", "the b")
    store.set_variable("a", '{"x": 1}')
    store.set_variable("b", "2")  # keeps the description
    b = store.get_variable("b")
    assert b is not None and (b.val, b.description) == ("2", "the b")
    assert [v.key for v in store.list_variables()] == ["a", "b"]
    assert store.delete_variable("a") and not store.delete_variable("a")
    assert store.get_variable("a") is None


def test_connections(store: MetadataStore) -> None:
    conn = Connection(
        conn_id="pg",
        conn_type="postgres",
        host="db",
        login="u",
        password="p@ss",
        port=5432,
        schema="warehouse",
        extra='{"sslmode": "require"}',
    )
    store.add_connection(conn)
    with pytest.raises(ConnectionAlreadyExists, match="pg"):
        store.add_connection(conn)
    assert store.get_connection("pg") == conn
    store.set_connection(Connection(conn_id="pg", conn_type="postgres", host="db2"))
    got = store.get_connection("pg")
    assert got is not None and (got.host, got.password) == ("db2", None)
    store.set_connection(Connection(conn_id="a", conn_type="http"))
    assert [c.conn_id for c in store.list_connections()] == ["a", "pg"]
    assert store.delete_connection("pg") and store.get_connection("pg") is None


def test_pools_start_with_default_pool(store: MetadataStore) -> None:
    assert store.list_pools() == [Pool("default_pool", 128, "Default pool")]
    store.set_pool(Pool("db", 2))
    store.set_pool(Pool("db", 4, "fewer"))
    assert store.get_pool("db") == Pool("db", 4, "fewer")
    with pytest.raises(ValueError, match="default_pool"):
        store.delete_pool("default_pool")
    assert store.delete_pool("db") and store.get_pool("db") is None


def test_save_ti_inserts_then_overwrites(store: MetadataStore) -> None:
    run = make_run(store)
    saved = store.save_ti(TaskInstance("etl", run.run_id, "a", try_number=1, max_tries=3))
    assert saved.id is not None and saved.try_number == 1
    changed = dataclasses.replace(saved, state=TaskInstanceState.SUCCESS, end_date=T0)
    again = store.save_ti(changed)
    assert again.id == saved.id
    assert (again.state, again.end_date, again.max_tries) == (TaskInstanceState.SUCCESS, T0, 3)
    assert store.count_tis() == 1
    with pytest.raises(NotFound):
        store.save_ti(TaskInstance("etl", "nope", "a"))


def test_task_reschedules(store: MetadataStore) -> None:
    run = make_run(store)
    (ti,) = make_tis(store, run, "sensor")
    for i in range(3):
        poke = T0 + timedelta(minutes=i)
        added = store.add_task_reschedule(
            TaskReschedule(
                "etl",
                run.run_id,
                "sensor",
                -1,
                try_number=1 if i < 2 else 2,
                start_date=poke,
                end_date=poke + timedelta(seconds=2),
                reschedule_date=poke + timedelta(minutes=1),
            )
        )
        assert added.id is not None and added.duration == 2.0
    all_of_them = store.list_task_reschedules(ti.key)
    assert [r.start_date for r in all_of_them] == [T0 + timedelta(minutes=i) for i in range(3)]
    assert len(store.list_task_reschedules(ti.key, try_number=1)) == 2
    assert store.clear_task_reschedules(ti.key) == 3
    assert store.list_task_reschedules(ti.key) == []
    with pytest.raises(NotFound):
        store.add_task_reschedule(TaskReschedule("etl", run.run_id, "nope", -1, 1, T0, T0, T0))


def test_reschedules_go_with_their_task_instance(store: MetadataStore) -> None:
    run = make_run(store)
    (ti,) = make_tis(store, run, "sensor")
    store.add_task_reschedule(TaskReschedule("etl", run.run_id, "sensor", -1, 1, T0, T0, T0))
    store.delete_dag_run("etl", run.run_id)
    make_run(store)
    make_tis(store, run, "sensor")
    assert store.list_task_reschedules(ti.key) == []


def test_log_events(store: MetadataStore) -> None:
    first = store.add_log_event(LogEvent("trigger", dttm=T0, dag_id="etl", owner="cli"))
    store.add_log_event(LogEvent("pause", dttm=T0 + timedelta(hours=1), dag_id="etl"))
    store.add_log_event(LogEvent("cli_variables_set", dttm=T0 + timedelta(hours=2)))
    assert first.id is not None
    newest_first = store.list_log_events()
    assert [e.event for e in newest_first] == ["cli_variables_set", "pause", "trigger"]
    etl = store.list_log_events(LogEventQuery(dag_ids=["etl"], before=T0 + timedelta(minutes=5)))
    assert etl == [first]
    assert [e.event for e in store.list_log_events(LogEventQuery(events=["pause"]))] == ["pause"]
    stamped = store.add_log_event(LogEvent("now"))
    assert stamped.dttm is not None and stamped.dttm.tzinfo is not None


def test_create_dag_run_with_its_task_instances_is_atomic(store: MetadataStore) -> None:
    run = DagRun(dag_id="etl", run_id="manual_1")
    tis = [TaskInstance("etl", "manual_1", t) for t in ("extract", "load")]
    created = store.create_dag_run(run, tis)
    assert [ti.task_id for ti in store.list_run_tis("etl", created.run_id)] == ["extract", "load"]

    with pytest.raises(TaskInstanceAlreadyExists):
        store.create_dag_run(
            DagRun(dag_id="etl", run_id="manual_2"),
            [TaskInstance("etl", "manual_2", "a"), TaskInstance("etl", "manual_2", "a")],
        )
    assert store.get_dag_run("etl", "manual_2") is None
    with pytest.raises(ValueError, match="not in run"):
        store.create_dag_run(DagRun(dag_id="etl", run_id="m3"), [TaskInstance("etl", "x", "a")])
    assert store.get_dag_run("etl", "m3") is None
    with pytest.raises(DagRunAlreadyExists):
        store.create_dag_run(run, tis)
