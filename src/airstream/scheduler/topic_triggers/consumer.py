"""One Kafka consumer per (brokers, topic), serving every DAG that watches the topic.

Exactly once, with the metadata DB as the source of truth: for each DAG and partition the
store keeps the next offset to process (``topic_trigger_position``). A batch of records
becomes a run by one transaction that inserts the run (its task instances, and for the
Airflow form its asset event) *and* moves the DAG's positions past the batch, by
compare-and-set from where they were. So after a crash (``kill -9`` at any point) the
consumer seeks to the stored positions: a batch whose transaction committed is never read
into a run again, one that did not commit is read again, and a second consumer racing on the
same positions fails its compare-and-set and stores nothing.

The consumer reads each record once for all its DAGs: it is assigned every partition at the
lowest position any of them needs, and each DAG takes only records at or after its own.
The Kafka consumer group (``airstream-triggers``) is committed after each run, to the lowest
position over the DAGs, for tools that watch lag; it is never read back.

Threading: each consumer runs in a thread of its own in the scheduler process;
:meth:`TopicConsumer.update` may be called from any thread. Failures (broker down, database
away) end the inner loop, which starts again after a growing pause, from the stored positions.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from confluent_kafka import Consumer, KafkaError, KafkaException, TopicPartition

from airstream.client.connection import silent_logger
from airstream.scheduler.run_creation import new_task_instances
from airstream.scheduler.topic_triggers.payload import record_payload, run_conf
from airstream.scheduler.topic_triggers.watches import TopicWatch
from airstream.store import DagRunAlreadyExists, MetadataStore
from airstream.store import records as rec
from airstream.store.errors import PositionMoved

log = logging.getLogger(__name__)

#: The consumer group whose committed offsets show the triggers' lag to other tools.
GROUP_ID = "airstream-triggers"
#: At most this many records are fetched per poll.
FETCH_RECORDS = 500
#: How long one poll waits when no batch is about to close.
POLL_SECONDS = 0.2
METADATA_TIMEOUT = 5.0
FIRST_BACKOFF = 0.5
MAX_BACKOFF = 30.0


@dataclass(frozen=True)
class ConsumerSettings:
    """How a topic consumer behaves (the defaults suit the scheduler)."""

    #: How often the topic's partitions are listed again (new partitions are picked up).
    partition_refresh: float = 2.0
    group_id: str = GROUP_ID


@dataclass
class DagCursor:
    """One DAG's view of the topic: stored positions, the open batch and where it ends."""

    watch: TopicWatch
    stored: dict[int, int]
    #: The next offset to read per partition: ``stored`` plus what the open batch holds.
    pending: dict[int, int]
    records: list[dict[str, Any]] = field(default_factory=list)
    #: When the batch's first record arrived (monotonic); ``None``: no batch open.
    opened_at: float | None = None

    @classmethod
    def load(cls, watch: TopicWatch, stored: dict[int, int]) -> DagCursor:
        return cls(watch, dict(stored), dict(stored))

    def close_batch(self) -> None:
        self.stored = dict(self.pending)
        self.records = []
        self.opened_at = None


