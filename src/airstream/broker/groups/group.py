"""A consumer group's state in Kafka's classic protocol: its members, generation and protocol.

This module holds data and the rules that need no clock or event loop (protocol selection,
who has rejoined); :mod:`airstream.broker.groups.coordinator` drives the state machine::

    Empty ──join──▶ PreparingRebalance ──all joined / timeout──▶ CompletingRebalance
      ▲                  ▲      ▲                                  │ leader's SyncGroup
      └── last member ───┘      └──── join, leave, session expiry ─┴──▶ Stable
    any ──DeleteGroups──▶ Dead
"""

from __future__ import annotations

import asyncio
import enum
from collections import Counter
from dataclasses import dataclass, field

from kio.schema.errors import ErrorCode


class GroupState(enum.Enum):
    """The states DescribeGroups and ListGroups report, with Kafka's spelling."""

    EMPTY = "Empty"
    PREPARING_REBALANCE = "PreparingRebalance"
    COMPLETING_REBALANCE = "CompletingRebalance"
    STABLE = "Stable"
    DEAD = "Dead"


@dataclass(frozen=True, slots=True)
class JoinedMember:
    """One member as the leader sees it in the JoinGroup response."""

    member_id: str
    group_instance_id: str | None
    metadata: bytes


@dataclass(frozen=True, slots=True)
class JoinResult:
    """The outcome of a JoinGroup request."""

    error: ErrorCode
    member_id: str = ""
    generation_id: int = -1
    protocol_type: str | None = None
    protocol_name: str | None = None
    leader_id: str = ""
    #: Filled for the leader only: everyone's metadata for the chosen protocol.
    members: tuple[JoinedMember, ...] = ()
    skip_assignment: bool = False


@dataclass(frozen=True, slots=True)
class SyncResult:
    """The outcome of a SyncGroup request: this member's assignment."""

    error: ErrorCode
    assignment: bytes = b""
    protocol_type: str | None = None
    protocol_name: str | None = None


@dataclass(slots=True)
class Member:
    """One member of a group, and the requests of it that are waiting for the rebalance."""

    member_id: str
    group_instance_id: str | None
    client_id: str
    client_host: str
    session_timeout_ms: int
    rebalance_timeout_ms: int
    protocol_type: str
    #: ``(name, metadata)`` in the member's order of preference.
    protocols: list[tuple[str, bytes]]
    assignment: bytes = b""
    join_waiter: asyncio.Future[JoinResult] | None = None
    sync_waiter: asyncio.Future[SyncResult] | None = None
    session_timer: asyncio.TimerHandle | None = None

    @property
    def awaiting_join(self) -> bool:
        return self.join_waiter is not None

    @property
    def awaiting_sync(self) -> bool:
        return self.sync_waiter is not None

    def metadata(self, protocol_name: str | None) -> bytes:
        """This member's metadata for ``protocol_name`` (empty if it does not support it)."""
        for name, metadata in self.protocols:
            if name == protocol_name:
                return metadata
        return b""

    def matches(self, protocols: list[tuple[str, bytes]]) -> bool:
        """Whether ``protocols`` is exactly what this member last joined with."""
        return self.protocols == protocols

    def vote(self, candidates: set[str]) -> str:
        """The member's most preferred protocol among ``candidates``."""
        return next(name for name, _ in self.protocols if name in candidates)


