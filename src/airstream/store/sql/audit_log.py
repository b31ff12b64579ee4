"""The audit log: append events and read them back, newest first."""

from __future__ import annotations

import dataclasses
from typing import Any

import sqlalchemy as sa

from airstream.store import rows
from airstream.store import tables as t
from airstream.store.queries import LogEventQuery, Page
from airstream.store.records import LogEvent
from airstream.store.sql.statements import in_, paged
from airstream.store.sql.transactions import SqlVerbs


class LogEventVerbs(SqlVerbs):
    """The audit log: append events and read them back, newest first."""

    def add_log_event(self, event: LogEvent) -> LogEvent:
        values = {name: getattr(event, name) for name in rows.field_names(LogEvent)}
        del values["id"]
        values["dttm"] = event.dttm or self._clock()
        with self._write() as conn:
            result = conn.execute(t.log.insert().values(values))
            new_id = result.inserted_primary_key[0] if result.inserted_primary_key else None
        return dataclasses.replace(event, id=new_id, dttm=values["dttm"])

    def list_log_events(
        self, query: LogEventQuery | None = None, page: Page | None = None
    ) -> list[LogEvent]:
        stmt = sa.select(t.log).where(*_log_conditions(query or LogEventQuery()))
        stmt = paged(stmt, t.log, page, "-dttm")
        with self._read() as conn:
            return [rows.log_event_from_row(r) for r in conn.execute(stmt).mappings()]


def _log_conditions(query: LogEventQuery) -> list[Any]:
    c = t.log.c
    conditions = in_(c.dag_id, query.dag_ids) + in_(c.run_id, query.run_ids)
    conditions += in_(c.task_id, query.task_ids) + in_(c.event, query.events)
    if query.after is not None:
        conditions.append(c.dttm >= query.after)
    if query.before is not None:
        conditions.append(c.dttm <= query.before)
    return conditions
