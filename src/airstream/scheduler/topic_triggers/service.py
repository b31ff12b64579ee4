"""Starts, updates and stops the topic consumers as topic-triggered DAGs come, go and pause.

The scheduler calls :meth:`TopicTriggers.sync` on each full pass with its unpaused DAGs;
DAGs watching the same topic of the same brokers share one :class:`TopicConsumer`. A paused
DAG is left out, so it consumes nothing and its positions stay; it catches up on unpause.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING

from airstream.scheduler.topic_triggers.consumer import ConsumerSettings, TopicConsumer
from airstream.scheduler.topic_triggers.watches import TopicWatch, watched_assets, watches_of
from airstream.store import MetadataStore
from airstream.workflows.timetables import TopicTriggeredTimetable

if TYPE_CHECKING:
    from airstream.workflows.dag import DAG

log = logging.getLogger(__name__)

ConsumerKey = tuple[str, str]  # (bootstrap servers, topic)


class TopicTriggers:
    """The topic consumers of one scheduler."""

    def __init__(self, store: MetadataStore, settings: ConsumerSettings | None = None) -> None:
        self.store = store
        self.settings = settings or ConsumerSettings()
        self._consumers: dict[ConsumerKey, TopicConsumer] = {}
        #: Per DAG: the DAG object its watches were worked out from, and them (or the error).
        self._watches: dict[str, tuple[DAG, list[TopicWatch] | str]] = {}

    def sync(self, dags: Mapping[str, DAG]) -> None:
        """Serve exactly the topic-triggered DAGs among ``dags``."""
        wanted: dict[ConsumerKey, dict[str, TopicWatch]] = {}
        configs: dict[ConsumerKey, dict[str, object]] = {}
        for dag in dags.values():
            for watch in self._watches_of(dag):
                key = (watch.bootstrap_servers, watch.topic)
                wanted.setdefault(key, {})[watch.dag_id] = watch
                configs.setdefault(key, watch.client_config)
        self._watches = {d: w for d, w in self._watches.items() if d in dags}
        for key in set(self._consumers) - set(wanted):
            self._consumers.pop(key).stop()
        for key, watches in wanted.items():
            consumer = self._consumers.get(key)
            if consumer is None:
                consumer = TopicConsumer(self.store, key[1], configs[key], self.settings)
                self._consumers[key] = consumer
                consumer.update(watches)
                consumer.start()
            else:
                consumer.update(watches)

    def _watches_of(self, dag: DAG) -> list[TopicWatch]:
        if not isinstance(dag.timetable, TopicTriggeredTimetable) and not watched_assets(dag):
            return []
        cached = self._watches.get(dag.dag_id)
        if cached is None or cached[0] is not dag:
            try:
                cached = (dag, watches_of(dag, self.store))
            except Exception as exc:
                log.error("DAG %s: its topic trigger cannot be served: %s", dag.dag_id, exc)
                cached = (dag, str(exc))
            self._watches[dag.dag_id] = cached
        return cached[1] if isinstance(cached[1], list) else []

    @property
    def consumers(self) -> dict[ConsumerKey, TopicConsumer]:
        return dict(self._consumers)

    def stop(self) -> None:
        for consumer in self._consumers.values():
            consumer.stop()
        self._consumers.clear()
