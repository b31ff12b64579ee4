"""The coordinator's state machine, driven directly with short timeouts on a real event loop."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from kio.schema.errors import ErrorCode

from airstream.broker.groups.coordinator import GroupCoordinator, JoinRequest, SyncRequest
from airstream.broker.groups.group import GroupState, JoinResult
from airstream.broker.groups.offset_store import CommittedOffset, OffsetStore
from airstream.config import BrokerSettings

RANGE = ("range", b"range-metadata")
ROUNDROBIN = ("roundrobin", b"rr-metadata")


def async_test(fn: Callable[..., Awaitable[None]]) -> Callable[..., None]:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        asyncio.run(asyncio.wait_for(fn(*args, **kwargs), 20))

    return wrapper


@pytest.fixture
def store(tmp_path: Path) -> Iterator[OffsetStore]:
    offsets = OffsetStore.open(tmp_path / "offsets.db")
    yield offsets
    offsets.close()


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000

    def __call__(self) -> int:
        return self.now


def coordinator(
    store: OffsetStore, clock: Clock | None = None, **settings: Any
) -> GroupCoordinator:
    values: dict[str, Any] = {
        "group_initial_rebalance_delay_ms": 0,
        "group_min_session_timeout_ms": 10,
        "group_max_session_timeout_ms": 60_000,
    }
    values.update(settings)
    return GroupCoordinator(BrokerSettings(**values), store, clock=clock or Clock())


def request(
    member_id: str = "",
    *,
    group_id: str = "g",
    protocols: tuple[tuple[str, bytes], ...] = (RANGE,),
    session_ms: int = 10_000,
    rebalance_ms: int = 10_000,
    instance: str | None = None,
    protocol_type: str = "consumer",
    v4: bool = True,
) -> JoinRequest:
    return JoinRequest(
        group_id=group_id,
        member_id=member_id,
        group_instance_id=instance,
        session_timeout_ms=session_ms,
        rebalance_timeout_ms=rebalance_ms,
        protocol_type=protocol_type,
        protocols=list(protocols),
        client_id="client",
        client_host="/127.0.0.1",
        require_known_member_id=v4,
    )


async def join_new(coord: GroupCoordinator, **kwargs: Any) -> JoinResult:
    """A new member's KIP-394 handshake: MEMBER_ID_REQUIRED, then the real join."""
    first = await coord.join(request(**kwargs))
    assert first.error is ErrorCode.member_id_required
    assert first.member_id.startswith("client-")
    return await coord.join(request(first.member_id, **kwargs))


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


@async_test
async def test_first_member_gets_generation_1_and_leads(store: OffsetStore) -> None:
    coord = coordinator(store)
    result = await join_new(coord)
    assert result.error is ErrorCode.none
    assert result.generation_id == 1
    assert result.leader_id == result.member_id
    assert result.protocol_name == "range"
    assert [(m.member_id, m.metadata) for m in result.members] == [
        (result.member_id, b"range-metadata")
    ]
    group = coord.group("g")
    assert group is not None and group.state is GroupState.COMPLETING_REBALANCE
    sync = await coord.sync(
        SyncRequest("g", 1, result.member_id, assignments={result.member_id: b"A"})
    )
    assert (sync.error, sync.assignment) == (ErrorCode.none, b"A")
    assert group.state is GroupState.STABLE
    assert coord.heartbeat("g", result.member_id, None, 1) is ErrorCode.none
    await coord.stop()


@async_test
async def test_join_v3_needs_no_member_id_round_trip(store: OffsetStore) -> None:
    coord = coordinator(store)
    result = await coord.join(request(v4=False))
    assert result.error is ErrorCode.none and result.generation_id == 1
    await coord.stop()


