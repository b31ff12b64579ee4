"""SQLExecuteQueryOperator, and the MySQL/Postgres/SQLite operator names tutorials use.

``sql`` may be a statement, a script, a list of statements, or a path ending in ``.sql`` —
a template file found through the DAG's folder and ``template_searchpath``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from airstream.operators.db_hooks import DbApiHook, fetch_all_handler, hook_for_connection
from airstream.workflows.baseoperator import BaseOperator
from airstream.workflows.context import Context


def _jsonable(value: Any) -> Any:
    """Rows as lists of JSON-friendly values (dates and decimals become strings)."""
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (bytes, bytearray)):
        return value.decode("utf-8", errors="replace")
    return str(value)


class SQLExecuteQueryOperator(BaseOperator):
    """Run SQL on the database of ``conn_id``; the rows of the last statement are the XCom."""

    template_fields: Sequence[str] = ("sql", "parameters", "conn_id", "database", "hook_params")
    template_ext: Sequence[str] = (".sql", ".json")
    template_fields_renderers = {"sql": "sql", "parameters": "json"}
    ui_color = "#cdaaed"
    default_conn_id = "default_conn_id"

    def __init__(
        self,
        *,
        sql: str | list[str],
        conn_id: str | None = None,
        autocommit: bool = False,
        parameters: Mapping[str, Any] | Iterable[Any] | None = None,
        handler: Callable[[Any], Any] = fetch_all_handler,
        output_processor: Callable[[list[Any], list[Any]], Any] | None = None,
        split_statements: bool | None = None,
        return_last: bool = True,
        show_return_value_in_logs: bool = False,
        database: str | None = None,
        hook_params: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.sql = sql
        self.conn_id = conn_id or self.default_conn_id
        self.autocommit = autocommit
        self.parameters = parameters
        self.handler = handler
        self.split_statements = split_statements
        self.return_last = return_last
        self.show_return_value_in_logs = show_return_value_in_logs
        self.database = database
        self.hook_params = hook_params or {}

    def get_db_hook(self) -> DbApiHook:
        return hook_for_connection(self.conn_id, database=self.database, **self.hook_params)

    def execute(self, context: Context) -> Any:
        log = context["ti"].log
        log.info("Executing: %s", self.sql)
        hook = self.get_db_hook()
        result = hook.run(
            sql=self.sql,
            autocommit=self.autocommit,
            parameters=self.parameters,
            handler=self.handler if self.do_xcom_push else None,
            split_statements=True if self.split_statements is None else self.split_statements,
            return_last=self.return_last,
        )
        if not self.do_xcom_push:
            return None
        output = _jsonable(result) if result is not None else None
        if self.show_return_value_in_logs:
            log.info("Operator output is: %s", output)
        return output


class MySqlOperator(SQLExecuteQueryOperator):
    """Airflow's MySqlOperator: SQL on a MySQL/MariaDB connection (``mysql_conn_id``)."""

    default_conn_id = "mysql_default"

    def __init__(self, *, mysql_conn_id: str = "mysql_default", **kwargs: Any) -> None:
        kwargs.setdefault("conn_id", mysql_conn_id)
        super().__init__(**kwargs)


class PostgresOperator(SQLExecuteQueryOperator):
    """Airflow's PostgresOperator (``postgres_conn_id``)."""

    default_conn_id = "postgres_default"

    def __init__(self, *, postgres_conn_id: str = "postgres_default", **kwargs: Any) -> None:
        kwargs.setdefault("conn_id", postgres_conn_id)
        super().__init__(**kwargs)


class SqliteOperator(SQLExecuteQueryOperator):
    """Airflow's SqliteOperator (``sqlite_conn_id``)."""

    default_conn_id = "sqlite_default"

    def __init__(self, *, sqlite_conn_id: str = "sqlite_default", **kwargs: Any) -> None:
        kwargs.setdefault("conn_id", sqlite_conn_id)
        super().__init__(**kwargs)
