"""What the scheduler loop does on each full pass for data-driven runs, behind one call.

Topic consumers are synced with the unpaused DAGs, asset-triggered runs are created, and
the scheduler's heartbeat is recorded. A failure here is logged and never stops the loop
(the consumers and the next pass try again).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING

from airstream.scheduler.asset_scheduling import AssetScheduler
from airstream.scheduler.heartbeat import Heartbeat
from airstream.scheduler.topic_triggers import TopicTriggers
from airstream.store import MetadataStore
from airstream.store import records as rec

if TYPE_CHECKING:
    from airstream.workflows.dag import DAG

log = logging.getLogger(__name__)


class EventTriggering:
    """Topic triggers, asset scheduling and the heartbeat of one scheduler."""

    def __init__(self, store: MetadataStore) -> None:
        self.topics = TopicTriggers(store)
        self.assets = AssetScheduler(store)
        self.heartbeat = Heartbeat(store, rec.JobType.SCHEDULER)

    def on_pass(self, dags: Mapping[str, DAG], now: datetime) -> None:
        """Called by the loop on each full pass with its unpaused, loaded DAGs."""
        self.heartbeat.beat_if_due()
        for step in (lambda: self.topics.sync(dags), lambda: self.assets.create_runs(dags, now)):
            try:
                step()
            except Exception:
                log.exception("Event-driven scheduling step failed; retrying next pass")

    def stop(self) -> None:
        self.topics.stop()