@async_test
async def test_second_member_triggers_rebalance_and_follower_waits_for_leader(
    store: OffsetStore,
) -> None:
    coord = coordinator(store)
    leader = await join_new(coord)
    await coord.sync(SyncRequest("g", 1, leader.member_id, assignments={leader.member_id: b"all"}))
    follower_join = asyncio.create_task(join_new(coord))
    await settle()
    assert not follower_join.done()
    assert coord.heartbeat("g", leader.member_id, None, 1) is ErrorCode.rebalance_in_progress
    rejoin = await coord.join(request(leader.member_id))
    follower = await follower_join
    assert rejoin.generation_id == follower.generation_id == 2
    assert rejoin.leader_id == leader.member_id == follower.leader_id
    assert {m.member_id for m in rejoin.members} == {leader.member_id, follower.member_id}
    assert follower.members == ()

    follower_sync = asyncio.create_task(coord.sync(SyncRequest("g", 2, follower.member_id)))
    await settle()
    assert not follower_sync.done()  # nothing to hand out before the leader's SyncGroup
    leader_sync = await coord.sync(
        SyncRequest(
            "g",
            2,
            leader.member_id,
            assignments={leader.member_id: b"p0", follower.member_id: b"p1"},
        )
    )
    assert leader_sync.assignment == b"p0"
    assert (await follower_sync).assignment == b"p1"
    assert coord.describe("g").state is GroupState.STABLE
    await coord.stop()


@async_test
async def test_initial_delay_gathers_members_into_one_generation(store: OffsetStore) -> None:
    coord = coordinator(store, group_initial_rebalance_delay_ms=200)
    joins = [asyncio.create_task(join_new(coord)) for _ in range(3)]
    await settle()
    group = coord.group("g")
    assert group is not None and group.state is GroupState.PREPARING_REBALANCE
    results = await asyncio.gather(*joins)
    assert {r.generation_id for r in results} == {1}
    assert len({r.member_id for r in results}) == 3
    leaders = [r for r in results if r.members]
    assert len(leaders) == 1 and len(leaders[0].members) == 3
    await coord.stop()


@async_test
async def test_initial_delay_is_extended_by_late_joiners(store: OffsetStore) -> None:
    coord = coordinator(store, group_initial_rebalance_delay_ms=150)
    first = asyncio.create_task(join_new(coord))
    await asyncio.sleep(0.1)  # inside the first delay window
    second = asyncio.create_task(join_new(coord))
    results = await asyncio.gather(first, second)
    assert {r.generation_id for r in results} == {1}
    await coord.stop()


@async_test
async def test_heartbeat_errors(store: OffsetStore) -> None:
    coord = coordinator(store)
    member = await join_new(coord)
    assert coord.heartbeat("g", member.member_id, None, 7) is ErrorCode.illegal_generation
    assert coord.heartbeat("g", "nobody", None, 1) is ErrorCode.unknown_member_id
    assert coord.heartbeat("other", "nobody", None, 1) is ErrorCode.unknown_member_id
    assert coord.heartbeat("", "nobody", None, 1) is ErrorCode.invalid_group_id
    # Between JoinGroup and SyncGroup a heartbeat is fine.
    assert coord.heartbeat("g", member.member_id, None, 1) is ErrorCode.none
    await coord.stop()


@async_test
async def test_sync_errors(store: OffsetStore) -> None:
    coord = coordinator(store)
    member = await join_new(coord)
    stale = await coord.sync(SyncRequest("g", 0, member.member_id))
    assert stale.error is ErrorCode.illegal_generation
    unknown = await coord.sync(SyncRequest("g", 1, "nobody"))
    assert unknown.error is ErrorCode.unknown_member_id
    wrong = await coord.sync(SyncRequest("g", 1, member.member_id, protocol_name="roundrobin"))
    assert wrong.error is ErrorCode.inconsistent_group_protocol
    await coord.stop()


