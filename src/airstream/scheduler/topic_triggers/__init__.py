"""Topic-triggered DAGs: records arriving on a topic become DAG runs, each record exactly once.

- :mod:`.watches`: which DAG watches which topic of which broker, with what batching
  (``schedule=Topic(...)`` or an ``Asset`` with an ``AssetWatcher``), from loaded DAGs.
- :mod:`.payload`: a Kafka record as the JSON a run's ``conf`` carries.
- :mod:`.consumer`: one consumer per (brokers, topic) serving every DAG that watches it.
- :mod:`.service`: starts, updates and stops the consumers as DAGs come, go and pause.
"""

from __future__ import annotations

from airstream.scheduler.topic_triggers.service import TopicTriggers

__all__ = ["TopicTriggers"]
