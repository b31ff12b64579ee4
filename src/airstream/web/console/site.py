"""Putting the console on the application: its routers, its static files, its error pages."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from airstream.web.console import (
    dag_pages,
    import_error_page,
    live_events,
    login,
    orders_dashboard,
    stream_pages,
    task_pages,
)
from airstream.web.console.page_errors import LoginRequired, PageError
from airstream.web.console.rendering import render
from airstream.web.console.session import session_of

STATIC_DIR = Path(__file__).parent / "static"
STATIC_PATH = "/static"

ROUTERS = (
    login.router,
    dag_pages.router,
    task_pages.router,
    import_error_page.router,
    stream_pages.router,
    orders_dashboard.router,
    live_events.router,
)


async def _on_page_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PageError)
    context = {"status": exc.status, "message": exc.message}
    return render(request, "error.html", context, session_of(request), status_code=exc.status)


async def _on_login_required(request: Request, exc: Exception) -> Response:
    if request.method != "GET":
        # A form posted after the session ended: log in, then start again from the page.
        referer_path = "/"
    else:
        # The path as the browser sent it: ids in it stay quoted.
        raw = request.scope.get("raw_path") or request.url.path.encode()
        query = f"?{request.url.query}" if request.url.query else ""
        referer_path = raw.decode("latin-1") + query
    return RedirectResponse(f"/login?next={quote(referer_path, safe='')}", status_code=303)


#: Paths whose errors stay JSON (the REST API's format).
API_PATHS = ("/api/", "/auth/")


async def _on_http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if request.url.path.startswith(API_PATHS):
        return await http_exception_handler(request, exc)
    message = "Not found: there is no such page" if exc.status_code == 404 else str(exc.detail)
    return await _on_page_error(request, PageError(exc.status_code, message))


def install_console(app: FastAPI) -> None:
    """Serve the console's pages under ``/`` and its files under ``/static``."""
    for router in ROUTERS:
        app.include_router(router, include_in_schema=False)
    app.mount(STATIC_PATH, StaticFiles(directory=STATIC_DIR), name="static")
    app.add_exception_handler(PageError, _on_page_error)
    app.add_exception_handler(LoginRequired, _on_login_required)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
