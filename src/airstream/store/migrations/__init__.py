"""Alembic migrations of the metadata schema (run through :mod:`airstream.store.schema`)."""
