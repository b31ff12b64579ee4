"""Request bodies and responses of ``/api/v2``, shaped as Airflow 3's OpenAPI spec shapes them.

Field names, optionality and nesting follow the models generated from Airflow's spec (what
``apache-airflow-client`` accepts); bodies refuse unknown fields as Airflow's do.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from airstream.store.records import (
    DagRunState,
    DagRunTriggeredBy,
    DagRunType,
    TaskInstanceState,
)


class Body(BaseModel):
    """A request body: unknown fields are an error."""

    model_config = ConfigDict(extra="forbid")


# -- DAGs ------------------------------------------------------------------------------------


class DagTagResponse(BaseModel):
    """A tag of a DAG."""

    name: str
    dag_id: str
    dag_display_name: str


class DAGResponse(BaseModel):
    """A DAG as ``GET /dags`` lists it."""

    dag_id: str
    dag_display_name: str
    is_paused: bool
    is_stale: bool
    last_parsed_time: datetime | None = None
    last_parse_duration: float | None = None
    last_expired: datetime | None = None
    bundle_name: str | None = None
    bundle_version: str | None = None
    relative_fileloc: str | None = None
    fileloc: str
    description: str | None = None
    timetable_summary: str | None = None
    timetable_description: str | None = None
    timetable_partitioned: bool = False
    timetable_periodic: bool = False
    tags: list[DagTagResponse]
    max_active_tasks: int
    max_active_runs: int | None = None
    max_consecutive_failed_dag_runs: int
    has_task_concurrency_limits: bool
    has_import_errors: bool
    next_dagrun_logical_date: datetime | None = None
    next_dagrun_data_interval_start: datetime | None = None
    next_dagrun_data_interval_end: datetime | None = None
    next_dagrun_run_after: datetime | None = None
    allowed_run_types: list[str] | None = None
    owners: list[str]
    file_token: str
    is_backfillable: bool = False


class DAGDetailsResponse(DAGResponse):
    """A DAG with the settings its file gives it (``GET /dags/{dag_id}/details``)."""

    catchup: bool
    dag_run_timeout: str | None = None
    asset_expression: dict[str, Any] | None = None
    doc_md: str | None = None
    start_date: datetime | None = None
    end_date: datetime | None = None
    is_paused_upon_creation: bool | None = None
    params: dict[str, Any] | None = None
    render_template_as_native_obj: bool
    template_search_path: list[str] | None = None
    timezone: str | None = None
    last_parsed: datetime | None = None
    default_args: dict[str, Any] | None = None
    owner_links: dict[str, str] | None = None
    concurrency: int
    active_runs_count: int = 0
    is_favorite: bool = False


class DAGCollectionResponse(BaseModel):
    """A page of DAGs."""

    dags: list[DAGResponse]
    total_entries: int


class DAGPatchBody(Body):
    """``PATCH /dags/{dag_id}``: pause or unpause."""

    is_paused: bool


class TimeDelta(BaseModel):
    """A duration as Airflow serializes ``timedelta``."""

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    type: str = Field(default="TimeDelta", alias="__type")
    days: int
    seconds: int
    microseconds: int


class TaskResponse(BaseModel):
    """A task of a DAG, from its stored structure."""

    task_id: str | None
    task_display_name: str | None = None
    owner: str | None = None
    start_date: datetime | None = None
    end_date: datetime | None = None
    trigger_rule: str | None = None
    depends_on_past: bool
    wait_for_downstream: bool
    retries: float | None = None
    queue: str | None = None
    pool: str | None = None
    pool_slots: float | None = None
    execution_timeout: TimeDelta | None = None
    retry_delay: TimeDelta | None = None
    retry_exponential_backoff: float
    priority_weight: float | None = None
    weight_rule: str | None = None
    ui_color: str | None = None
    ui_fgcolor: str | None = None
    template_fields: list[str] | None = None
    downstream_task_ids: list[str] | None = None
    doc_md: str | None = None
    operator_name: str | None = None
    params: dict[str, Any] | None = None
    class_ref: dict[str, Any] | None = None
    is_mapped: bool | None = None
    extra_links: list[str]


class TaskCollectionResponse(BaseModel):
    """Every task of a DAG."""

    tasks: list[TaskResponse]
    total_entries: int


# -- DAG runs --------------------------------------------------------------------------------


class DAGRunResponse(BaseModel):
    """One DAG run."""

    dag_run_id: str
    dag_id: str
    logical_date: datetime | None = None
    queued_at: datetime | None = None
    start_date: datetime | None = None
    end_date: datetime | None = None
    duration: float | None = None
    data_interval_start: datetime | None = None
    data_interval_end: datetime | None = None
    run_after: datetime
    last_scheduling_decision: datetime | None = None
    run_type: DagRunType
    state: DagRunState
    triggered_by: DagRunTriggeredBy | None = None
    triggering_user_name: str | None = None
    conf: dict[str, Any] | None = None
    note: str | None = None
    dag_versions: list[dict[str, Any]]
    bundle_version: str | None = None
    dag_display_name: str


class DAGRunCollectionResponse(BaseModel):
    """A page of DAG runs."""

    dag_runs: list[DAGRunResponse]
    total_entries: int


class TriggerDAGRunPostBody(Body):
    """``POST /dags/{dag_id}/dagRuns``; ``logical_date`` must be given, and may be null."""

    dag_run_id: str | None = None
    data_interval_start: AwareDatetime | None = None
    data_interval_end: AwareDatetime | None = None
    logical_date: AwareDatetime | None
    run_after: AwareDatetime | None = None
    conf: dict[str, Any] | None = None
    note: str | None = None
    partition_key: str | None = None


class DAGRunPatchBody(Body):
    """``PATCH /dags/{dag_id}/dagRuns/{dag_run_id}``: mark a run, or change its note."""

    state: Literal["queued", "success", "failed"] | None = None
    note: str | None = Field(default=None, max_length=1000)


# -- task instances --------------------------------------------------------------------------


class TaskInstanceResponse(BaseModel):
    """One task instance."""

    id: str
    task_id: str
    dag_id: str
    dag_run_id: str
    map_index: int
    logical_date: datetime | None = None
    run_after: datetime
    start_date: datetime | None = None
    end_date: datetime | None = None
    duration: float | None = None
    state: TaskInstanceState | None = None
    try_number: int
    max_tries: int
    task_display_name: str
    dag_display_name: str
    hostname: str | None = None
    unixname: str | None = None
    pool: str
    pool_slots: int
    queue: str | None = None
    priority_weight: int | None = None
    operator: str | None = None
    operator_name: str | None = None
    queued_when: datetime | None = None
    scheduled_when: datetime | None = None
    pid: int | None = None
    executor: str | None = None
    executor_config: str = "{}"
    note: str | None = None
    rendered_map_index: str | None = None
    rendered_fields: dict[str, Any] | None = None
    trigger: dict[str, Any] | None = None
    triggerer_job: dict[str, Any] | None = None
    dag_version: dict[str, Any] | None = None


class TaskInstanceCollectionResponse(BaseModel):
    """A page of task instances."""

    task_instances: list[TaskInstanceResponse]
    total_entries: int


class TaskInstanceHistoryCollectionResponse(BaseModel):
    """The tries of one task instance, oldest first."""

    task_instances: list[TaskInstanceResponse]
    total_entries: int


class ClearTaskInstancesBody(Body):
    """``POST /dags/{dag_id}/clearTaskInstances``.

    ``task_ids`` items are task ids or ``[task_id, map_index]`` pairs, as in Airflow.
    """

    dry_run: bool = True
    start_date: AwareDatetime | None = None
    end_date: AwareDatetime | None = None
    only_failed: bool = True
    only_running: bool = False
    reset_dag_runs: bool = True
    task_ids: list[str | tuple[str, int]] | None = Field(default=None, min_length=1)
    dag_run_id: str | None = None
    include_upstream: bool = False
    include_downstream: bool = False
    include_future: bool = False
    include_past: bool = False
    run_on_latest_version: bool = False
    prevent_running_task: bool = False
    note: str | None = Field(default=None, max_length=1000)


class PatchTaskInstanceBody(Body):
    """``PATCH .../taskInstances/{task_id}``: mark a task instance, or change its note."""

    new_state: Literal["success", "failed", "skipped"] | None = None
    note: str | None = Field(default=None, max_length=1000)
    include_upstream: bool = False
    include_downstream: bool = False
    include_future: bool = False
    include_past: bool = False


# -- XCom ------------------------------------------------------------------------------------


class XComResponse(BaseModel):
    """An XCom entry without its value (listings)."""

    key: str
    timestamp: datetime
    logical_date: datetime | None = None
    map_index: int
    task_id: str
    dag_id: str
    run_id: str
    dag_display_name: str
    task_display_name: str
    run_after: datetime


class XComResponseNative(XComResponse):
    """An XCom entry with its value as JSON."""

    value: Any


class XComResponseString(XComResponse):
    """An XCom entry with its value as text (``stringify=true``)."""

    value: str | None


class XComCollectionResponse(BaseModel):
    """A page of XCom entries."""

    xcom_entries: list[XComResponse]
    total_entries: int


# -- logs ------------------------------------------------------------------------------------


class StructuredLogMessage(BaseModel):
    """One line of a task log."""

    model_config = ConfigDict(extra="allow")

    timestamp: datetime | None = None
    event: str


class TaskInstancesLogResponse(BaseModel):
    """A task attempt's log as JSON."""

    content: list[StructuredLogMessage]
    continuation_token: str | None = None


