"""Connections in the ``connection`` table (the environment is consulted by ``store.secrets``)."""

from __future__ import annotations

import sqlalchemy as sa

from airstream.store import rows
from airstream.store import tables as t
from airstream.store.errors import ConnectionAlreadyExists
from airstream.store.queries import Page
from airstream.store.records import Connection
from airstream.store.sql.statements import paged
from airstream.store.sql.transactions import SqlVerbs
from airstream.store.upsert import upsert


class ConnectionVerbs(SqlVerbs):
    """Stored connections (``store.secrets`` looks at the environment first)."""

    def get_connection(self, conn_id: str) -> Connection | None:
        stmt = sa.select(t.connection).where(t.connection.c.conn_id == conn_id)
        with self._read() as conn:
            row = conn.execute(stmt).mappings().first()
        return rows.connection_from_row(row) if row else None

    def add_connection(self, conn: Connection) -> None:
        try:
            with self._write() as db:
                db.execute(t.connection.insert().values(rows.connection_values(conn)))
        except sa.exc.IntegrityError as exc:
            raise ConnectionAlreadyExists(conn.conn_id) from exc

    def set_connection(self, conn: Connection) -> None:
        values = rows.connection_values(conn)
        with self._write() as db:
            upsert(db, t.connection, values, ["conn_id"], [c for c in values if c != "conn_id"])

    def delete_connection(self, conn_id: str) -> bool:
        stmt = t.connection.delete().where(t.connection.c.conn_id == conn_id)
        with self._write() as db:
            return db.execute(stmt).rowcount > 0

    def list_connections(self, page: Page | None = None) -> list[Connection]:
        stmt = paged(sa.select(t.connection), t.connection, page, "conn_id")
        with self._read() as db:
            return [rows.connection_from_row(r) for r in db.execute(stmt).mappings()]