class TopicConsumer:
    """The consumer of one topic on one broker for the DAGs watching it."""

    def __init__(
        self,
        store: MetadataStore,
        topic: str,
        client_config: Mapping[str, Any],
        settings: ConsumerSettings | None = None,
    ) -> None:
        self.store = store
        self.topic = topic
        self.settings = settings or ConsumerSettings()
        self._config = {
            **client_config,
            "group.id": self.settings.group_id,
            "enable.auto.commit": False,
            "auto.offset.reset": "earliest",
            "enable.partition.eof": False,
            # librdkafka's own chatter (connection refused, every retry) stays off stderr:
            # failures surface as this consumer's warnings, with backoff.
            "logger": silent_logger(),
        }
        self._lock = threading.Lock()
        self._wanted: dict[str, TopicWatch] = {}
        self._changed = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._cursors: dict[str, DagCursor] = {}
        self._partitions: list[int] = []
        self._assignment: tuple[tuple[int, ...], frozenset[str]] | None = None
        self._next_refresh = 0.0
        self._warned_no_topic = False
        #: Counts assignments: fetched records from before the latest one are dropped.
        self._epoch = 0

    @property
    def servers(self) -> str:
        return str(self._config["bootstrap.servers"])

    # -- control (any thread) ----------------------------------------------------------------

    def update(self, watches: Mapping[str, TopicWatch]) -> None:
        """Serve exactly these DAGs from now on (a DAG left out keeps its stored positions)."""
        with self._lock:
            if dict(watches) == self._wanted and all(
                watches[d].dag is self._wanted[d].dag for d in watches
            ):
                return
            self._wanted = dict(watches)
        self._changed.set()

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._run, name=f"topic-trigger-{self.topic}", daemon=True
        )
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    # -- the thread --------------------------------------------------------------------------

    def _run(self) -> None:
        backoff = FIRST_BACKOFF
        while not self._stop.is_set():
            started = time.monotonic()
            try:
                self._serve()
            except Exception as exc:
                if time.monotonic() - started > MAX_BACKOFF:
                    backoff = FIRST_BACKOFF  # it worked for a while: this is a new failure
                log.warning(
                    "Topic trigger consumer of %s on %s failed (%s); retrying in %.1fs",
                    self.topic,
                    self.servers,
                    exc,
                    backoff,
                    exc_info=not isinstance(exc, KafkaException),
                )
                self._stop.wait(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF)

    def _serve(self) -> None:
        consumer = Consumer(self._config)
        # Everything in memory is rebuilt from the store: the store is the truth.
        self._cursors, self._assignment, self._next_refresh = {}, None, 0.0
        self._changed.set()
        try:
            while not self._stop.is_set():
                if self._changed.is_set() or time.monotonic() >= self._next_refresh:
                    self._reconcile(consumer)
                messages: list[Any] = []
                if self._assignment is None or not self._partitions:
                    self._stop.wait(self._poll_timeout())
                else:
                    messages = consumer.consume(FETCH_RECORDS, timeout=self._poll_timeout())
                epoch = self._epoch
                for message in messages:
                    if self._epoch != epoch:
                        break  # re-assigned (a seek back): the rest comes again, in order
                    self._offer(consumer, message)
                self._flush_due(consumer)
        finally:
            consumer.close()

    def _poll_timeout(self) -> float:
        now = time.monotonic()
        wait = POLL_SECONDS
        for cursor in self._cursors.values():
            if cursor.opened_at is not None:
                due = cursor.opened_at + cursor.watch.max_wait.total_seconds()
                wait = min(wait, due - now)
        return max(0.0, wait)

    # -- which DAGs, which partitions, from where ----------------------------------------------

    def _reconcile(self, consumer: Consumer) -> None:
        with self._lock:
            wanted = dict(self._wanted)
            self._changed.clear()
        for dag_id in list(self._cursors):
            if dag_id not in wanted:
                del self._cursors[dag_id]  # paused or gone: its open batch is read again later
        for dag_id, watch in wanted.items():
            cursor = self._cursors.get(dag_id)
            if cursor is None:
                stored = self.store.get_topic_positions(dag_id, self.topic)
                self._cursors[dag_id] = DagCursor.load(watch, stored)
            else:
                cursor.watch = watch
        self._partitions = self._list_partitions(consumer)
        self._next_refresh = time.monotonic() + self.settings.partition_refresh
        for cursor in self._cursors.values():
            self._start_positions(consumer, cursor)
        self._assign(consumer)

    def _list_partitions(self, consumer: Consumer) -> list[int]:
        metadata = consumer.list_topics(self.topic, timeout=METADATA_TIMEOUT)
        found = metadata.topics.get(self.topic)
        if found is None or found.error is not None or not found.partitions:
            if not self._warned_no_topic:
                log.warning("Topic %s does not exist on %s yet; waiting", self.topic, self.servers)
                self._warned_no_topic = True
            return []
        self._warned_no_topic = False
        return sorted(found.partitions)

    def _start_positions(self, consumer: Consumer, cursor: DagCursor) -> None:
        """Store a position for partitions the DAG has none in: the log end for a DAG new to
        the topic (unless ``start_from="earliest"``), the log start for a new partition."""
        missing = [p for p in self._partitions if p not in cursor.stored]
        if not missing:
            return
        new_dag = not cursor.stored
        moves = []
        for partition in missing:
            low, high = consumer.get_watermark_offsets(
                TopicPartition(self.topic, partition), timeout=METADATA_TIMEOUT, cached=False
            )
            start = high if new_dag and cursor.watch.start_from == "latest" else low
            moves.append(rec.TopicPositionMove(partition, None, max(start, 0)))
        # Another scheduler may have stored them first: theirs hold.
        with contextlib.suppress(PositionMoved):
            self.store.move_topic_positions(cursor.watch.dag_id, self.topic, moves)
        stored = self.store.get_topic_positions(cursor.watch.dag_id, self.topic)
        for partition in missing:
            cursor.stored[partition] = cursor.pending[partition] = stored[partition]

    def _assign(self, consumer: Consumer) -> None:
        key = (tuple(self._partitions), frozenset(self._cursors))
        if key == self._assignment:
            return
        if not self._cursors or not self._partitions:
            consumer.unassign()
            self._assignment = key
            self._epoch += 1
            return
        offsets = [
            TopicPartition(self.topic, p, min(c.pending[p] for c in self._cursors.values()))
            for p in self._partitions
        ]
        consumer.assign(offsets)
        self._assignment = key
        self._epoch += 1
        log.info(
            "Topic trigger consumer of %s on %s serves %s from %s",
            self.topic,
            self.servers,
            ", ".join(sorted(self._cursors)),
            {tp.partition: tp.offset for tp in offsets},
        )

    # -- records into batches, batches into runs ---------------------------------------------

    def _offer(self, consumer: Consumer, message: Any) -> None:
        error = message.error()
        if error is not None:
            if error.code() == KafkaError.UNKNOWN_TOPIC_OR_PART:
                self._changed.set()
            log.warning("Topic trigger consumer of %s: %s", self.topic, error)
            return
        partition, offset = message.partition(), message.offset()
        payload: dict[str, Any] | None = None
        for cursor in list(self._cursors.values()):
            start = cursor.pending.get(partition)
            if start is None or offset < start:
                continue  # before this DAG's position: it has this record in a run already
            cursor.pending[partition] = offset + 1
            if cursor.opened_at is None:
                cursor.opened_at = time.monotonic()
            if not self._accepts(cursor.watch, message):
                continue
            payload = payload or record_payload(message)
            cursor.records.append(payload)
            if len(cursor.records) >= cursor.watch.max_records:
                self._flush(consumer, cursor)

    def _accepts(self, watch: TopicWatch, message: Any) -> bool:
        if watch.accept is None:
            return True
        try:
            return bool(watch.accept(message))
        except Exception:
            log.exception("apply_function of %s failed on a record: skipping it", watch.dag_id)
            return False

    def _flush_due(self, consumer: Consumer) -> None:
        now = time.monotonic()
        for cursor in list(self._cursors.values()):
            if cursor.opened_at is None:
                continue
            if now - cursor.opened_at >= cursor.watch.max_wait.total_seconds():
                self._flush(consumer, cursor)

    def _flush(self, consumer: Consumer, cursor: DagCursor) -> None:
        moves = [
            rec.TopicPositionMove(p, cursor.stored.get(p), offset)
            for p, offset in sorted(cursor.pending.items())
            if offset != cursor.stored.get(p)
        ]
        if not moves:
            cursor.close_batch()
            return
        try:
            run = self._record(cursor, moves)
        except PositionMoved:
            log.warning(
                "Positions of %s on %s moved under us (another scheduler?): re-reading them",
                cursor.watch.dag_id,
                self.topic,
            )
            stored = self.store.get_topic_positions(cursor.watch.dag_id, self.topic)
            self._cursors[cursor.watch.dag_id] = DagCursor.load(cursor.watch, stored)
            self._assignment = None  # seek again, from the positions now stored
            self._assign(consumer)
            return
        if run is not None:
            log.info(
                "Topic %s: run %s of %s carries %d record(s)",
                self.topic,
                run.run_id,
                run.dag_id,
                len(cursor.records),
            )
        cursor.close_batch()
        self._commit_group(consumer)

    def _record(self, cursor: DagCursor, moves: list[rec.TopicPositionMove]) -> rec.DagRun | None:
        """One transaction: the positions, and the run (with event) if records were kept."""
        watch = cursor.watch
        if not cursor.records:
            return self.store.move_topic_positions(watch.dag_id, self.topic, moves)
        now = datetime.now(UTC)
        for attempt in range(5):
            when = now + timedelta(microseconds=attempt)
            run, tis, events = self._new_run(watch, cursor.records, when)
            try:
                return self.store.move_topic_positions(
                    watch.dag_id, self.topic, moves, run, tis, events
                )
            except DagRunAlreadyExists:
                continue
        raise DagRunAlreadyExists(watch.dag_id, "asset_triggered__*")

    def _new_run(
        self, watch: TopicWatch, records: list[dict[str, Any]], now: datetime
    ) -> tuple[rec.DagRun, list[rec.TaskInstance], list[rec.AssetEvent]]:
        conf = run_conf(self.topic, records)
        run_id = rec.DagRunType.ASSET_TRIGGERED.generate_run_id(now)
        run = rec.DagRun(
            dag_id=watch.dag_id,
            run_id=run_id,
            run_type=rec.DagRunType.ASSET_TRIGGERED,
            state=rec.DagRunState.QUEUED,
            logical_date=now,
            data_interval_start=now,
            data_interval_end=now,
            run_after=now,
            conf=conf,
            triggered_by=rec.DagRunTriggeredBy.ASSET,
        )
        events = []
        if watch.asset is not None:
            # Airflow puts a trigger's payload in the event's extra.
            extra = {"from_trigger": True, "payload": conf}
            asset = watch.asset
            events.append(rec.AssetEvent(asset.name, asset.uri, asset.group, extra, timestamp=now))
        return run, new_task_instances(watch.dag, run_id), events

    def _commit_group(self, consumer: Consumer) -> None:
        offsets = []
        for partition in self._partitions:
            cursors = self._cursors.values()
            positions = [c.stored[partition] for c in cursors if partition in c.stored]
            if positions:
                offsets.append(TopicPartition(self.topic, partition, min(positions)))
        if offsets:
            try:
                consumer.commit(offsets=offsets, asynchronous=True)
            except KafkaException as exc:
                log.warning("Committing %s offsets of %s failed: %s", GROUP_ID, self.topic, exc)
