"""The group coordinator: Kafka's classic consumer-group protocol, for every group on this broker.

It runs the state machine described in :mod:`airstream.broker.groups.group`: members join
(JoinGroup), the coordinator waits for every known member to rejoin (or for the rebalance
timeout), starts a new generation, hands the leader everyone's metadata, and passes the
leader's assignment to each member (SyncGroup). Heartbeats keep a member's session alive;
a member whose session times out is removed and the group rebalances. Assignment itself is
the client leader's business, so the coordinator never looks inside protocol metadata
(except for OffsetDelete's "is anyone subscribed" check).

Everything runs on the event loop's thread: no locks. Requests that must wait (a JoinGroup
until the rebalance completes, a follower's SyncGroup until the leader's) wait on futures
that the state machine resolves. Group membership lives in memory only; committed offsets
live in the :class:`~airstream.broker.groups.offset_store.OffsetStore`.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import sqlite3
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from kio.schema.errors import ErrorCode

from airstream.broker.groups.group import (
    Group,
    GroupState,
    JoinedMember,
    JoinResult,
    Member,
    SyncResult,
)
from airstream.broker.groups.offset_store import (
    CommittedOffset,
    OffsetStore,
    OffsetStoreClosed,
    TopicPartition,
)
from airstream.config import BrokerSettings

log = logging.getLogger(__name__)

#: How often expired offsets and dead empty groups are swept (Kafka's
#: offsets.retention.check.interval.ms).
OFFSETS_RETENTION_CHECK_INTERVAL_MS = 600_000

T = TypeVar("T")


def wall_clock_ms() -> int:
    return time.time_ns() // 1_000_000


@dataclass(frozen=True, slots=True)
class JoinRequest:
    """A JoinGroup request, independent of its wire version."""

    group_id: str
    member_id: str
    group_instance_id: str | None
    session_timeout_ms: int
    rebalance_timeout_ms: int
    protocol_type: str
    #: ``(name, metadata)`` in order of preference.
    protocols: list[tuple[str, bytes]]
    client_id: str = ""
    client_host: str = ""
    #: JoinGroup v4+: a new member first gets MEMBER_ID_REQUIRED and its id (KIP-394).
    require_known_member_id: bool = True


@dataclass(frozen=True, slots=True)
class SyncRequest:
    """A SyncGroup request, independent of its wire version."""

    group_id: str
    generation_id: int
    member_id: str
    group_instance_id: str | None = None
    protocol_type: str | None = None
    protocol_name: str | None = None
    #: member id → assignment; only the leader sends these.
    assignments: Mapping[str, bytes] = dataclasses.field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class GroupListing:
    """One line of ListGroups."""

    group_id: str
    protocol_type: str
    state: GroupState


@dataclass(frozen=True, slots=True)
class MemberDescription:
    """One member as DescribeGroups shows it."""

    member_id: str
    group_instance_id: str | None
    client_id: str
    client_host: str
    metadata: bytes
    assignment: bytes


@dataclass(frozen=True, slots=True)
class GroupDescription:
    """A group as DescribeGroups shows it; an unknown group is reported Dead."""

    group_id: str
    state: GroupState
    protocol_type: str
    protocol_name: str
    generation_id: int
    leader_id: str
    members: tuple[MemberDescription, ...]


class GroupCoordinator:
    """Coordinates every consumer group of this broker (the only coordinator there is)."""

    def __init__(
        self,
        settings: BrokerSettings,
        offsets: OffsetStore,
        *,
        clock: Callable[[], int] = wall_clock_ms,
    ) -> None:
        self._settings = settings
        self._offsets = offsets
        self._clock = clock
        self._groups: dict[str, Group] = {}
        self._cleanup_task: asyncio.Task[None] | None = None

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self) -> None:
        """Start the offsets-retention sweep; call inside the running event loop."""
        self._cleanup_task = asyncio.create_task(self._cleanup_loop())

    async def stop(self) -> None:
        """Answer every waiting request with NOT_COORDINATOR and cancel every timer."""
        if self._cleanup_task is not None:
            self._cleanup_task.cancel()
            await asyncio.gather(self._cleanup_task, return_exceptions=True)
        for group in self._groups.values():
            _cancel(group.join_timer)
            for timer in group.pending_members.values():
                timer.cancel()
            for member in group.members.values():
                _cancel(member.session_timer)
                _resolve(member.join_waiter, JoinResult(ErrorCode.not_coordinator))
                _resolve(member.sync_waiter, SyncResult(ErrorCode.not_coordinator))
        self._groups.clear()

    # -- inspection (console, CLI, tests) -----------------------------------------------------

    def group(self, group_id: str) -> Group | None:
        """The live state of ``group_id``, if the coordinator knows it."""
        return self._groups.get(group_id)

    def list_groups(self) -> list[GroupListing]:
        """Every group with members or committed offsets."""
        listings = {
            g.group_id: GroupListing(g.group_id, g.protocol_type or "", g.state)
            for g in self._groups.values()
        }
        for group_id in self._offsets.group_ids():
            listings.setdefault(group_id, GroupListing(group_id, "", GroupState.EMPTY))
        return sorted(listings.values(), key=lambda listing: listing.group_id)

    def describe(self, group_id: str) -> GroupDescription:
        """The group's state and members; metadata and assignments only while Stable."""
        group = self._groups.get(group_id)
        if group is None:
            state = GroupState.EMPTY if self._offsets.has_offsets(group_id) else GroupState.DEAD
            return GroupDescription(group_id, state, "", "", -1, "", ())
        stable = group.state is GroupState.STABLE
        members = tuple(
            MemberDescription(
                m.member_id,
                m.group_instance_id,
                m.client_id,
                m.client_host,
                m.metadata(group.protocol_name) if stable else b"",
                m.assignment if stable else b"",
            )
            for m in group.members.values()
        )
        return GroupDescription(
            group_id,
            group.state,
            group.protocol_type or "",
            (group.protocol_name or "") if stable else "",
            group.generation_id,
            group.leader_id or "",
            members,
        )

    # -- JoinGroup ----------------------------------------------------------------------------

    async def join(self, request: JoinRequest) -> JoinResult:
        """Handle JoinGroup; waits until the rebalance this join is part of completes."""
        result = self._join(request)
        if isinstance(result, JoinResult):
            return result
        return await asyncio.shield(result)

    def _join(self, request: JoinRequest) -> JoinResult | asyncio.Future[JoinResult]:
        if not request.group_id:
            return JoinResult(ErrorCode.invalid_group_id, request.member_id)
        if not (
            self._settings.group_min_session_timeout_ms
            <= request.session_timeout_ms
            <= self._settings.group_max_session_timeout_ms
        ):
            return JoinResult(ErrorCode.invalid_session_timeout, request.member_id)
        group = self._groups.get(request.group_id)
        if group is None:
            if request.member_id:
                return JoinResult(ErrorCode.unknown_member_id, request.member_id)
            group = self._create_group(request.group_id)
        if group.state is GroupState.DEAD:
            return JoinResult(ErrorCode.coordinator_not_available, request.member_id)
        if not group.supports_protocols(request.protocol_type, request.protocols):
            return JoinResult(ErrorCode.inconsistent_group_protocol, request.member_id)
        if not request.member_id:
            return self._join_new_member(group, request)
        return self._join_known_member(group, request)

    def _join_new_member(
        self, group: Group, request: JoinRequest
    ) -> JoinResult | asyncio.Future[JoinResult]:
        if request.group_instance_id is not None:
            return self._join_static_member(group, request)
        member_id = f"{request.client_id}-{uuid.uuid4()}"
        if request.require_known_member_id:
            timer = asyncio.get_running_loop().call_later(
                request.session_timeout_ms / 1000, self._expire_pending, group, member_id
            )
            group.pending_members[member_id] = timer
            return JoinResult(ErrorCode.member_id_required, member_id)
        return self._add_member_and_rebalance(group, request, member_id)

    def _join_static_member(
        self, group: Group, request: JoinRequest
    ) -> JoinResult | asyncio.Future[JoinResult]:
        assert request.group_instance_id is not None
        member_id = f"{request.group_instance_id}-{uuid.uuid4()}"
        old_id = group.static_members.get(request.group_instance_id)
        if old_id is None:
            return self._add_member_and_rebalance(group, request, member_id)
        # The same instance restarted: the old incarnation is fenced, the new one takes over.
        old = group.members[old_id]
        _resolve(old.join_waiter, JoinResult(ErrorCode.fenced_instance_id, old_id))
        _resolve(old.sync_waiter, SyncResult(ErrorCode.fenced_instance_id))
        old.join_waiter = old.sync_waiter = None
        member = group.replace_member_id(old_id, member_id)
        if (
            group.state is GroupState.STABLE
            and member.matches(request.protocols)
            and not group.is_leader(member_id)
        ):
            # KIP-345: a known instance coming back unchanged gets its old assignment without
            # a rebalance.
            self._update_member(member, request)
            self._schedule_session_expiry(group, member)
            return self._current_join_result(group, member)
        return self._update_member_and_rebalance(group, member, request)

    def _join_known_member(
        self, group: Group, request: JoinRequest
    ) -> JoinResult | asyncio.Future[JoinResult]:
        member_id = request.member_id
        pending = group.pending_members.pop(member_id, None)
        if pending is not None:
            pending.cancel()
            return self._add_member_and_rebalance(group, request, member_id)
        error = _fenced_or_unknown(group, member_id, request.group_instance_id)
        if error is not None:
            return JoinResult(error, member_id)
        member = group.members[member_id]
        if group.state is GroupState.PREPARING_REBALANCE:
            return self._update_member_and_rebalance(group, member, request)
        if group.state is GroupState.COMPLETING_REBALANCE:
            if member.matches(request.protocols):
                # The member lost our JoinGroup response: send it again.
                return self._current_join_result(group, member)
            return self._update_member_and_rebalance(group, member, request)
        if group.is_leader(member_id) or not member.matches(request.protocols):
            return self._update_member_and_rebalance(group, member, request)
        self._schedule_session_expiry(group, member)
        return self._current_join_result(group, member)

    def _add_member_and_rebalance(
        self, group: Group, request: JoinRequest, member_id: str
    ) -> asyncio.Future[JoinResult]:
        member = Member(
            member_id=member_id,
            group_instance_id=request.group_instance_id,
            client_id=request.client_id,
            client_host=request.client_host,
            session_timeout_ms=request.session_timeout_ms,
            rebalance_timeout_ms=request.rebalance_timeout_ms,
            protocol_type=request.protocol_type,
            protocols=list(request.protocols),
        )
        if group.in_initial_delay:
            group.new_member_added = True
        group.add(member)
        return self._await_rejoin(group, member)

    def _update_member_and_rebalance(
        self, group: Group, member: Member, request: JoinRequest
    ) -> asyncio.Future[JoinResult]:
        self._update_member(member, request)
        return self._await_rejoin(group, member)

    @staticmethod
    def _update_member(member: Member, request: JoinRequest) -> None:
        member.protocols = list(request.protocols)
        member.session_timeout_ms = request.session_timeout_ms
        member.rebalance_timeout_ms = request.rebalance_timeout_ms
        member.client_id = request.client_id
        member.client_host = request.client_host

    def _await_rejoin(self, group: Group, member: Member) -> asyncio.Future[JoinResult]:
        # A second JoinGroup from the same member supersedes a first one still waiting.
        _resolve(member.join_waiter, JoinResult(ErrorCode.rebalance_in_progress, member.member_id))
        waiter: asyncio.Future[JoinResult] = asyncio.get_running_loop().create_future()
        member.join_waiter = waiter
        if group.state in (GroupState.EMPTY, GroupState.STABLE, GroupState.COMPLETING_REBALANCE):
            self._prepare_rebalance(group)
        self._try_complete_join(group)
        return waiter

    def _current_join_result(self, group: Group, member: Member) -> JoinResult:
        return JoinResult(
            ErrorCode.none,
            member.member_id,
            group.generation_id,
            group.protocol_type,
            group.protocol_name,
            group.leader_id or "",
            self._leader_view(group) if group.is_leader(member.member_id) else (),
        )

    @staticmethod
    def _leader_view(group: Group) -> tuple[JoinedMember, ...]:
        return tuple(
            JoinedMember(m.member_id, m.group_instance_id, m.metadata(group.protocol_name))
            for m in group.members.values()
        )

    # -- the rebalance ------------------------------------------------------------------------

    def _prepare_rebalance(self, group: Group) -> None:
        if group.state is GroupState.COMPLETING_REBALANCE:
            # The assignment being handed out is obsolete: followers waiting for it must rejoin.
            for member in group.members.values():
                member.assignment = b""
                _resolve(member.sync_waiter, SyncResult(ErrorCode.rebalance_in_progress))
                member.sync_waiter = None
        initial_delay = self._settings.group_initial_rebalance_delay_ms
        if group.state is GroupState.EMPTY and initial_delay > 0:
            # Kafka's group.initial.rebalance.delay.ms: give a starting fleet of consumers the
            # chance to join the first generation together instead of one rebalance each.
            delay = min(initial_delay, group.rebalance_timeout_ms)
            group.in_initial_delay = True
            group.new_member_added = False
            group.initial_delay_remaining_ms = max(group.rebalance_timeout_ms - delay, 0)
            self._set_join_timer(group, delay, self._end_initial_delay)
        else:
            self._set_join_timer(group, group.rebalance_timeout_ms, self._complete_join)
        self._transition(group, GroupState.PREPARING_REBALANCE)

    def _end_initial_delay(self, group: Group) -> None:
        group.join_timer = None
        if group.new_member_added and group.initial_delay_remaining_ms > 0:
            group.new_member_added = False
            delay = min(
                self._settings.group_initial_rebalance_delay_ms, group.initial_delay_remaining_ms
            )
            group.initial_delay_remaining_ms -= delay
            self._set_join_timer(group, delay, self._end_initial_delay)
            return
        self._complete_join(group)

    def _try_complete_join(self, group: Group) -> None:
        if (
            group.state is GroupState.PREPARING_REBALANCE
            and not group.in_initial_delay
            and group.all_joined()
        ):
            self._complete_join(group)

    def _complete_join(self, group: Group) -> None:
        """End the join phase: drop members that did not rejoin, start the next generation."""
        if group.state is not GroupState.PREPARING_REBALANCE:
            return
        _cancel(group.join_timer)
        group.join_timer = None
        group.in_initial_delay = False
        for member in [m for m in group.members.values() if not m.awaiting_join]:
            log.info("group %s: member %s did not rejoin in time", group.group_id, member.member_id)
            self._drop_member(group, member, ErrorCode.unknown_member_id)
        group.generation_id += 1
        if not group.members:
            group.protocol_name = None
            group.leader_id = None
            self._transition(group, GroupState.EMPTY)
            return
        group.protocol_name = group.select_protocol()
        if group.leader_id not in group.members:
            group.leader_id = next(iter(group.members))
        self._transition(group, GroupState.COMPLETING_REBALANCE)
        # Members that never send SyncGroup must not hold the others forever (Kafka's
        # pending-sync timeout): after the rebalance timeout they are removed.
        self._set_join_timer(group, group.rebalance_timeout_ms, self._expire_sync)
        leader_view = self._leader_view(group)
        for member in group.members.values():
            result = JoinResult(
                ErrorCode.none,
                member.member_id,
                group.generation_id,
                group.protocol_type,
                group.protocol_name,
                group.leader_id,
                leader_view if group.is_leader(member.member_id) else (),
            )
            _resolve(member.join_waiter, result)
            member.join_waiter = None
            self._schedule_session_expiry(group, member)
        log.info(
            "group %s: generation %d with %d member(s)",
            group.group_id,
            group.generation_id,
            len(group.members),
        )

    def _expire_sync(self, group: Group) -> None:
        group.join_timer = None
        if group.state is not GroupState.COMPLETING_REBALANCE:
            return
        for member in [m for m in group.members.values() if not m.awaiting_sync]:
            log.info("group %s: member %s never sent SyncGroup", group.group_id, member.member_id)
            self._drop_member(group, member, ErrorCode.unknown_member_id)
        self._prepare_rebalance(group)
        self._try_complete_join(group)

    def _set_join_timer(
        self, group: Group, delay_ms: int, callback: Callable[[Group], Any]
    ) -> None:
        _cancel(group.join_timer)
        group.join_timer = asyncio.get_running_loop().call_later(delay_ms / 1000, callback, group)

    def _transition(self, group: Group, state: GroupState) -> None:
        group.state = state
        group.state_timestamp_ms = self._clock()

    # -- sessions -----------------------------------------------------------------------------

    def _schedule_session_expiry(self, group: Group, member: Member) -> None:
        _cancel(member.session_timer)
        member.session_timer = asyncio.get_running_loop().call_later(
            member.session_timeout_ms / 1000, self._expire_session, group, member
        )

    def _expire_session(self, group: Group, member: Member) -> None:
        member.session_timer = None
        if group.members.get(member.member_id) is not member:
            return
        if member.awaiting_join or member.awaiting_sync:
            # A member blocked in JoinGroup/SyncGroup cannot heartbeat: the rebalance timeout
            # (or the leader's SyncGroup) decides its fate.
            self._schedule_session_expiry(group, member)
            return
        log.info("group %s: member %s session timed out", group.group_id, member.member_id)
        self._remove_member_and_rebalance(group, member)

    def _expire_pending(self, group: Group, member_id: str) -> None:
        if group.pending_members.pop(member_id, None) is not None:
            self._try_complete_join(group)

    def _drop_member(self, group: Group, member: Member, error: ErrorCode) -> None:
        _cancel(member.session_timer)
        member.session_timer = None
        _resolve(member.join_waiter, JoinResult(error, member.member_id))
        _resolve(member.sync_waiter, SyncResult(error))
        member.join_waiter = member.sync_waiter = None
        group.remove(member.member_id)

    def _remove_member_and_rebalance(self, group: Group, member: Member) -> None:
        self._drop_member(group, member, ErrorCode.unknown_member_id)
        if group.state in (GroupState.STABLE, GroupState.COMPLETING_REBALANCE):
            self._prepare_rebalance(group)
        self._try_complete_join(group)

    # -- SyncGroup ----------------------------------------------------------------------------

    async def sync(self, request: SyncRequest) -> SyncResult:
        """Handle SyncGroup; a follower waits for the leader's assignment."""
        result = self._sync(request)
        if isinstance(result, SyncResult):
            return result
        return await asyncio.shield(result)

    def _sync(self, request: SyncRequest) -> SyncResult | asyncio.Future[SyncResult]:
        group, error = self._member_group(
            request.group_id, request.member_id, request.group_instance_id
        )
        if error is not None or group is None:
            return SyncResult(error or ErrorCode.unknown_member_id)
        if request.generation_id != group.generation_id:
            return SyncResult(ErrorCode.illegal_generation)
        if (request.protocol_type is not None and request.protocol_type != group.protocol_type) or (
            request.protocol_name is not None and request.protocol_name != group.protocol_name
        ):
            return SyncResult(ErrorCode.inconsistent_group_protocol)
        member = group.members[request.member_id]
        if group.state is GroupState.PREPARING_REBALANCE:
            return SyncResult(ErrorCode.rebalance_in_progress)
        self._schedule_session_expiry(group, member)
        if group.state is GroupState.STABLE:
            return self._sync_result(group, member)
        _resolve(member.sync_waiter, SyncResult(ErrorCode.rebalance_in_progress))
        waiter: asyncio.Future[SyncResult] = asyncio.get_running_loop().create_future()
        member.sync_waiter = waiter
        if group.is_leader(member.member_id):
            _cancel(group.join_timer)
            group.join_timer = None
            for m in group.members.values():
                m.assignment = request.assignments.get(m.member_id, b"")
            self._transition(group, GroupState.STABLE)
            for m in group.members.values():
                _resolve(m.sync_waiter, self._sync_result(group, m))
                m.sync_waiter = None
        return waiter

    @staticmethod
    def _sync_result(group: Group, member: Member) -> SyncResult:
        return SyncResult(
            ErrorCode.none, member.assignment, group.protocol_type, group.protocol_name
        )

    # -- Heartbeat, LeaveGroup ----------------------------------------------------------------

    def heartbeat(
        self, group_id: str, member_id: str, group_instance_id: str | None, generation_id: int
    ) -> ErrorCode:
        """Handle Heartbeat: keep the session alive and tell the member about rebalances."""
        group, error = self._member_group(group_id, member_id, group_instance_id)
        if error is not None or group is None:
            return error or ErrorCode.unknown_member_id
        if generation_id != group.generation_id:
            return ErrorCode.illegal_generation
        self._schedule_session_expiry(group, group.members[member_id])
        if group.state is GroupState.PREPARING_REBALANCE:
            return ErrorCode.rebalance_in_progress
        return ErrorCode.none

    def leave(
        self, group_id: str, members: Iterable[tuple[str, str | None]]
    ) -> tuple[ErrorCode, list[ErrorCode]]:
        """Handle LeaveGroup for ``(member_id, group_instance_id)`` pairs.

        Returns the request-level error and one error per member.
        """
        leaving = list(members)
        if not group_id:
            return ErrorCode.invalid_group_id, []
        group = self._groups.get(group_id)
        if group is None:
            return ErrorCode.none, [ErrorCode.unknown_member_id for _ in leaving]
        if group.state is GroupState.DEAD:
            return ErrorCode.coordinator_not_available, []
        return ErrorCode.none, [self._leave_one(group, m, i) for m, i in leaving]

    def _leave_one(self, group: Group, member_id: str, instance_id: str | None) -> ErrorCode:
        if instance_id is not None:
            known = group.static_members.get(instance_id)
            if known is None:
                return ErrorCode.unknown_member_id
            if member_id and member_id != known:
                return ErrorCode.fenced_instance_id
            member_id = known
        pending = group.pending_members.pop(member_id, None)
        if pending is not None:
            pending.cancel()
            self._try_complete_join(group)
            return ErrorCode.none
        member = group.members.get(member_id)
        if member is None:
            return ErrorCode.unknown_member_id
        log.info("group %s: member %s left", group.group_id, member_id)
        self._remove_member_and_rebalance(group, member)
        return ErrorCode.none

    # -- committed offsets --------------------------------------------------------------------

    async def commit_offsets(
        self,
        group_id: str,
        member_id: str,
        group_instance_id: str | None,
        generation_id: int,
        offsets: Mapping[TopicPartition, CommittedOffset],
    ) -> ErrorCode:
        """Validate the committer against the group, then store ``offsets`` durably."""
        error = self._check_committer(group_id, member_id, group_instance_id, generation_id)
        if error is not None:
            return error
        now = self._clock()
        stamped = {tp: dataclasses.replace(c, commit_timestamp_ms=now) for tp, c in offsets.items()}
        try:
            await self._offsets.commit(group_id, stamped)
        except OffsetStoreClosed:
            # Shutting down: the client finds the coordinator again once the broker is back.
            return ErrorCode.not_coordinator
        except (sqlite3.Error, OSError):
            log.exception("group %s: could not store committed offsets", group_id)
            return ErrorCode.unknown_server_error
        return ErrorCode.none

    def _check_committer(
        self, group_id: str, member_id: str, group_instance_id: str | None, generation_id: int
    ) -> ErrorCode | None:
        if not group_id:
            return ErrorCode.invalid_group_id
        group = self._groups.get(group_id)
        if group is None:
            if generation_id >= 0:
                return ErrorCode.illegal_generation
            # A "simple" consumer: it assigns partitions itself and only stores offsets here.
            group = self._create_group(group_id)
        if group.state is GroupState.DEAD:
            return ErrorCode.coordinator_not_available
        instance = group.static_members.get(group_instance_id or "")
        if group_instance_id is not None and instance is not None and instance != member_id:
            return ErrorCode.fenced_instance_id
        if generation_id < 0 and group.state is GroupState.EMPTY:
            return None
        if group.state is GroupState.COMPLETING_REBALANCE:
            return ErrorCode.rebalance_in_progress
        member = group.members.get(member_id)
        if member is None:
            return ErrorCode.unknown_member_id
        if generation_id != group.generation_id:
            return ErrorCode.illegal_generation
        # Kafka counts a commit as a sign of life, like a heartbeat.
        self._schedule_session_expiry(group, member)
        return None

    async def delete_offsets(
        self, group_id: str, partitions: Iterable[TopicPartition]
    ) -> tuple[ErrorCode, dict[TopicPartition, ErrorCode]]:
        """Handle OffsetDelete: forget offsets of partitions no member is subscribed to."""
        wanted = list(partitions)
        if not group_id:
            return ErrorCode.invalid_group_id, {}
        group = self._groups.get(group_id)
        exists = group is not None and group.state is not GroupState.DEAD
        if not exists and not self._offsets.has_offsets(group_id):
            return ErrorCode.group_id_not_found, {}
        subscribed: set[str] | None = set()
        if group is not None and group.state is not GroupState.EMPTY:
            subscribed = group.subscribed_topics()
        if subscribed is None:
            return ErrorCode.non_empty_group, {}
        results = {
            tp: ErrorCode.group_subscribed_to_topic if tp[0] in subscribed else ErrorCode.none
            for tp in wanted
        }
        await self._offsets.delete_offsets(
            group_id, [tp for tp, error in results.items() if error is ErrorCode.none]
        )
        return ErrorCode.none, results

    # -- DeleteGroups and retention -----------------------------------------------------------

    async def delete_groups(self, group_ids: Iterable[str]) -> dict[str, ErrorCode]:
        """Handle DeleteGroups: only empty groups may go; their offsets go with them."""
        results: dict[str, ErrorCode] = {}
        for group_id in group_ids:
            results[group_id] = await self._delete_group(group_id)
        return results

    async def _delete_group(self, group_id: str) -> ErrorCode:
        if not group_id:
            return ErrorCode.invalid_group_id
        group = self._groups.get(group_id)
        if group is not None and group.state not in (GroupState.EMPTY, GroupState.DEAD):
            return ErrorCode.non_empty_group
        if group is None and not self._offsets.has_offsets(group_id):
            return ErrorCode.group_id_not_found
        if group is not None:
            self._transition(group, GroupState.DEAD)
            del self._groups[group_id]
        await self._offsets.delete_group(group_id)
        return ErrorCode.none

    async def expire_offsets(self) -> int:
        """Drop offsets of groups empty for longer than offsets_retention_minutes.

        A group that emptied after having members loses all its offsets
        ``offsets_retention_minutes`` after it became empty; offsets of groups without members
        (simple consumers, or groups from before a restart) expire one by one from their commit
        time. Empty groups left without offsets are forgotten. Returns how many offsets expired.
        """
        now = self._clock()
        retention = self._settings.offsets_retention_minutes * 60_000
        expired_count = 0
        for group_id in set(self._offsets.group_ids()) | set(self._groups):
            group = self._groups.get(group_id)
            if group is not None and group.state is not GroupState.EMPTY:
                continue
            offsets = self._offsets.group_offsets(group_id)
            if group is not None and group.protocol_type:
                expired = list(offsets) if group.state_timestamp_ms + retention <= now else []
            else:
                expired = [
                    tp for tp, c in offsets.items() if c.commit_timestamp_ms + retention <= now
                ]
            if expired:
                await self._offsets.delete_offsets(group_id, expired)
                expired_count += len(expired)
            group = self._groups.get(group_id)
            if (
                group is not None
                and group.state is GroupState.EMPTY
                and not self._offsets.has_offsets(group_id)
            ):
                self._transition(group, GroupState.DEAD)
                del self._groups[group_id]
        return expired_count

    async def _cleanup_loop(self) -> None:
        while True:
            await asyncio.sleep(OFFSETS_RETENTION_CHECK_INTERVAL_MS / 1000)
            try:
                expired = await self.expire_offsets()
            except Exception:  # keep coordinating; the next sweep retries
                log.exception("offsets retention sweep failed")
            else:
                if expired:
                    log.info("expired %d committed offset(s)", expired)

    # -- shared checks ------------------------------------------------------------------------

    def _create_group(self, group_id: str) -> Group:
        group = Group(group_id, state_timestamp_ms=self._clock())
        self._groups[group_id] = group
        return group

    def _member_group(
        self, group_id: str, member_id: str, group_instance_id: str | None
    ) -> tuple[Group | None, ErrorCode | None]:
        """The group of a member that claims to be in it, or the error Kafka answers."""
        if not group_id:
            return None, ErrorCode.invalid_group_id
        group = self._groups.get(group_id)
        if group is None:
            return None, ErrorCode.unknown_member_id
        if group.state is GroupState.DEAD:
            return None, ErrorCode.coordinator_not_available
        error = _fenced_or_unknown(group, member_id, group_instance_id)
        return group, error


def _fenced_or_unknown(group: Group, member_id: str, instance_id: str | None) -> ErrorCode | None:
    if instance_id is not None:
        known = group.static_members.get(instance_id)
        if known is not None and known != member_id:
            return ErrorCode.fenced_instance_id
    if member_id not in group.members:
        return ErrorCode.unknown_member_id
    return None


def _resolve(waiter: asyncio.Future[T] | None, result: T) -> None:
    if waiter is not None and not waiter.done():
        waiter.set_result(result)


def _cancel(timer: asyncio.TimerHandle | None) -> None:
    if timer is not None:
        with contextlib.suppress(Exception):
            timer.cancel()
