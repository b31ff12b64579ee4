"""``POST /auth/token``: trade a user name and password for a bearer token (JSON body)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, status

from airstream.web.auth import Authenticator
from airstream.web.schemas import LoginBody, LoginResponse

router = APIRouter(prefix="/auth", tags=["SimpleAuthManagerLogin"])


@router.post("/token", status_code=status.HTTP_201_CREATED)
def create_token(body: LoginBody, request: Request) -> LoginResponse:
    """A token for the user, or 401 for a wrong name or password."""
    authenticator: Authenticator = request.app.state.authenticator
    user = authenticator.users.authenticate(body.username, body.password)
    if user is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Invalid credentials")
    return LoginResponse(access_token=authenticator.signer.issue(user))
