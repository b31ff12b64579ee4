"""``/import-errors``: DAG files that failed to load, with their stack traces, paged."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from airstream.store.queries import Page
from airstream.web.console.paging import pager
from airstream.web.console.rendering import render
from airstream.web.console.session import SessionDep
from airstream.web.dependencies import StoreDep

router = APIRouter()

ERRORS_PER_PAGE = 25


@router.get("/import-errors")
def import_errors_page(request: Request, session: SessionDep, store: StoreDep) -> Response:
    """One page of import errors, ordered by file name."""
    # The store has no count of import errors; there are as many as broken files at most.
    total = len(store.list_import_errors())
    pages = pager(request, total, ERRORS_PER_PAGE)
    errors = store.list_import_errors(Page(limit=pages.size, offset=pages.offset))
    return render(request, "import_errors.html", {"errors": errors, "pages": pages}, session)