@dataclass(slots=True)
class Group:
    """One group's membership, generation and protocol; mutated by the coordinator only."""

    group_id: str
    state: GroupState = GroupState.EMPTY
    generation_id: int = 0
    protocol_type: str | None = None
    protocol_name: str | None = None
    leader_id: str | None = None
    members: dict[str, Member] = field(default_factory=dict)
    #: group.instance.id → member id, for static members.
    static_members: dict[str, str] = field(default_factory=dict)
    #: Member ids handed out by MEMBER_ID_REQUIRED that have not joined yet (KIP-394).
    pending_members: dict[str, asyncio.TimerHandle] = field(default_factory=dict)
    #: The timer that ends the current rebalance phase: the initial delay or the rebalance
    #: timeout while PreparingRebalance, the wait for SyncGroups while CompletingRebalance.
    join_timer: asyncio.TimerHandle | None = None
    #: True while the initial rebalance delay of an empty group runs.
    in_initial_delay: bool = False
    new_member_added: bool = False
    #: Milliseconds of rebalance timeout left for extending the initial delay.
    initial_delay_remaining_ms: int = 0
    #: Clock reading (ms) of the last state change, for offsets retention of empty groups.
    state_timestamp_ms: int = 0

    @property
    def rebalance_timeout_ms(self) -> int:
        """How long a rebalance waits for members to rejoin: the longest any member asked."""
        return max((m.rebalance_timeout_ms for m in self.members.values()), default=0)

    def is_leader(self, member_id: str) -> bool:
        return self.leader_id == member_id

    def candidate_protocols(self) -> set[str]:
        """Protocols every member supports."""
        members = list(self.members.values())
        if not members:
            return set()
        candidates = {name for name, _ in members[0].protocols}
        for member in members[1:]:
            candidates &= {name for name, _ in member.protocols}
        return candidates

    def supports_protocols(self, protocol_type: str, protocols: list[tuple[str, bytes]]) -> bool:
        """Whether a member joining with these protocols can be part of this group."""
        names = {name for name, _ in protocols}
        if not self.members:
            return bool(protocol_type) and bool(names)
        return protocol_type == self.protocol_type and bool(names & self.candidate_protocols())

    def select_protocol(self) -> str:
        """The protocol most members prefer among those all support (ties: first member's)."""
        candidates = self.candidate_protocols()
        votes = Counter(member.vote(candidates) for member in self.members.values())
        best = max(votes.values())
        first = next(iter(self.members.values()))
        return next(name for name, _ in first.protocols if votes.get(name) == best)

    def all_joined(self) -> bool:
        """Every known member has rejoined and no KIP-394 joiner is still on its way."""
        return not self.pending_members and all(m.awaiting_join for m in self.members.values())

    def add(self, member: Member) -> None:
        if not self.members:
            self.protocol_type = member.protocol_type
        self.members[member.member_id] = member
        if member.group_instance_id is not None:
            self.static_members[member.group_instance_id] = member.member_id
        if self.leader_id is None:
            self.leader_id = member.member_id

    def remove(self, member_id: str) -> Member | None:
        member = self.members.pop(member_id, None)
        if member is None:
            return None
        if member.group_instance_id is not None:
            self.static_members.pop(member.group_instance_id, None)
        if self.leader_id == member_id:
            # Prefer a member that has already rejoined, so the next generation can start.
            joined = [m.member_id for m in self.members.values() if m.awaiting_join]
            self.leader_id = next(iter(joined or self.members), None)
        return member

    def replace_member_id(self, old_id: str, new_id: str) -> Member:
        """Give a static member a new member id (its instance restarted)."""
        member = self.members.pop(old_id)
        member.member_id = new_id
        self.members[new_id] = member
        if member.group_instance_id is not None:
            self.static_members[member.group_instance_id] = new_id
        if self.leader_id == old_id:
            self.leader_id = new_id
        return member

    def subscribed_topics(self) -> set[str] | None:
        """Topics the members subscribe to, or None when that cannot be known."""
        if self.protocol_type != "consumer" or self.protocol_name is None:
            return None if self.members else set()
        topics: set[str] = set()
        for member in self.members.values():
            parsed = parse_subscription_topics(member.metadata(self.protocol_name))
            if parsed is None:
                return None
            topics |= parsed
        return topics


def parse_subscription_topics(metadata: bytes) -> set[str] | None:
    """The topic list at the start of a ConsumerProtocolSubscription (same in v0–v3)."""
    if len(metadata) < 6:
        return None
    try:
        count = int.from_bytes(metadata[2:6], "big", signed=True)
        position = 6
        topics = set()
        for _ in range(count):
            length = int.from_bytes(metadata[position : position + 2], "big", signed=True)
            position += 2
            name = metadata[position : position + length]
            if len(name) != length:
                return None
            topics.add(name.decode())
            position += length
        return topics
    except (UnicodeDecodeError, ValueError):
        return None
