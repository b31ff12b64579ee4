"""Database hooks: a DB-API connection from an Airflow connection id, and running SQL on it.

:class:`DbApiHook` holds the logic; the SQLite, PostgreSQL (psycopg 3) and MySQL/MariaDB
(PyMySQL) hooks only say how to connect. Which hook a connection gets is chosen by its type.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Mapping
from typing import Any, ClassVar

from airstream.workflows.connections import Connection, get_connection
from airstream.workflows.exceptions import AirflowException


class BaseHook:
    """Airflow's BaseHook: ``get_connection(conn_id)``."""

    @classmethod
    def get_connection(cls, conn_id: str) -> Connection:
        return get_connection(conn_id)


def fetch_all_handler(cursor: Any) -> list[tuple[Any, ...]] | None:
    """All rows of the last statement, or None if it returned no result set."""
    return list(cursor.fetchall()) if cursor.description is not None else None


def fetch_one_handler(cursor: Any) -> tuple[Any, ...] | None:
    return cursor.fetchone() if cursor.description is not None else None


def split_sql(sql: str) -> list[str]:
    """Split a script on ``;`` outside quotes and comments; empty statements are dropped."""
    statements: list[str] = []
    current: list[str] = []
    quote: str | None = None
    i = 0
    while i < len(sql):
        ch = sql[i]
        if quote:
            current.append(ch)
            if ch == quote:
                quote = None
        elif ch in ("'", '"', "`"):
            quote = ch
            current.append(ch)
        elif sql.startswith("--", i):
            end = sql.find("\n", i)
            i = len(sql) if end < 0 else end
            continue
        elif ch == ";":
            statements.append("".join(current))
            current = []
        else:
            current.append(ch)
        i += 1
    statements.append("".join(current))
    return [s.strip() for s in statements if s.strip()]


class DbApiHook(BaseHook):
    """Runs SQL through a DB-API 2 connection made from an airstream connection."""

    conn_name_attr = "conn_id"
    default_conn_name = "default_conn_id"
    placeholder: ClassVar[str] = "%s"

    def __init__(
        self, conn_id: str | None = None, *, database: str | None = None, **kwargs: Any
    ) -> None:
        # Airflow's hooks name the id after their kind: ``PostgresHook(postgres_conn_id=...)``.
        self.conn_id = conn_id or kwargs.get(self.conn_name_attr) or self.default_conn_name
        setattr(self, self.conn_name_attr, self.conn_id)
        self.database = database or kwargs.get("schema")
        self.connection: Connection | None = kwargs.get("connection")

    def get_connection_record(self) -> Connection:
        if self.connection is None:
            self.connection = get_connection(self.conn_id)
        return self.connection

    def get_conn(self) -> Any:
        raise NotImplementedError

    def set_autocommit(self, conn: Any, autocommit: bool) -> None:
        conn.autocommit = autocommit

    def run(
        self,
        sql: str | Iterable[str],
        autocommit: bool = False,
        parameters: Iterable[Any] | Mapping[str, Any] | None = None,
        handler: Callable[[Any], Any] | None = None,
        split_statements: bool = True,
        return_last: bool = True,
    ) -> Any:
        """Run one script or a list of statements; results via ``handler`` per statement."""
        if isinstance(sql, str):
            statements = split_sql(sql) if split_statements else [sql]
        else:
            statements = [s for s in sql if s and s.strip()]
        if not statements:
            raise ValueError("List of SQL statements is empty")
        results: list[Any] = []
        conn = self.get_conn()
        try:
            self.set_autocommit(conn, autocommit)
            cursor = conn.cursor()
            try:
                for statement in statements:
                    if parameters:
                        cursor.execute(statement, parameters)
                    else:
                        cursor.execute(statement)
                    if handler is not None:
                        results.append(handler(cursor))
            finally:
                cursor.close()
            if not autocommit:
                conn.commit()
        finally:
            conn.close()
        if handler is None:
            return None
        # As in Airflow: one SQL string gives the last statement's result; a list gives all.
        return results[-1] if isinstance(sql, str) and return_last else results

    def get_records(self, sql: str, parameters: Any = None) -> Any:
        return self.run(sql, parameters=parameters, handler=fetch_all_handler)

    def get_first(self, sql: str, parameters: Any = None) -> Any:
        return self.run(sql, parameters=parameters, handler=fetch_one_handler)

    def insert_rows(
        self,
        table: str,
        rows: Iterable[Iterable[Any]],
        target_fields: Iterable[str] | None = None,
        commit_every: int = 1000,
        **kwargs: Any,
    ) -> None:
        """Insert ``rows`` into ``table``, committing every ``commit_every`` rows (0: once)."""
        columns = f" ({', '.join(target_fields)})" if target_fields else ""
        conn = self.get_conn()
        try:
            cursor = conn.cursor()
            pending = 0
            for row in rows:
                values = list(row)
                marks = ", ".join([self.placeholder] * len(values))
                cursor.execute(f"INSERT INTO {table}{columns} VALUES ({marks})", values)
                pending += 1
                if commit_every and pending >= commit_every:
                    conn.commit()
                    pending = 0
            conn.commit()
            cursor.close()
        finally:
            conn.close()


