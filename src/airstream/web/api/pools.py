"""``/pools``: create, read, change and delete pools, with their slot usage.

``default_pool`` can be resized but never deleted or renamed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from airstream.store import MetadataStore
from airstream.store.queries import TaskInstanceQuery
from airstream.store.records import DEFAULT_POOL_NAME, Pool, TaskInstanceState
from airstream.web.auth import requires
from airstream.web.dependencies import OrderByQuery, PagingDep, StoreDep, order_column
from airstream.web.errors import bad_request, conflict, not_found
from airstream.web.roles import Role
from airstream.web.schemas import PoolBody, PoolCollectionResponse, PoolPatchBody, PoolResponse

router = APIRouter(prefix="/pools", tags=["Pool"])

POOL_ORDER_BY = {"id": "id", "pool": "pool", "name": "pool", "slots": "slots"}
#: States whose task instances hold pool slots (deferred only with ``include_deferred``).
SLOT_STATES = (
    TaskInstanceState.RUNNING,
    TaskInstanceState.QUEUED,
    TaskInstanceState.SCHEDULED,
    TaskInstanceState.DEFERRED,
)

Reader = Depends(requires(Role.VIEWER))
Editor = Depends(requires(Role.OP))


def pool_response(store: MetadataStore, pool: Pool) -> PoolResponse:
    """A pool with the slots its task instances use, by state."""
    used: Counter[TaskInstanceState] = Counter()
    for ti in store.list_tis(TaskInstanceQuery(pools=[pool.pool], states=SLOT_STATES)):
        used[ti.state] += ti.pool_slots
    running, queued = used[TaskInstanceState.RUNNING], used[TaskInstanceState.QUEUED]
    scheduled, deferred = used[TaskInstanceState.SCHEDULED], used[TaskInstanceState.DEFERRED]
    occupied = running + queued + (deferred if pool.include_deferred else 0)
    open_slots = -1 if pool.slots == -1 else pool.slots - occupied
    return PoolResponse(
        name=pool.pool,
        slots=pool.slots,
        description=pool.description,
        include_deferred=pool.include_deferred,
        occupied_slots=occupied,
        running_slots=running,
        queued_slots=queued,
        scheduled_slots=scheduled,
        open_slots=open_slots,
        deferred_slots=deferred,
    )


def _require(store: MetadataStore, name: str) -> Pool:
    pool = store.get_pool(name)
    if pool is None:
        raise not_found(f"The Pool with name: `{name}`")
    return pool


@router.get("", dependencies=[Reader])
def get_pools(
    store: StoreDep,
    paging: PagingDep,
    order_by: OrderByQuery = None,
    pool_name_pattern: str | None = None,
) -> PoolCollectionResponse:
    """Pools, paged."""
    column = order_column(order_by, POOL_ORDER_BY)
    if pool_name_pattern:
        needle = pool_name_pattern.strip("%").lower()
        matching = [p for p in store.list_pools() if needle in p.pool.lower()]
        page, total = matching[paging.offset : paging.offset + paging.limit], len(matching)
    else:
        page, total = store.list_pools(paging.page(column)), len(store.list_pools())
    return PoolCollectionResponse(
        pools=[pool_response(store, p) for p in page], total_entries=total
    )


@router.get("/{pool_name}", dependencies=[Reader])
def get_pool(pool_name: str, store: StoreDep) -> PoolResponse:
    """One pool."""
    return pool_response(store, _require(store, pool_name))


@router.post("", dependencies=[Editor], status_code=status.HTTP_201_CREATED)
def post_pool(body: PoolBody, store: StoreDep) -> PoolResponse:
    """Create a pool; 409 if the name is taken."""
    if store.get_pool(body.name) is not None:
        raise conflict(f"The Pool with name: `{body.name}` already exists")
    pool = Pool(body.name, body.slots, body.description, body.include_deferred)
    store.set_pool(pool)
    return pool_response(store, _require(store, body.name))


@router.patch("/{pool_name}", dependencies=[Editor])
def patch_pool(
    pool_name: str,
    body: PoolPatchBody,
    store: StoreDep,
    update_mask: Annotated[list[str] | None, Query()] = None,
) -> PoolResponse:
    """Change a pool (only the fields in ``update_mask`` when given)."""
    current = _require(store, pool_name)
    given = body.model_dump(exclude_unset=True)
    fields = set(update_mask) if update_mask else set(given)
    unknown = fields - {"pool", "name", "slots", "description", "include_deferred"}
    if unknown:
        raise bad_request(f"Invalid field(s) in update_mask: {', '.join(sorted(unknown))}")
    new_name = given.get("pool") if fields & {"pool", "name"} else None
    if new_name is not None and new_name != pool_name:
        raise bad_request("Renaming a pool is not supported")
    changes = {
        key: given[key]
        for key in ("slots", "description", "include_deferred")
        if key in fields and key in given
    }
    if changes.get("slots", 0) is None or changes.get("include_deferred", False) is None:
        raise bad_request("slots and include_deferred cannot be null")
    store.set_pool(replace(current, **changes))
    return pool_response(store, _require(store, pool_name))


@router.delete("/{pool_name}", dependencies=[Editor], status_code=status.HTTP_204_NO_CONTENT)
def delete_pool(pool_name: str, store: StoreDep) -> Response:
    """Delete a pool; ``default_pool`` cannot be deleted (400, as in Airflow)."""
    if pool_name == DEFAULT_POOL_NAME:
        raise bad_request("Default Pool can't be deleted")
    if not store.delete_pool(pool_name):
        raise not_found(f"The Pool with name: `{pool_name}`")
    return Response(status_code=status.HTTP_204_NO_CONTENT)
