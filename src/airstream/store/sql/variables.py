"""Variables in the ``variable`` table (the environment is consulted by ``store.secrets``)."""

from __future__ import annotations

import sqlalchemy as sa

from airstream.store import rows
from airstream.store import tables as t
from airstream.store.queries import Page
from airstream.store.records import Variable
from airstream.store.sql.statements import paged
from airstream.store.sql.transactions import SqlVerbs
from airstream.store.upsert import upsert


class VariableVerbs(SqlVerbs):
    """Stored variables (``store.secrets`` looks at the environment first)."""

    def get_variable(self, key: str) -> Variable | None:
        stmt = sa.select(t.variable).where(t.variable.c.key == key)
        with self._read() as conn:
            row = conn.execute(stmt).mappings().first()
        return rows.variable_from_row(row) if row else None

    def set_variable(self, key: str, val: str, description: str | None = None) -> None:
        values = {"key": key, "val": val, "description": description, "is_encrypted": False}
        update = ["val"] if description is None else ["val", "description"]
        with self._write() as conn:
            upsert(conn, t.variable, values, ["key"], update)

    def delete_variable(self, key: str) -> bool:
        with self._write() as conn:
            return conn.execute(t.variable.delete().where(t.variable.c.key == key)).rowcount > 0

    def list_variables(self, page: Page | None = None) -> list[Variable]:
        stmt = paged(sa.select(t.variable), t.variable, page, "key")
        with self._read() as conn:
            return [rows.variable_from_row(r) for r in conn.execute(stmt).mappings()]