class SqliteHook(DbApiHook):
    """SQLite: the connection's ``host`` (or schema) is the database file path."""

    conn_name_attr = "sqlite_conn_id"
    default_conn_name = "sqlite_default"
    placeholder = "?"

    def get_conn(self) -> Any:
        conn = self.get_connection_record()
        path = conn.host or conn.schema or ":memory:"
        if conn.host and conn.schema and not conn.host.startswith("/"):
            path = f"/{conn.host}/{conn.schema}"
        return sqlite3.connect(path)

    def set_autocommit(self, conn: Any, autocommit: bool) -> None:
        conn.isolation_level = None if autocommit else ""


class PostgresHook(DbApiHook):
    """PostgreSQL through psycopg 3; cursors also offer psycopg2's ``copy_expert``."""

    conn_name_attr = "postgres_conn_id"
    default_conn_name = "postgres_default"

    def get_conn(self) -> Any:
        import psycopg

        from airstream.operators.postgres_copy import copy_expert_cursor_class

        conn = self.get_connection_record()
        return psycopg.connect(
            host=conn.host or "localhost",
            port=conn.port or 5432,
            user=conn.login or None,
            password=conn.password or None,
            dbname=self.database or conn.schema or None,
            cursor_factory=copy_expert_cursor_class(),
        )

    def copy_expert(self, sql: str, filename: str) -> None:
        """``COPY ... FROM STDIN`` from a file, or ``COPY ... TO STDOUT`` into it."""
        mode = "w" if "to stdout" in sql.lower() else "r"
        conn = self.get_conn()
        try:
            with open(filename, mode + "b") as file, conn.cursor() as cursor:
                cursor.copy_expert(sql, file)
            conn.commit()
        finally:
            conn.close()


class MySqlHook(DbApiHook):
    """MySQL and MariaDB through PyMySQL."""

    conn_name_attr = "mysql_conn_id"
    default_conn_name = "mysql_default"

    def get_conn(self) -> Any:
        import pymysql  # type: ignore[import-untyped]

        conn = self.get_connection_record()
        return pymysql.connect(
            host=conn.host or "localhost",
            port=conn.port or 3306,
            user=conn.login or "root",
            password=conn.password or "",
            database=self.database or conn.schema or None,
        )

    def set_autocommit(self, conn: Any, autocommit: bool) -> None:
        conn.autocommit(autocommit)


HOOKS_BY_CONN_TYPE: dict[str, type[DbApiHook]] = {
    "sqlite": SqliteHook,
    "postgres": PostgresHook,
    "postgresql": PostgresHook,
    "mysql": MySqlHook,
    "mariadb": MySqlHook,
}


def hook_for_connection(conn_id: str, **kwargs: Any) -> DbApiHook:
    """The hook for ``conn_id``'s connection type."""
    conn = get_connection(conn_id)
    hook_class = HOOKS_BY_CONN_TYPE.get((conn.conn_type or "").lower())
    if hook_class is None:
        raise AirflowException(
            f"You are trying to use a common-sql operator with connection {conn_id} of type "
            f"{conn.conn_type!r}, which has no SQL hook"
        )
    return hook_class(conn_id, connection=conn, **kwargs)
