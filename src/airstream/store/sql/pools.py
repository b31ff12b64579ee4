"""Pools in the ``slot_pool`` table; ``default_pool`` always exists."""

from __future__ import annotations

import sqlalchemy as sa

from airstream.store import rows
from airstream.store import tables as t
from airstream.store.queries import Page
from airstream.store.records import DEFAULT_POOL_NAME, Pool
from airstream.store.sql.statements import paged
from airstream.store.sql.transactions import SqlVerbs
from airstream.store.upsert import upsert


class PoolVerbs(SqlVerbs):
    """Pools in the ``slot_pool`` table; ``default_pool`` always exists."""

    def get_pool(self, name: str) -> Pool | None:
        stmt = sa.select(t.slot_pool).where(t.slot_pool.c.pool == name)
        with self._read() as conn:
            row = conn.execute(stmt).mappings().first()
        return rows.pool_from_row(row) if row else None

    def set_pool(self, pool: Pool) -> None:
        if pool.slots < -1:
            raise ValueError(f"pool {pool.pool!r}: slots must be >= -1 (-1 is unlimited)")
        values = {name: getattr(pool, name) for name in rows.field_names(Pool)}
        with self._write() as conn:
            upsert(conn, t.slot_pool, values, ["pool"], [c for c in values if c != "pool"])

    def delete_pool(self, name: str) -> bool:
        if name == DEFAULT_POOL_NAME:
            raise ValueError("default_pool cannot be deleted")
        with self._write() as conn:
            return conn.execute(t.slot_pool.delete().where(t.slot_pool.c.pool == name)).rowcount > 0

    def list_pools(self, page: Page | None = None) -> list[Pool]:
        stmt = paged(sa.select(t.slot_pool), t.slot_pool, page, "pool")
        with self._read() as conn:
            return [rows.pool_from_row(r) for r in conn.execute(stmt).mappings()]
