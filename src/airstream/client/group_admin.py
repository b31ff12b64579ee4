"""Consumer group administration as kafka-consumer-groups.sh does it.

``describe_group`` joins three answers: the group's members and their assignments
(DescribeGroups), its committed offsets (OffsetFetch) and each partition's log end offset
(ListOffsets); lag is the difference of the last two.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

from confluent_kafka import ConsumerGroupState, ConsumerGroupTopicPartitions, TopicPartition
from confluent_kafka.admin import AdminClient

# confluent_kafka.admin re-exports these without __all__, which mypy --strict refuses.
from confluent_kafka.admin._group import ConsumerGroupDescription
from confluent_kafka.admin._listoffsets import OffsetSpec
from confluent_kafka.admin._metadata import ClusterMetadata

from airstream.client.connection import Connection, connect_admin, wait
from airstream.client.errors import ClientError

ResetTarget = Literal["earliest", "latest"] | int

#: States in which a group has no members, so its offsets may be changed or it deleted.
_INACTIVE_STATES = frozenset({ConsumerGroupState.EMPTY, ConsumerGroupState.DEAD})


@dataclass(frozen=True)
class GroupListing:
    """One line of ``groups list``."""

    group: str
    state: str
    type: str


@dataclass(frozen=True)
class PartitionLag:
    """One line of ``groups describe``: a partition's committed and end offsets and its owner.

    A member that owns no partition has a line with no topic; a partition with a committed
    offset but no owner has no consumer fields.
    """

    group: str
    topic: str | None
    partition: int | None
    current_offset: int | None
    log_end_offset: int | None
    lag: int | None
    consumer_id: str | None
    host: str | None
    client_id: str | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class GroupDescription:
    """A group's state and its per-partition lag lines."""

    group: str
    state: str
    members: int
    partitions: list[PartitionLag]


@dataclass(frozen=True)
class OffsetReset:
    """The offset a reset gives (or would give) one partition of a group."""

    group: str
    topic: str
    partition: int
    new_offset: int


def list_groups(connection: Connection) -> list[GroupListing]:
    """Every consumer group the cluster knows, sorted by id."""
    admin, _ = connect_admin(connection)
    result = wait(admin.list_consumer_groups(request_timeout=connection.timeout_s), connection)
    if result.errors and not result.valid:
        raise ClientError(f"listing groups: {result.errors[0]}")
    return [
        GroupListing(g.group_id, _name(g.state), _name(g.type))
        for g in sorted(result.valid, key=lambda g: g.group_id)
    ]


def describe_group(connection: Connection, group: str) -> GroupDescription:
    """The group's members, committed offsets, log end offsets and lag, per partition."""
    admin, _ = connect_admin(connection)
    description = _describe(admin, connection, group)
    committed = _committed_offsets(admin, connection, group)
    owners = {
        (tp.topic, tp.partition): member
        for member in description.members
        for tp in member.assignment.topic_partitions
    }
    keys = sorted(set(committed) | set(owners))
    if description.state == ConsumerGroupState.DEAD and not keys:
        raise ClientError(f"consumer group {group!r} does not exist")
    ends = _offsets(admin, connection, keys, _spec("latest"))
    lines = [
        _lag_line(group, key, committed.get(key), ends.get(key), owners.get(key)) for key in keys
    ]
    owning = {id(member) for member in owners.values()}
    lines += [
        _lag_line(group, None, None, None, member)
        for member in description.members
        if id(member) not in owning
    ]
    return GroupDescription(group, _name(description.state), len(description.members), lines)


def delete_groups(connection: Connection, groups: Sequence[str]) -> None:
    """Delete groups and their committed offsets; a group with members cannot be deleted."""
    admin, _ = connect_admin(connection)
    futures = admin.delete_consumer_groups(list(groups), request_timeout=connection.timeout_s)
    for group in groups:
        wait(futures[group], connection, f"group {group!r}")