@async_test
async def test_invalid_requests(store: OffsetStore) -> None:
    coord = coordinator(store)
    assert (await coord.join(request(group_id=""))).error is ErrorCode.invalid_group_id
    assert (await coord.join(request(session_ms=5))).error is ErrorCode.invalid_session_timeout
    too_long = request(session_ms=60_001)
    assert (await coord.join(too_long)).error is ErrorCode.invalid_session_timeout
    assert (await coord.join(request("ghost"))).error is ErrorCode.unknown_member_id
    assert (await coord.join(request(protocols=()))).error is ErrorCode.inconsistent_group_protocol
    await coord.stop()


@async_test
async def test_protocol_selection_and_inconsistent_protocols(store: OffsetStore) -> None:
    coord = coordinator(store)
    a = await join_new(coord, protocols=(RANGE, ROUNDROBIN))
    b_join = asyncio.create_task(join_new(coord, protocols=(ROUNDROBIN,)))
    await settle()
    rejoin = await coord.join(request(a.member_id, protocols=(RANGE, ROUNDROBIN)))
    b = await b_join
    # roundrobin is the only protocol both support.
    assert rejoin.protocol_name == b.protocol_name == "roundrobin"
    assert {m.metadata for m in rejoin.members} == {b"rr-metadata"}

    only_sticky = await coord.join(request(protocols=(("sticky", b""),)))
    assert only_sticky.error is ErrorCode.inconsistent_group_protocol
    other_type = await coord.join(request(protocols=(ROUNDROBIN,), protocol_type="connect"))
    assert other_type.error is ErrorCode.inconsistent_group_protocol
    await coord.stop()


@async_test
async def test_session_timeout_evicts_silent_member(store: OffsetStore) -> None:
    coord = coordinator(store)
    alive = await join_new(coord, session_ms=5_000)
    silent_join = asyncio.create_task(join_new(coord, session_ms=100))
    await settle()
    await coord.join(request(alive.member_id, session_ms=5_000))
    silent = await silent_join
    assert silent.generation_id == 2
    await coord.sync(SyncRequest("g", 2, alive.member_id))
    await coord.sync(SyncRequest("g", 2, silent.member_id))
    group = coord.group("g")
    assert group is not None
    # The silent member never heartbeats again; the live one keeps doing so.
    while silent.member_id in group.members:
        assert coord.heartbeat("g", alive.member_id, None, 2) in (
            ErrorCode.none,
            ErrorCode.rebalance_in_progress,
        )
        await asyncio.sleep(0.02)
    assert coord.heartbeat("g", alive.member_id, None, 2) is ErrorCode.rebalance_in_progress
    result = await coord.join(request(alive.member_id, session_ms=5_000))
    assert result.generation_id == 3
    assert [m.member_id for m in result.members] == [alive.member_id]
    assert coord.heartbeat("g", silent.member_id, None, 2) is ErrorCode.unknown_member_id
    await coord.stop()


@async_test
async def test_rebalance_timeout_removes_members_that_do_not_rejoin(store: OffsetStore) -> None:
    coord = coordinator(store)
    stays = await join_new(coord, rebalance_ms=100)
    await coord.sync(SyncRequest("g", 1, stays.member_id))
    # A newcomer starts a rebalance; the old member never rejoins (it keeps heartbeating).
    newcomer = await join_new(coord, rebalance_ms=100)
    assert newcomer.generation_id == 2
    assert [m.member_id for m in newcomer.members] == [newcomer.member_id]
    assert newcomer.leader_id == newcomer.member_id
    assert coord.heartbeat("g", stays.member_id, None, 1) is ErrorCode.unknown_member_id
    await coord.stop()


