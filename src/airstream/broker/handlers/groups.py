"""Group membership APIs: FindCoordinator, JoinGroup, SyncGroup, Heartbeat, LeaveGroup,
ListGroups, DescribeGroups, DeleteGroups.

Each handler turns the request of whatever version into the coordinator's plain terms
(:mod:`airstream.broker.groups.coordinator`) and the outcome back into the response of that
version; the group rules themselves live in the coordinator.
"""

from __future__ import annotations

import datetime
from typing import Any

from kio.schema.errors import ErrorCode

from airstream.broker.groups.coordinator import JoinRequest, SyncRequest
from airstream.broker.groups.group import GroupState
from airstream.broker.handlers.registry import Api, RequestContext

KEY_TYPE_GROUP = 0
KEY_TYPE_TRANSACTION = 1
AUTHORIZED_OPERATIONS_OMITTED = -(2**31)
#: ListGroups v5 group types: every group here speaks the classic protocol.
GROUP_TYPE = "classic"


def _ms(value: datetime.timedelta | int) -> int:
    if isinstance(value, datetime.timedelta):
        return int(value / datetime.timedelta(milliseconds=1))
    return int(value)


# -- FindCoordinator ---------------------------------------------------------------------------


def _coordinator(ctx: RequestContext, key: str, key_type: int) -> dict[str, Any]:
    if key_type == KEY_TYPE_GROUP:
        broker = ctx.broker
        return {
            "key": key,
            "error_code": ErrorCode.none,
            "error_message": None,
            "node_id": broker.node_id,
            "host": broker.advertised_host,
            "port": broker.advertised_port,
        }
    # No transaction coordinator exists; a non-retriable error makes a transactional client
    # fail at once with this message instead of retrying until its timeout.
    message = (
        "airstream does not support transactions"
        if key_type == KEY_TYPE_TRANSACTION
        else f"unknown coordinator key type {key_type}"
    )
    return {
        "key": key,
        "error_code": ErrorCode.invalid_request,
        "error_message": message,
        "node_id": -1,
        "host": "",
        "port": -1,
    }


async def find_coordinator(ctx: RequestContext, request: Any) -> Any:
    key_type = int(getattr(request, "key_type", KEY_TYPE_GROUP))
    if ctx.api_version >= 4:
        return ctx.respond(
            coordinators=[_coordinator(ctx, key, key_type) for key in request.coordinator_keys]
        )
    return ctx.respond(_coordinator(ctx, request.key, key_type))


# -- JoinGroup, SyncGroup, Heartbeat, LeaveGroup -----------------------------------------------


async def join_group(ctx: RequestContext, request: Any) -> Any:
    version = ctx.api_version
    session_timeout = _ms(request.session_timeout)
    # v0 had no rebalance timeout: the session timeout served as both.
    rebalance_timeout = _ms(request.rebalance_timeout) if version >= 1 else session_timeout
    result = await ctx.broker.groups.join(
        JoinRequest(
            group_id=request.group_id,
            member_id=request.member_id,
            group_instance_id=getattr(request, "group_instance_id", None),
            session_timeout_ms=session_timeout,
            rebalance_timeout_ms=rebalance_timeout,
            protocol_type=request.protocol_type,
            protocols=[(p.name, bytes(p.metadata)) for p in request.protocols],
            client_id=ctx.client_id or "",
            client_host=ctx.client_host,
            require_known_member_id=version >= 4,
        )
    )
    # protocol_name only became nullable in v7.
    protocol_name = result.protocol_name if version >= 7 else result.protocol_name or ""
    return ctx.respond(
        error_code=result.error,
        generation_id=result.generation_id,
        protocol_type=result.protocol_type,
        protocol_name=protocol_name,
        leader=result.leader_id,
        skip_assignment=result.skip_assignment,
        member_id=result.member_id,
        members=[
            {
                "member_id": m.member_id,
                "group_instance_id": m.group_instance_id,
                "metadata": m.metadata,
            }
            for m in result.members
        ],
    )


