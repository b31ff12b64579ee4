"""Console sessions: the API's own JWT in an HttpOnly cookie, and CSRF tokens derived from it.

Logging in issues the same token ``POST /auth/token`` does and keeps it in the
``airstream_session`` cookie (HttpOnly, SameSite=Lax), so the console's role checks are the
API's. Every form that changes something carries ``csrf_token``, an HMAC of the session
token under the server's secret key: a page of another site cannot read it, and it dies with
the session. Browsers' ``Origin`` header, when sent, must also name this server.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import parse_qs, urlsplit

from fastapi import Depends, Request

from airstream.web.auth import Authenticator, User
from airstream.web.console.page_errors import LoginRequired, PageError
from airstream.web.roles import Role

SESSION_COOKIE = "airstream_session"
CSRF_FIELD = "csrf_token"
#: Largest form body the console reads (a DAG run's conf is the biggest field).
MAX_FORM_BYTES = 256 * 1024


@dataclass(frozen=True)
class Session:
    """A logged-in browser: its user, its token and the CSRF token its forms carry."""

    user: User
    token: str
    csrf_token: str

    def require(self, role: Role, action: str) -> None:
        """A 403 page unless the user's role may do ``action``."""
        if self.user.role < role:
            raise PageError(
                403,
                f"Forbidden: user {self.user.name!r} has the {self.user.role.name.lower()} "
                f"role and may not {action} (it needs the {role.name.lower()} role or higher).",
            )


def authenticator_of(request: Request) -> Authenticator:
    authenticator: Authenticator = request.app.state.authenticator
    return authenticator


def csrf_token_for(authenticator: Authenticator, token: str) -> str:
    """The CSRF token of the session holding ``token``."""
    key = authenticator.signer.secret_key.encode()
    return hmac.new(key, b"csrf:" + token.encode(), hashlib.sha256).hexdigest()


def session_of(request: Request) -> Session | None:
    """The request's session, if its cookie holds a valid token of a configured user."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    authenticator = authenticator_of(request)
    user = authenticator.user_for_token(token)
    if user is None:
        return None
    return Session(user, token, csrf_token_for(authenticator, token))


def require_session(request: Request) -> Session:
    """The session, or :class:`LoginRequired` (the login page for browsers)."""
    session = session_of(request)
    if session is None:
        raise LoginRequired()
    return session


SessionDep = Annotated[Session, Depends(require_session)]


def check_origin(request: Request) -> None:
    """A 403 if the browser says the request comes from a page of another origin."""
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return
    parts = urlsplit(origin)
    host = request.headers.get("host", "")
    if parts.netloc != host:
        raise PageError(403, f"Forbidden: a form from {origin} may not post here")


async def read_form(request: Request) -> dict[str, str]:
    """The fields of a URL-encoded form (the last value of a repeated field wins)."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        raise PageError(400, "Bad request: expected a form (application/x-www-form-urlencoded)")
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        raise PageError(400, f"Bad request: the form is larger than {MAX_FORM_BYTES} bytes")
    try:
        fields = parse_qs(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except (UnicodeDecodeError, ValueError) as exc:
        raise PageError(400, f"Bad request: unreadable form ({exc})") from None
    return {name: values[-1] for name, values in fields.items()}


async def session_form(request: Request) -> dict[str, str]:
    """A form posted by a logged-in browser, with its CSRF token checked."""
    session = require_session(request)
    check_origin(request)
    form = await read_form(request)
    given = form.get(CSRF_FIELD, "")
    if not hmac.compare_digest(given.encode(), session.csrf_token.encode()):
        raise PageError(
            403, "Forbidden: the form's CSRF token is missing or stale; reload the page"
        )
    return form


FormDep = Annotated[dict[str, str], Depends(session_form)]


def local_path(target: str | None, default: str = "/") -> str:
    """``target`` if it is a path on this site (no scheme, no host), else ``default``."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target or urlsplit(target).netloc:
        return default
    return target