@async_test
async def test_leave_group_batch_and_states(store: OffsetStore) -> None:
    coord = coordinator(store)
    a = await join_new(coord)
    b_join = asyncio.create_task(join_new(coord))
    await settle()
    await coord.join(request(a.member_id))
    b = await b_join
    await coord.sync(SyncRequest("g", 2, a.member_id))
    listing = coord.list_groups()
    assert [(g.group_id, g.state) for g in listing] == [("g", GroupState.STABLE)]
    error, per_member = coord.leave("g", [(a.member_id, None), ("nobody", None)])
    assert error is ErrorCode.none
    assert per_member == [ErrorCode.none, ErrorCode.unknown_member_id]
    assert coord.describe("g").state is GroupState.PREPARING_REBALANCE
    rejoined = await coord.join(request(b.member_id))
    assert rejoined.generation_id == 3 and rejoined.leader_id == b.member_id
    assert coord.leave("g", [(b.member_id, None)]) == (ErrorCode.none, [ErrorCode.none])
    description = coord.describe("g")
    assert description.state is GroupState.EMPTY and description.members == ()
    assert coord.leave("missing", [("x", None)]) == (ErrorCode.none, [ErrorCode.unknown_member_id])
    await coord.stop()


@async_test
async def test_leaving_during_rebalance_completes_it(store: OffsetStore) -> None:
    coord = coordinator(store)
    a = await join_new(coord)
    b_join = asyncio.create_task(join_new(coord))
    await settle()
    assert not b_join.done()
    # a leaves instead of rejoining: b no longer waits for it.
    coord.leave("g", [(a.member_id, None)])
    b = await b_join
    assert b.generation_id == 2 and b.leader_id == b.member_id
    await coord.stop()


@async_test
async def test_describe_shows_metadata_only_when_stable(store: OffsetStore) -> None:
    coord = coordinator(store)
    member = await join_new(coord)
    pending = coord.describe("g")
    assert pending.state is GroupState.COMPLETING_REBALANCE
    assert pending.members[0].metadata == b"" and pending.protocol_name == ""
    await coord.sync(SyncRequest("g", 1, member.member_id, assignments={member.member_id: b"x"}))
    stable = coord.describe("g")
    assert (stable.protocol_type, stable.protocol_name) == ("consumer", "range")
    m = stable.members[0]
    assert (m.client_id, m.client_host, m.metadata, m.assignment) == (
        "client",
        "/127.0.0.1",
        b"range-metadata",
        b"x",
    )
    assert coord.describe("unknown").state is GroupState.DEAD
    await coord.stop()


@async_test
async def test_static_member_restart_keeps_assignment_without_rebalance(
    store: OffsetStore,
) -> None:
    coord = coordinator(store)
    leader = await join_new(coord)
    static_join = asyncio.create_task(coord.join(request(instance="instance-1")))
    await settle()
    await coord.join(request(leader.member_id))
    static = await static_join
    assert static.member_id.startswith("instance-1-")
    assignments = {leader.member_id: b"p0", static.member_id: b"p1"}
    follower_sync = asyncio.create_task(coord.sync(SyncRequest("g", 2, static.member_id)))
    await settle()
    await coord.sync(SyncRequest("g", 2, leader.member_id, assignments=assignments))
    await follower_sync

    restarted = await coord.join(request(instance="instance-1"))
    assert restarted.error is ErrorCode.none
    assert restarted.generation_id == 2  # no rebalance
    assert restarted.member_id != static.member_id
    sync = await coord.sync(
        SyncRequest("g", 2, restarted.member_id, group_instance_id="instance-1")
    )
    assert sync.assignment == b"p1"
    old = coord.heartbeat("g", static.member_id, "instance-1", 2)
    assert old is ErrorCode.fenced_instance_id
    assert coord.heartbeat("g", restarted.member_id, "instance-1", 2) is ErrorCode.none
    _, per_member = coord.leave("g", [(static.member_id, "instance-1")])
    assert per_member == [ErrorCode.fenced_instance_id]
    _, per_member = coord.leave("g", [("", "instance-1")])
    assert per_member == [ErrorCode.none]
    assert coord.describe("g").state is GroupState.PREPARING_REBALANCE
    await coord.stop()


