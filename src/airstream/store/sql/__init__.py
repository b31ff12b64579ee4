"""The SQL implementation of the metadata store, one module per concept."""

from __future__ import annotations

from airstream.store.sql.metadata_store import SqlMetadataStore
from airstream.store.sql.transactions import Clock, utc_now

__all__ = ["Clock", "SqlMetadataStore", "utc_now"]