def reset_offsets(
    connection: Connection, group: str, topic: str, target: ResetTarget, execute: bool
) -> list[OffsetReset]:
    """Set ``group``'s committed offsets on every partition of ``topic`` (only if ``execute``).

    An explicit offset outside a partition's log is moved to its nearest end, as
    kafka-consumer-groups does. The group must have no active members.
    """
    admin, metadata = connect_admin(connection)
    keys = _topic_partitions(metadata, topic)
    description = _describe(admin, connection, group)
    if description.state not in _INACTIVE_STATES or description.members:
        raise ClientError(
            f"consumer group {group!r} has active members (state {_name(description.state)}); "
            "stop its consumers before resetting offsets"
        )
    resets = [
        OffsetReset(group, t, p, offset)
        for (t, p), offset in _target_offsets(admin, connection, keys, target).items()
    ]
    if execute:
        request = ConsumerGroupTopicPartitions(
            group, [TopicPartition(r.topic, r.partition, r.new_offset) for r in resets]
        )
        futures = admin.alter_consumer_group_offsets(
            [request], request_timeout=connection.timeout_s
        )
        result = wait(futures[group], connection, f"group {group!r}")
        for tp in result.topic_partitions:
            if tp.error is not None:
                raise ClientError(f"group {group!r}: {tp.topic}-{tp.partition}: {tp.error.str()}")
    return resets


PartitionKey = tuple[str, int]


def _describe(admin: AdminClient, connection: Connection, group: str) -> ConsumerGroupDescription:
    futures = admin.describe_consumer_groups([group], request_timeout=connection.timeout_s)
    description: ConsumerGroupDescription = wait(futures[group], connection, f"group {group!r}")
    return description


def _committed_offsets(
    admin: AdminClient, connection: Connection, group: str
) -> dict[PartitionKey, int | None]:
    request = [ConsumerGroupTopicPartitions(group)]
    futures = admin.list_consumer_group_offsets(request, request_timeout=connection.timeout_s)
    result = wait(futures[group], connection, f"group {group!r}")
    return {
        (tp.topic, tp.partition): tp.offset if tp.offset >= 0 else None
        for tp in result.topic_partitions
        if tp.error is None
    }


def _offsets(
    admin: AdminClient, connection: Connection, keys: Iterable[PartitionKey], spec: OffsetSpec
) -> dict[PartitionKey, int]:
    request = {TopicPartition(topic, partition): spec for topic, partition in keys}
    if not request:
        return {}
    futures = admin.list_offsets(request, request_timeout=connection.timeout_s)
    return {
        (tp.topic, tp.partition): wait(future, connection, f"{tp.topic}-{tp.partition}").offset
        for tp, future in futures.items()
    }


def _target_offsets(
    admin: AdminClient, connection: Connection, keys: list[PartitionKey], target: ResetTarget
) -> dict[PartitionKey, int]:
    if target == "earliest":
        return _offsets(admin, connection, keys, _spec("earliest"))
    if target == "latest":
        return _offsets(admin, connection, keys, _spec("latest"))
    earliest = _offsets(admin, connection, keys, _spec("earliest"))
    latest = _offsets(admin, connection, keys, _spec("latest"))
    return {key: min(max(target, earliest[key]), latest[key]) for key in keys}


def _spec(which: Literal["earliest", "latest"]) -> OffsetSpec:
    # The classmethods lack annotations in confluent-kafka's sources.
    factory = OffsetSpec.earliest if which == "earliest" else OffsetSpec.latest
    spec: OffsetSpec = factory()  # type: ignore[no-untyped-call]
    return spec


def _topic_partitions(metadata: ClusterMetadata, topic: str) -> list[PartitionKey]:
    if topic not in metadata.topics:
        raise ClientError(f"unknown topic {topic!r}")
    return [(topic, p) for p in sorted(metadata.topics[topic].partitions)]


def _lag_line(
    group: str,
    key: PartitionKey | None,
    committed: int | None,
    end: int | None,
    member: Any,
) -> PartitionLag:
    lag = end - committed if end is not None and committed is not None else None
    return PartitionLag(
        group=group,
        topic=key[0] if key else None,
        partition=key[1] if key else None,
        current_offset=committed,
        log_end_offset=end,
        lag=lag,
        consumer_id=member.member_id if member else None,
        host=member.host if member else None,
        client_id=member.client_id if member else None,
    )


def _name(value: Any) -> str:
    return str(getattr(value, "name", value))