@async_test
async def test_commit_rules(store: OffsetStore) -> None:
    coord = coordinator(store)
    offsets = {("t", 0): CommittedOffset(5, 3, "meta")}
    # A simple consumer (no group membership) may commit to a group nobody joined.
    assert await coord.commit_offsets("simple", "", None, -1, offsets) is ErrorCode.none
    assert store.get("simple", "t", 0) == CommittedOffset(5, 3, "meta", 1_000_000)
    stale = await coord.commit_offsets("nogroup", "m", None, 3, offsets)
    assert stale is ErrorCode.illegal_generation
    assert await coord.commit_offsets("", "", None, -1, offsets) is ErrorCode.invalid_group_id

    member = await join_new(coord)
    during_sync = await coord.commit_offsets("g", member.member_id, None, 1, offsets)
    assert during_sync is ErrorCode.rebalance_in_progress
    await coord.sync(SyncRequest("g", 1, member.member_id))
    assert await coord.commit_offsets("g", member.member_id, None, 1, offsets) is ErrorCode.none
    assert await coord.commit_offsets("g", member.member_id, None, 0, offsets) is (
        ErrorCode.illegal_generation
    )
    assert await coord.commit_offsets("g", "stranger", None, 1, offsets) is (
        ErrorCode.unknown_member_id
    )
    # Not Empty: a generation-less commit is not from a member.
    assert await coord.commit_offsets("g", "", None, -1, offsets) is ErrorCode.unknown_member_id
    # While a newcomer waits for the rebalance, the current generation may still commit.
    newcomer = asyncio.create_task(join_new(coord))
    await settle()
    assert coord.describe("g").state is GroupState.PREPARING_REBALANCE
    later = {("t", 0): CommittedOffset(9)}
    assert await coord.commit_offsets("g", member.member_id, None, 1, later) is ErrorCode.none
    assert store.committed("g") == {("t", 0): 9}
    newcomer.cancel()
    await coord.stop()


@async_test
async def test_delete_groups(store: OffsetStore) -> None:
    coord = coordinator(store)
    member = await join_new(coord)
    await coord.sync(SyncRequest("g", 1, member.member_id))
    await coord.commit_offsets("g", member.member_id, None, 1, {("t", 0): CommittedOffset(1)})
    await coord.commit_offsets("simple", "", None, -1, {("t", 0): CommittedOffset(2)})
    results = await coord.delete_groups(["g", "simple", "unknown", ""])
    assert results == {
        "g": ErrorCode.non_empty_group,
        "simple": ErrorCode.none,
        "unknown": ErrorCode.group_id_not_found,
        "": ErrorCode.invalid_group_id,
    }
    assert store.committed("simple") == {}
    coord.leave("g", [(member.member_id, None)])
    assert await coord.delete_groups(["g"]) == {"g": ErrorCode.none}
    assert store.committed("g") == {}
    assert coord.describe("g").state is GroupState.DEAD
    assert coord.list_groups() == []
    await coord.stop()


@async_test
async def test_delete_offsets_refuses_subscribed_topics(store: OffsetStore) -> None:
    coord = coordinator(store)
    # ConsumerProtocolSubscription v0: version, [topics], user_data.
    subscription = b"\x00\x00" + b"\x00\x00\x00\x01" + b"\x00\x01t" + b"\xff\xff\xff\xff"
    member = await join_new(coord, protocols=(("range", subscription),))
    await coord.sync(SyncRequest("g", 1, member.member_id))
    both = {("t", 0): CommittedOffset(1), ("u", 0): CommittedOffset(2)}
    await coord.commit_offsets("g", member.member_id, None, 1, both)
    error, results = await coord.delete_offsets("g", [("t", 0), ("u", 0)])
    assert error is ErrorCode.none
    assert results == {("t", 0): ErrorCode.group_subscribed_to_topic, ("u", 0): ErrorCode.none}
    assert store.committed("g") == {("t", 0): 1}
    assert (await coord.delete_offsets("nope", [("t", 0)]))[0] is ErrorCode.group_id_not_found
    await coord.stop()


