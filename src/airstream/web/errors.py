"""How failures become HTTP responses: always ``{"detail": ...}``, never a traceback.

Store errors that mean bad input map to 4xx (``NotFound`` 404, ``AlreadyExists`` 409); any
other exception is logged with its traceback on the server and answered with a bare 500.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, HTTPException, Request, status
from fastapi.responses import JSONResponse

from airstream.store.errors import AlreadyExists, NotFound

log = logging.getLogger(__name__)


def not_found(what: str) -> HTTPException:
    """A 404 saying what was looked for, in Airflow's wording."""
    return HTTPException(status.HTTP_404_NOT_FOUND, f"{what} was not found")


def bad_request(message: str) -> HTTPException:
    """A 400 with ``message``."""
    return HTTPException(status.HTTP_400_BAD_REQUEST, message)


def conflict(message: str) -> HTTPException:
    """A 409 with ``message``."""
    return HTTPException(status.HTTP_409_CONFLICT, message)


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers for store errors and for anything unexpected."""

    async def on_not_found(request: Request, exc: Exception) -> JSONResponse:
        return JSONResponse({"detail": str(exc) or "Not found"}, status.HTTP_404_NOT_FOUND)

    async def on_already_exists(request: Request, exc: Exception) -> JSONResponse:
        return JSONResponse({"detail": str(exc) or "Already exists"}, status.HTTP_409_CONFLICT)

    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error("%s %s failed", request.method, request.url.path, exc_info=exc)
        return JSONResponse(
            {"detail": "Internal Server Error"}, status.HTTP_500_INTERNAL_SERVER_ERROR
        )

    app.add_exception_handler(NotFound, on_not_found)
    app.add_exception_handler(AlreadyExists, on_already_exists)
    app.add_exception_handler(Exception, on_unexpected)