# -- import errors ---------------------------------------------------------------------------


class ImportErrorResponse(BaseModel):
    """A DAG file that failed to load."""

    import_error_id: int
    timestamp: datetime
    filename: str
    bundle_name: str | None = None
    stack_trace: str


class ImportErrorCollectionResponse(BaseModel):
    """A page of import errors."""

    import_errors: list[ImportErrorResponse]
    total_entries: int


# -- variables -------------------------------------------------------------------------------


class VariableResponse(BaseModel):
    """A variable; values of sensitive keys are masked."""

    key: str
    value: str | None
    description: str | None = None
    is_encrypted: bool
    team_name: str | None = None


class VariableBody(Body):
    """A variable to create or change; a non-string ``value`` is stored as JSON."""

    key: str = Field(max_length=250)
    value: Any
    description: str | None = None
    team_name: str | None = Field(default=None, max_length=50)


class VariableCollectionResponse(BaseModel):
    """A page of variables."""

    variables: list[VariableResponse]
    total_entries: int


# -- connections -----------------------------------------------------------------------------


class ConnectionResponse(BaseModel):
    """A connection; the password is never returned in clear."""

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    connection_id: str
    conn_type: str
    description: str | None = None
    host: str | None = None
    login: str | None = None
    schema_: str | None = Field(default=None, alias="schema")
    port: int | None = None
    password: str | None = None
    extra: str | None = None
    team_name: str | None = None