@async_test
async def test_offsets_of_empty_groups_expire_after_retention(store: OffsetStore) -> None:
    clock = Clock()
    coord = coordinator(store, clock, offsets_retention_minutes=1)
    member = await join_new(coord)
    await coord.sync(SyncRequest("g", 1, member.member_id))
    await coord.commit_offsets("g", member.member_id, None, 1, {("t", 0): CommittedOffset(1)})
    await coord.commit_offsets("simple", "", None, -1, {("t", 0): CommittedOffset(2)})
    clock.now += 120_000
    # g still has a member: its offsets stay; simple's are old and nobody uses them.
    assert await coord.expire_offsets() == 1
    assert store.committed("g") == {("t", 0): 1} and store.committed("simple") == {}
    coord.leave("g", [(member.member_id, None)])
    clock.now += 30_000
    assert await coord.expire_offsets() == 0
    clock.now += 30_000
    assert await coord.expire_offsets() == 1
    assert store.committed("g") == {}
    assert coord.list_groups() == []
    await coord.stop()


@async_test
async def test_list_groups_includes_groups_known_only_by_offsets(tmp_path: Path) -> None:
    store = OffsetStore.open(tmp_path / "o.db")
    await store.commit("restored", {("t", 1): CommittedOffset(10)})
    coord = coordinator(store)
    [listing] = coord.list_groups()
    assert (listing.group_id, listing.state) == ("restored", GroupState.EMPTY)
    assert coord.describe("restored").state is GroupState.EMPTY
    await coord.stop()
    store.close()


@async_test
async def test_stop_answers_waiting_joins(store: OffsetStore) -> None:
    coord = coordinator(store, group_initial_rebalance_delay_ms=10_000)
    waiting = asyncio.create_task(join_new(coord))
    await settle()
    await coord.stop()
    assert (await waiting).error is ErrorCode.not_coordinator


@async_test
async def test_pending_member_that_never_joins_does_not_block_rebalance(
    store: OffsetStore,
) -> None:
    coord = coordinator(store)
    member = await join_new(coord)
    await coord.sync(SyncRequest("g", 1, member.member_id))
    # A second consumer gets its id but dies before the real join: it expires after its
    # session timeout and the group is not held up forever.
    first = await coord.join(request(session_ms=50))
    assert first.error is ErrorCode.member_id_required
    group = coord.group("g")
    assert group is not None and first.member_id in group.pending_members
    while group.pending_members:
        await asyncio.sleep(0.02)
    assert coord.heartbeat("g", member.member_id, None, 1) is ErrorCode.none
    await coord.stop()


@async_test
async def test_members_that_never_sync_are_removed(store: OffsetStore) -> None:
    coord = coordinator(store)
    a = await join_new(coord, rebalance_ms=100)
    b_join = asyncio.create_task(join_new(coord, rebalance_ms=100))
    await settle()
    await coord.join(request(a.member_id, rebalance_ms=100))
    b = await b_join
    # Follower b waits for the leader's assignment; leader a heartbeats but never syncs.
    follower_sync = asyncio.create_task(coord.sync(SyncRequest("g", 2, b.member_id)))
    assert coord.heartbeat("g", a.member_id, None, 2) is ErrorCode.none
    assert (await follower_sync).error is ErrorCode.rebalance_in_progress
    assert coord.heartbeat("g", a.member_id, None, 2) is ErrorCode.unknown_member_id
    rejoined = await coord.join(request(b.member_id, rebalance_ms=100))
    assert rejoined.generation_id == 3 and rejoined.leader_id == b.member_id
    await coord.stop()


@async_test
async def test_commit_after_store_closed_answers_not_coordinator(tmp_path: Path) -> None:
    store = OffsetStore.open(tmp_path / "o.db")
    coord = coordinator(store)
    store.close()
    error = await coord.commit_offsets("g", "", None, -1, {("t", 0): CommittedOffset(1)})
    assert error is ErrorCode.not_coordinator
    await coord.stop()
