"""How a console request fails: an HTML page with a message, never a traceback or a 500.

Routes raise :class:`PageError` (404 for unknown ids, 400 for bad form input, 403 for a role
that may not act, 503 for an unreachable broker); :class:`LoginRequired` sends the browser to
the login page instead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from fastapi import HTTPException

T = TypeVar("T")


class PageError(Exception):
    """A request the console answers with an error page: ``status`` and a message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class LoginRequired(Exception):
    """The request has no valid session: pages redirect to the login page."""


def not_found(message: str) -> PageError:
    return PageError(404, message)


def bad_input(message: str) -> PageError:
    return PageError(400, message)


def from_api(call: Callable[[], T]) -> T:
    """Run shared API code, turning its HTTP errors into error pages."""
    try:
        return call()
    except HTTPException as exc:
        raise PageError(exc.status_code, str(exc.detail)) from None
