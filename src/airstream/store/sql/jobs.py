"""Heartbeats of long-running processes in the ``job`` table."""

from __future__ import annotations

import dataclasses
from datetime import datetime

import sqlalchemy as sa

from airstream.store import tables as t
from airstream.store.column_types import UtcDateTime
from airstream.store.records import Job
from airstream.store.sql.transactions import SqlVerbs


class JobVerbs(SqlVerbs):
    """One ``job`` row per process start; its ``latest_heartbeat`` moves while it lives."""

    def record_heartbeat(self, job: Job) -> Job:
        now = self._clock()
        with self._write() as conn:
            if job.id is not None:
                changed = conn.execute(
                    t.job.update()
                    .where(t.job.c.id == job.id)
                    .values(latest_heartbeat=now, state=job.state)
                )
                if changed.rowcount > 0:
                    return dataclasses.replace(job, latest_heartbeat=now)
            start = job.start_date or now
            values: dict[str, object] = {
                "job_type": str(job.job_type),
                "hostname": job.hostname,
                "pid": job.pid,
                "state": job.state,
                "start_date": start,
                "latest_heartbeat": now,
            }
            inserted = conn.execute(t.job.insert().values(values)).inserted_primary_key
        assert inserted is not None
        return dataclasses.replace(job, id=int(inserted[0]), start_date=start, latest_heartbeat=now)

    def latest_heartbeats(self) -> dict[str, datetime]:
        c = t.job.c
        latest = sa.func.max(c.latest_heartbeat, type_=UtcDateTime())
        stmt = sa.select(c.job_type, latest).group_by(c.job_type)
        with self._read() as conn:
            return {str(kind): when for kind, when in conn.execute(stmt) if when is not None}
