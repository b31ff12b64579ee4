"""``/login`` and ``/logout``: the session cookie is set and removed here."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from airstream.web.console.rendering import render
from airstream.web.console.session import (
    SESSION_COOKIE,
    FormDep,
    authenticator_of,
    check_origin,
    local_path,
    read_form,
    session_of,
)

router = APIRouter()


@router.get("/login")
def login_page(request: Request) -> Response:
    """The login form (or, when already logged in, where ``next`` points)."""
    target = local_path(request.query_params.get("next"))
    if session_of(request) is not None:
        return RedirectResponse(target, status_code=303)
    return render(request, "login.html", {"next": target, "error": None, "username": ""})


@router.post("/login")
async def login(request: Request) -> Response:
    """Check the credentials; on success set the session cookie and go to ``next``."""
    check_origin(request)
    form = await read_form(request)
    username = form.get("username", "")
    target = local_path(form.get("next"))
    authenticator = authenticator_of(request)
    user = authenticator.users.authenticate(username, form.get("password", ""))
    if user is None:
        context = {"next": target, "error": "Invalid username or password", "username": username}
        return render(request, "login.html", context, status_code=401)
    token = authenticator.signer.issue(user)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(authenticator.signer.expiration.total_seconds()),
        path="/",
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    return response


@router.post("/logout")
def logout(form: FormDep) -> Response:
    """Forget the session cookie."""
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax")
    return response