async def sync_group(ctx: RequestContext, request: Any) -> Any:
    result = await ctx.broker.groups.sync(
        SyncRequest(
            group_id=request.group_id,
            generation_id=int(request.generation_id),
            member_id=request.member_id,
            group_instance_id=getattr(request, "group_instance_id", None),
            protocol_type=getattr(request, "protocol_type", None),
            protocol_name=getattr(request, "protocol_name", None),
            assignments={a.member_id: bytes(a.assignment) for a in request.assignments},
        )
    )
    return ctx.respond(
        error_code=result.error,
        protocol_type=result.protocol_type,
        protocol_name=result.protocol_name,
        assignment=result.assignment,
    )


async def heartbeat(ctx: RequestContext, request: Any) -> Any:
    error = ctx.broker.groups.heartbeat(
        request.group_id,
        request.member_id,
        getattr(request, "group_instance_id", None),
        int(request.generation_id),
    )
    return ctx.respond(error_code=error)


async def leave_group(ctx: RequestContext, request: Any) -> Any:
    if ctx.api_version >= 3:
        leaving = [(m.member_id, m.group_instance_id) for m in request.members]
    else:
        leaving = [(request.member_id, None)]
    error, member_errors = ctx.broker.groups.leave(request.group_id, leaving)
    if ctx.api_version < 3 and error is ErrorCode.none and member_errors:
        error = member_errors[0]
    return ctx.respond(
        error_code=error,
        members=[
            {"member_id": member_id, "group_instance_id": instance_id, "error_code": member_error}
            for (member_id, instance_id), member_error in zip(leaving, member_errors, strict=False)
        ],
    )


# -- ListGroups, DescribeGroups, DeleteGroups --------------------------------------------------


async def list_groups(ctx: RequestContext, request: Any) -> Any:
    states = {s.lower() for s in getattr(request, "states_filter", ())}
    types = {t.lower() for t in getattr(request, "types_filter", ())}
    if types and GROUP_TYPE not in types:
        listings = []
    else:
        listings = [
            g
            for g in ctx.broker.groups.list_groups()
            if not states or g.state.value.lower() in states
        ]
    return ctx.respond(
        error_code=ErrorCode.none,
        groups=[
            {
                "group_id": g.group_id,
                "protocol_type": g.protocol_type,
                "group_state": g.state.value,
                "group_type": GROUP_TYPE,
            }
            for g in listings
        ],
    )


def _described(ctx: RequestContext, group_id: str) -> dict[str, Any]:
    if not group_id:
        return {
            "error_code": ErrorCode.invalid_group_id,
            "group_id": group_id,
            "group_state": GroupState.DEAD.value,
            "authorized_operations": AUTHORIZED_OPERATIONS_OMITTED,
        }
    group = ctx.broker.groups.describe(group_id)
    return {
        "error_code": ErrorCode.none,
        "error_message": None,
        "group_id": group_id,
        "group_state": group.state.value,
        "protocol_type": group.protocol_type,
        "protocol_data": group.protocol_name,
        "authorized_operations": AUTHORIZED_OPERATIONS_OMITTED,
        "members": [
            {
                "member_id": m.member_id,
                "group_instance_id": m.group_instance_id,
                "client_id": m.client_id,
                "client_host": m.client_host,
                "member_metadata": m.metadata,
                "member_assignment": m.assignment,
            }
            for m in group.members
        ],
    }


async def describe_groups(ctx: RequestContext, request: Any) -> Any:
    return ctx.respond(groups=[_described(ctx, group_id) for group_id in request.groups])


async def delete_groups(ctx: RequestContext, request: Any) -> Any:
    results = await ctx.broker.groups.delete_groups(request.groups_names)
    return ctx.respond(
        results=[{"group_id": group_id, "error_code": error} for group_id, error in results.items()]
    )


APIS = [
    Api(10, 0, 6, find_coordinator),
    Api(11, 0, 9, join_group),
    Api(12, 0, 4, heartbeat),
    Api(13, 0, 5, leave_group),
    Api(14, 0, 5, sync_group),
    Api(15, 0, 6, describe_groups),
    Api(16, 0, 5, list_groups),
    Api(42, 0, 2, delete_groups),
]
