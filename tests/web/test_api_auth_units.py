"""Users, roles and tokens without a server; and the 500 handler, in process."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from airstream.config import ApiSettings, Settings
from airstream.web.app import create_app
from airstream.web.auth import TokenSigner, User, load_secret_key, load_users
from airstream.web.roles import Role, parse_users

# HS512 wants keys of 64 bytes or more.
KEY_ONE = "1" * 64
KEY_TWO = "2" * 64


def test_parse_users() -> None:
    assert parse_users("admin:admin, vera:Viewer,") == {"admin": Role.ADMIN, "vera": Role.VIEWER}
    with pytest.raises(ValueError, match="unknown role"):
        parse_users("bob:root")
    with pytest.raises(ValueError, match="NAME:ROLE"):
        parse_users("bob")


def test_roles_include_lower_roles() -> None:
    assert Role.VIEWER < Role.USER < Role.OP < Role.ADMIN


def test_passwords_are_kept_between_starts(tmp_path: Path) -> None:
    first = load_users(tmp_path, "admin:admin,vera:viewer", {})
    assert set(first.generated) == {"admin", "vera"}
    again = load_users(tmp_path, "admin:admin,vera:viewer,otto:op", {})
    assert set(again.generated) == {"otto"}
    assert again.passwords["vera"] == first.passwords["vera"]
    assert again.authenticate("vera", first.passwords["vera"]) == User("vera", Role.VIEWER)
    assert again.authenticate("vera", "wrong") is None
    env = load_users(tmp_path, "admin:admin", {"AIRSTREAM_ADMIN_PASSWORD": "pw"})
    assert env.authenticate("admin", "pw") == User("admin", Role.ADMIN)
    assert env.authenticate("admin", first.passwords["admin"]) is None


def test_tokens_expire_and_are_bound_to_their_key() -> None:
    signer = TokenSigner(
        KEY_ONE,
        timedelta(hours=1),
    )
    now = datetime.now(UTC)
    token = signer.issue(User("vera", Role.VIEWER), now=now)
    assert signer.subject(token) == "vera"
    assert (
        TokenSigner(
            KEY_TWO,
            timedelta(hours=1),
        ).subject(token)
        is None
    )
    expired = signer.issue(User("vera", Role.VIEWER), now=now - timedelta(hours=2))
    assert signer.subject(expired) is None
    assert signer.subject("not a token") is None


def test_generated_secret_key_is_kept(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path)
    key = load_secret_key(settings)
    assert len(key) > 40
    assert load_secret_key(settings) == key
    configured = Settings(home=tmp_path, api=ApiSettings(secret_key="mine"))
    assert load_secret_key(configured) == "mine"


def test_unexpected_errors_never_leak_a_traceback(tmp_path: Path) -> None:
    app = create_app(Settings(home=tmp_path), env={"AIRSTREAM_ADMIN_PASSWORD": "pw"})

    def boom() -> None:
        raise RuntimeError("secret internals")

    app.add_api_route("/boom", boom)
    with TestClient(app, raise_server_exceptions=False) as http:
        response = http.get("/boom")
    assert response.status_code == 500
    assert response.json() == {"detail": "Internal Server Error"}
    assert "secret internals" not in response.text
