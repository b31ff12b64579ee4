"""``/connections``: create, read, change and delete connections; passwords never in clear."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response, status

from airstream.store.records import Connection
from airstream.web.auth import requires
from airstream.web.dependencies import OrderByQuery, PagingDep, StoreDep, order_column
from airstream.web.errors import bad_request, conflict, not_found
from airstream.web.roles import Role
from airstream.web.schemas import ConnectionBody, ConnectionCollectionResponse, ConnectionResponse
from airstream.workflows.secrets_masker import should_hide_value_for_key

router = APIRouter(
    prefix="/connections", tags=["Connection"], dependencies=[Depends(requires(Role.OP))]
)

CONNECTION_ORDER_BY = {
    "connection_id": "conn_id",
    "conn_id": "conn_id",
    "conn_type": "conn_type",
    "description": "description",
    "host": "host",
    "port": "port",
    "id": "id",
}
MASK = "***"
#: Body fields and the record fields they set.
FIELDS = {
    "conn_type": "conn_type",
    "description": "description",
    "host": "host",
    "login": "login",
    "schema": "schema",
    "port": "port",
    "password": "password",
    "extra": "extra",
}


def connection_response(conn: Connection) -> ConnectionResponse:
    """A connection with its password, and the secret values of its extra, masked."""
    return ConnectionResponse(
        connection_id=conn.conn_id,
        conn_type=conn.conn_type,
        description=conn.description,
        host=conn.host,
        login=conn.login,
        schema=conn.schema,
        port=conn.port,
        password=MASK if conn.password else None,
        extra=_masked_extra(conn.extra),
    )


def _masked_extra(extra: str | None) -> str | None:
    if not extra:
        return extra
    try:
        data = json.loads(extra)
    except ValueError:
        return extra
    return json.dumps(_mask(data)) if isinstance(data, dict) else extra


def _mask(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: MASK if should_hide_value_for_key(k) and v else _mask(v) for k, v in value.items()
        }
    if isinstance(value, list):
        return [_mask(item) for item in value]
    return value


def _record(body: ConnectionBody) -> Connection:
    _check_extra(body.extra)
    return Connection(
        conn_id=body.connection_id,
        conn_type=body.conn_type,
        description=body.description,
        host=body.host,
        schema=body.schema_,
        login=body.login,
        password=body.password,
        port=body.port,
        extra=body.extra,
    )


def _check_extra(extra: str | None) -> None:
    if not extra:
        return
    try:
        json.loads(extra)
    except ValueError:
        raise bad_request("The `extra` field must be a valid JSON object string") from None


def _require(store: StoreDep, conn_id: str) -> Connection:
    conn = store.get_connection(conn_id)
    if conn is None:
        raise not_found(f"The Connection with connection_id: `{conn_id}`")
    return conn


@router.get("")
def get_connections(
    store: StoreDep,
    paging: PagingDep,
    order_by: OrderByQuery = None,
    connection_id_pattern: str | None = None,
) -> ConnectionCollectionResponse:
    """Connections, paged."""
    column = order_column(order_by, CONNECTION_ORDER_BY)
    if connection_id_pattern:
        needle = connection_id_pattern.strip("%").lower()
        matching = [c for c in store.list_connections() if needle in c.conn_id.lower()]
        page = matching[paging.offset : paging.offset + paging.limit]
        total = len(matching)
    else:
        page = store.list_connections(paging.page(column))
        total = len(store.list_connections())
    return ConnectionCollectionResponse(
        connections=[connection_response(c) for c in page], total_entries=total
    )


@router.get("/{connection_id}")
def get_connection(connection_id: str, store: StoreDep) -> ConnectionResponse:
    """One connection."""
    return connection_response(_require(store, connection_id))


@router.post("", status_code=status.HTTP_201_CREATED)
def post_connection(body: ConnectionBody, store: StoreDep) -> ConnectionResponse:
    """Create a connection; 409 if the id is taken."""
    if store.get_connection(body.connection_id) is not None:
        raise conflict(f"The connection with connection_id: `{body.connection_id}` already exists")
    store.add_connection(_record(body))
    return connection_response(_require(store, body.connection_id))


@router.patch("/{connection_id}")
def patch_connection(
    connection_id: str,
    body: ConnectionBody,
    store: StoreDep,
    update_mask: Annotated[list[str] | None, Query()] = None,
) -> ConnectionResponse:
    """Change a connection (only the fields in ``update_mask`` when given).

    Without a mask a password left out of the body keeps the stored one, since clients
    read it back masked.
    """
    if body.connection_id != connection_id:
        raise bad_request("The connection_id in the request body does not match the URL parameter")
    current = _require(store, connection_id)
    new = _record(body)
    if update_mask:
        unknown = set(update_mask) - set(FIELDS) - {"connection_id"}
        if unknown:
            raise bad_request(f"Invalid field(s) in update_mask: {', '.join(sorted(unknown))}")
        changes = {FIELDS[f]: getattr(new, FIELDS[f]) for f in update_mask if f in FIELDS}
        new = replace(current, **changes)
    elif body.password is None or body.password == MASK:
        new = replace(new, password=current.password)
    store.set_connection(new)
    return connection_response(_require(store, connection_id))


@router.delete("/{connection_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_connection(connection_id: str, store: StoreDep) -> Response:
    """Delete a connection."""
    if not store.delete_connection(connection_id):
        raise not_found(f"The Connection with connection_id: `{connection_id}`")
    return Response(status_code=status.HTTP_204_NO_CONTENT)
