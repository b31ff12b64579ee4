"""Insert-or-update of one row as a single atomic statement on every supported backend.

``INSERT ... ON CONFLICT DO UPDATE`` on SQLite and PostgreSQL, ``INSERT ... ON DUPLICATE KEY
UPDATE`` on MySQL/MariaDB: no read-then-write window in which another process can insert
the same key first.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import mysql, postgresql, sqlite


def upsert(
    connection: sa.Connection,
    table: sa.Table,
    values: Mapping[str, Any],
    conflict_columns: Collection[str],
    update_columns: Collection[str],
) -> None:
    """Insert ``values``; if ``conflict_columns`` clash, update ``update_columns`` instead."""
    dialect = connection.dialect.name
    if dialect in ("mysql", "mariadb"):
        my_stmt = mysql.insert(table).values(dict(values))
        # MySQL needs at least one assignment: a no-op one when there is nothing to update.
        first = next(iter(conflict_columns))
        assignments = {c: my_stmt.inserted[c] for c in update_columns} or {first: table.c[first]}
        connection.execute(my_stmt.on_duplicate_key_update(assignments))
        return
    if dialect == "postgresql":
        stmt: Any = postgresql.insert(table).values(dict(values))
    elif dialect == "sqlite":
        stmt = sqlite.insert(table).values(dict(values))
    else:
        raise NotImplementedError(f"upsert is not implemented for {dialect}")
    if update_columns:
        stmt = stmt.on_conflict_do_update(
            index_elements=list(conflict_columns),
            set_={c: stmt.excluded[c] for c in update_columns},
        )
    else:
        stmt = stmt.on_conflict_do_nothing(index_elements=list(conflict_columns))
    connection.execute(stmt)
