"""Alembic environment: runs on the connection that :mod:`airstream.store.schema` passes in.

The caller owns the transaction (and the lock taken inside it), so the whole upgrade is one
transaction on backends with transactional DDL (SQLite, PostgreSQL).
"""

from __future__ import annotations

from alembic import context

from airstream.store.tables import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    # SQLite cannot ALTER most things: batch mode recreates the table instead.
    render_as_batch=True,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
