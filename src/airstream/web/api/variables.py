"""``/variables``: create, read, change and delete variables (sensitive values masked)."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response, status

from airstream.store.records import Variable
from airstream.web.auth import requires
from airstream.web.dependencies import OrderByQuery, PagingDep, StoreDep, order_column
from airstream.web.errors import bad_request, conflict, not_found
from airstream.web.roles import Role
from airstream.web.schemas import VariableBody, VariableCollectionResponse, VariableResponse
from airstream.workflows.secrets_masker import should_hide_value_for_key

# As in Airflow's simple auth manager, variables (which may hold secrets) are for op and up,
# reads included.
router = APIRouter(prefix="/variables", tags=["Variable"])

VARIABLE_ORDER_BY = {"key": "key", "id": "id", "_val": "val", "description": "description"}
MASK = "***"

Reader = Depends(requires(Role.OP))
Editor = Depends(requires(Role.OP))


def variable_response(variable: Variable) -> VariableResponse:
    """A variable; the value of a key that names a secret is shown as ``***``."""
    value = MASK if should_hide_value_for_key(variable.key) else variable.val
    return VariableResponse(
        key=variable.key, value=value, description=variable.description, is_encrypted=False
    )


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _require(store: StoreDep, key: str) -> Variable:
    variable = store.get_variable(key)
    if variable is None:
        raise not_found(f"The Variable with key: `{key}`")
    return variable


@router.get("", dependencies=[Reader])
def get_variables(
    store: StoreDep,
    paging: PagingDep,
    order_by: OrderByQuery = None,
    variable_key_pattern: str | None = None,
) -> VariableCollectionResponse:
    """Variables, paged (filtered by a case-insensitive substring of the key)."""
    column = order_column(order_by, VARIABLE_ORDER_BY)
    if variable_key_pattern:
        needle = variable_key_pattern.strip("%").lower()
        matching = [v for v in store.list_variables() if needle in v.key.lower()]
        if column:
            attr = "val" if column.lstrip("-") == "val" else column.lstrip("-")
            attr = "key" if attr == "id" else attr
            matching.sort(key=lambda v: getattr(v, attr) or "", reverse=column.startswith("-"))
        page = matching[paging.offset : paging.offset + paging.limit]
        return VariableCollectionResponse(
            variables=[variable_response(v) for v in page], total_entries=len(matching)
        )
    variables = store.list_variables(paging.page(column))
    return VariableCollectionResponse(
        variables=[variable_response(v) for v in variables],
        total_entries=len(store.list_variables()),
    )


@router.get("/{variable_key}", dependencies=[Reader])
def get_variable(variable_key: str, store: StoreDep) -> VariableResponse:
    """One variable."""
    return variable_response(_require(store, variable_key))


@router.post("", dependencies=[Editor], status_code=status.HTTP_201_CREATED)
def post_variable(body: VariableBody, store: StoreDep) -> VariableResponse:
    """Create a variable; 409 if the key is taken."""
    if store.get_variable(body.key) is not None:
        raise conflict(f"The Variable with key: `{body.key}` already exists")
    store.set_variable(body.key, _text(body.value), body.description)
    return variable_response(_require(store, body.key))


@router.patch("/{variable_key}", dependencies=[Editor])
def patch_variable(
    variable_key: str,
    body: VariableBody,
    store: StoreDep,
    update_mask: Annotated[list[str] | None, Query()] = None,
) -> VariableResponse:
    """Change a variable (only the fields in ``update_mask`` when given)."""
    if body.key != variable_key:
        raise bad_request("Invalid body, key from request body doesn't match uri parameter")
    current = _require(store, variable_key)
    fields = set(update_mask or ("value", "description"))
    unknown = fields - {"value", "description", "key"}
    if unknown:
        raise bad_request(f"Invalid field(s) in update_mask: {', '.join(sorted(unknown))}")
    value = _text(body.value) if "value" in fields else current.val
    description = body.description if "description" in fields else current.description
    if description is None and current.description is not None:
        store.delete_variable(variable_key)
    store.set_variable(variable_key, value, description)
    return variable_response(_require(store, variable_key))


@router.delete("/{variable_key}", dependencies=[Editor], status_code=status.HTTP_204_NO_CONTENT)
def delete_variable(variable_key: str, store: StoreDep) -> Response:
    """Delete a variable."""
    if not store.delete_variable(variable_key):
        raise not_found(f"The Variable with key: `{variable_key}`")
    return Response(status_code=status.HTTP_204_NO_CONTENT)