class ConnectionBody(Body):
    """A connection to create or change."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    connection_id: str = Field(max_length=200, pattern=r"^[\w.-]+$")
    conn_type: str
    description: str | None = None
    host: str | None = None
    login: str | None = None
    schema_: str | None = Field(default=None, alias="schema")
    port: int | None = None
    password: str | None = None
    extra: str | None = None
    team_name: str | None = Field(default=None, max_length=50)


class ConnectionCollectionResponse(BaseModel):
    """A page of connections."""

    connections: list[ConnectionResponse]
    total_entries: int


# -- pools -----------------------------------------------------------------------------------


class PoolResponse(BaseModel):
    """A pool with its slot usage."""

    name: str
    slots: int
    description: str | None = None
    include_deferred: bool
    occupied_slots: int
    running_slots: int
    queued_slots: int
    scheduled_slots: int
    open_slots: int
    deferred_slots: int
    team_name: str | None = None


class PoolBody(Body):
    """A pool to create."""

    name: str = Field(max_length=256)
    slots: int = Field(ge=-1)
    description: str | None = None
    include_deferred: bool = False
    team_name: str | None = Field(default=None, max_length=50)


class PoolPatchBody(Body):
    """Changes to a pool."""

    pool: str | None = None
    slots: int | None = Field(default=None, ge=-1)
    description: str | None = None
    include_deferred: bool | None = None
    team_name: str | None = Field(default=None, max_length=50)


class PoolCollectionResponse(BaseModel):
    """A page of pools."""

    pools: list[PoolResponse]
    total_entries: int


# -- monitor ---------------------------------------------------------------------------------


class BaseInfoResponse(BaseModel):
    """Health of one component."""

    status: str | None


class SchedulerInfoResponse(BaseInfoResponse):
    """Health of the scheduler."""

    latest_scheduler_heartbeat: str | None = None


class TriggererInfoResponse(BaseInfoResponse):
    """Health of the triggerer (airstream has none)."""

    latest_triggerer_heartbeat: str | None = None


class DagProcessorInfoResponse(BaseInfoResponse):
    """Health of the DAG processor."""

    latest_dag_processor_heartbeat: str | None = None


class HealthInfoResponse(BaseModel):
    """``GET /monitor/health``."""

    metadatabase: BaseInfoResponse
    scheduler: SchedulerInfoResponse
    triggerer: TriggererInfoResponse
    dag_processor: DagProcessorInfoResponse | None = None


class VersionInfo(BaseModel):
    """``GET /version``."""

    version: str
    git_version: str | None = None


# -- auth ------------------------------------------------------------------------------------


class LoginBody(Body):
    """``POST /auth/token``."""

    username: str
    password: str


class LoginResponse(BaseModel):
    """A bearer token."""

    access_token: str
