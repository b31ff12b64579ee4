"""``/importErrors``: DAG files that failed to load, with their stack traces."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from airstream.store.records import ParseImportError
from airstream.web.auth import requires
from airstream.web.dependencies import OrderByQuery, PagingDep, StoreDep, order_column
from airstream.web.errors import not_found
from airstream.web.roles import Role
from airstream.web.schemas import ImportErrorCollectionResponse, ImportErrorResponse

router = APIRouter(
    prefix="/importErrors", tags=["Import Error"], dependencies=[Depends(requires(Role.VIEWER))]
)

IMPORT_ERROR_ORDER_BY = {
    "id": "id",
    "import_error_id": "id",
    "timestamp": "timestamp",
    "filename": "filename",
    "bundle_name": "bundle_name",
}


def import_error_response(error: ParseImportError) -> ImportErrorResponse:
    return ImportErrorResponse(
        import_error_id=error.id or 0,
        timestamp=error.timestamp,
        filename=error.filename,
        bundle_name=error.bundle_name,
        stack_trace=error.stacktrace,
    )


@router.get("")
def get_import_errors(
    store: StoreDep,
    paging: PagingDep,
    order_by: OrderByQuery = None,
    filename_pattern: str | None = None,
) -> ImportErrorCollectionResponse:
    """Current import errors, paged."""
    column = order_column(order_by, IMPORT_ERROR_ORDER_BY)
    if filename_pattern:
        needle = filename_pattern.strip("%").lower()
        matching = [e for e in store.list_import_errors() if needle in e.filename.lower()]
        page, total = matching[paging.offset : paging.offset + paging.limit], len(matching)
    else:
        page = store.list_import_errors(paging.page(column))
        total = len(store.list_import_errors())
    return ImportErrorCollectionResponse(
        import_errors=[import_error_response(e) for e in page], total_entries=total
    )


@router.get("/{import_error_id}")
def get_import_error(import_error_id: int, store: StoreDep) -> ImportErrorResponse:
    """One import error by id."""
    for error in store.list_import_errors():
        if error.id == import_error_id:
            return import_error_response(error)
    raise not_found(f"The ImportError with import_error_id: `{import_error_id}`")
