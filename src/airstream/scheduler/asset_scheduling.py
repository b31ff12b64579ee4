"""Asset-triggered runs: a DAG scheduled on assets runs once its condition holds.

Airflow's queue semantics, kept as one number per DAG: the DAG's *watermark* is the newest
asset event id its runs have consumed, so its queue is every event after it. On each pass
the scheduler evaluates each asset-scheduled DAG's condition (``[a, b]`` and ``a & b``: all
have queued events; ``a | b``: any has) over that queue; when it holds, one
``asset_triggered`` run is stored together with links to the queued events (its
``triggering_asset_events``) and the moved watermark, in one transaction, by compare-and-set,
so two schedulers never make two runs of the same events. A DAG seen for the first time
starts after the events recorded so far; a paused DAG is not evaluated, so its queue grows
and it runs on unpause.

DAGs whose assets have watchers get their runs from the topic consumers instead
(:mod:`airstream.scheduler.topic_triggers`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING

from airstream.scheduler.run_creation import new_task_instances
from airstream.scheduler.topic_triggers.watches import watched_assets
from airstream.store import DagRunAlreadyExists, MetadataStore
from airstream.store import records as rec
from airstream.store.errors import PositionMoved
from airstream.workflows.assets import BaseAsset, evaluate, iter_assets

if TYPE_CHECKING:
    from airstream.workflows.dag import DAG

log = logging.getLogger(__name__)


def asset_condition(dag: DAG) -> BaseAsset | None:
    """The asset condition a DAG is scheduled on (``None``: not asset-scheduled)."""
    condition = getattr(dag.timetable, "assets", None)
    return condition if isinstance(condition, BaseAsset) else None


class AssetScheduler:
    """Creates the asset-triggered runs that are due; cheap when no event is new."""

    def __init__(self, store: MetadataStore) -> None:
        self.store = store
        self._seen_event_id: int | None = None
        self._seen_dags: frozenset[str] = frozenset()

    def create_runs(self, dags: Mapping[str, DAG], now: datetime) -> list[rec.DagRun]:
        """Store a run for each DAG whose condition holds over its queued events."""
        scheduled = {
            dag_id: (dag, condition)
            for dag_id, dag in dags.items()
            if (condition := asset_condition(dag)) is not None and not watched_assets(dag)
        }
        latest = self.store.latest_asset_event_id()
        if latest == self._seen_event_id and frozenset(scheduled) <= self._seen_dags:
            return []
        created = []
        for dag, condition in scheduled.values():
            run = self._run_if_due(dag, condition, latest, now)
            if run is not None:
                created.append(run)
        self._seen_event_id, self._seen_dags = latest, frozenset(scheduled)
        return created

    def _run_if_due(
        self, dag: DAG, condition: BaseAsset, latest: int, now: datetime
    ) -> rec.DagRun | None:
        watermark = self.store.get_asset_watermark(dag.dag_id)
        if watermark is None:
            self.store.init_asset_watermark(dag.dag_id, latest)
            return None
        if watermark >= latest:
            return None
        keys = {(a.name, a.uri) for a in iter_assets(condition)}
        events = self.store.list_asset_events(keys, after_id=watermark, up_to_id=latest)
        updated = {(e.name, e.uri) for e in events}
        if not evaluate(condition, lambda asset: (asset.name, asset.uri) in updated):
            return None
        return self._store_run(dag, events, watermark, latest, now)

    def _store_run(
        self,
        dag: DAG,
        events: list[rec.AssetEvent],
        watermark: int,
        latest: int,
        now: datetime,
    ) -> rec.DagRun | None:
        stamps = [e.timestamp for e in events if e.timestamp is not None] or [now]
        run_id = rec.DagRunType.ASSET_TRIGGERED.generate_run_id(now)
        run = rec.DagRun(
            dag_id=dag.dag_id,
            run_id=run_id,
            run_type=rec.DagRunType.ASSET_TRIGGERED,
            state=rec.DagRunState.QUEUED,
            logical_date=now,
            data_interval_start=min(stamps),
            data_interval_end=max(stamps),
            run_after=now,
            triggered_by=rec.DagRunTriggeredBy.ASSET,
        )
        try:
            created = self.store.create_asset_triggered_run(
                run,
                new_task_instances(dag, run_id),
                [e.id for e in events if e.id is not None],
                watermark=latest,
                expected_watermark=watermark,
            )
        except (PositionMoved, DagRunAlreadyExists) as exc:
            log.warning("Asset-triggered run of %s not created: %s", dag.dag_id, exc)
            return None
        log.info("Run %s of %s triggered by %d asset event(s)", run_id, dag.dag_id, len(events))
        return created
