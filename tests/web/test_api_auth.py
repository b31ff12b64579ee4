"""Tokens, users, roles: 401 without a valid token, 403 for a role that is too low."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import httpx
import pytest
from api_server_process import ADMIN_PASSWORD, ApiServerProcess
from api_store_data import DAG_ID, RUN_ID

PASSWORDS = "simple_auth_manager_passwords.json.generated"


def _get(server: ApiServerProcess, path: str, token: str | None = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.get(f"{server.url}/api/v2{path}", headers=headers)


def test_token_for_good_credentials_only(api_server: ApiServerProcess) -> None:
    good = httpx.post(
        f"{api_server.url}/auth/token", json={"username": "admin", "password": ADMIN_PASSWORD}
    )
    assert good.status_code == 201
    assert good.json()["access_token"].count(".") == 2
    bad = httpx.post(
        f"{api_server.url}/auth/token", json={"username": "admin", "password": "wrong"}
    )
    assert bad.status_code == 401
    assert bad.json() == {"detail": "Invalid credentials"}
    unknown = httpx.post(f"{api_server.url}/auth/token", json={"username": "x", "password": "y"})
    assert unknown.status_code == 401
    missing = httpx.post(f"{api_server.url}/auth/token", json={"username": "admin"})
    assert missing.status_code == 422


def test_generated_passwords_file(api_server: ApiServerProcess) -> None:
    path = api_server.home / PASSWORDS
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    stored = json.loads(path.read_text())
    assert set(stored) == {"admin", "vera", "ursula", "otto"}
    # AIRSTREAM_ADMIN_PASSWORD wins over the generated one and is not written down.
    assert stored["admin"] != ADMIN_PASSWORD
    assert "Password for user 'admin'" not in "".join(api_server.first_lines)
    assert api_server.token("vera")


@pytest.mark.parametrize(
    "path", ["/dags", f"/dags/{DAG_ID}", f"/dags/{DAG_ID}/dagRuns", "/pools", "/variables"]
)
def test_anonymous_and_forged_tokens_are_refused(api_server: ApiServerProcess, path: str) -> None:
    anonymous = _get(api_server, path)
    assert anonymous.status_code == 401
    assert anonymous.json() == {"detail": "Not authenticated"}
    forged = _get(api_server, path, "eyJhbGciOiJIUzUxMiJ9.e30.AAAA")
    assert forged.status_code == 401


def test_health_and_version_are_public(api_server: ApiServerProcess) -> None:
    assert _get(api_server, "/monitor/health").status_code == 200
    assert _get(api_server, "/version").status_code == 200


def test_openapi_is_served(api_server: ApiServerProcess) -> None:
    spec = httpx.get(f"{api_server.url}/api/v2/openapi.json").json()
    assert spec["openapi"].startswith("3.")
    assert "/api/v2/dags/{dag_id}/dagRuns" in spec["paths"]
    assert "/auth/token" in spec["paths"]


def test_viewer_reads_but_cannot_change(api_server: ApiServerProcess) -> None:
    token = api_server.token("vera")
    assert _get(api_server, "/dags", token).status_code == 200
    assert _get(api_server, "/pools", token).status_code == 200
    headers = {"Authorization": f"Bearer {token}"}
    pause = httpx.patch(
        f"{api_server.url}/api/v2/dags/{DAG_ID}", json={"is_paused": True}, headers=headers
    )
    assert pause.status_code == 403
    assert pause.json() == {"detail": "Forbidden"}
    trigger = httpx.post(
        f"{api_server.url}/api/v2/dags/{DAG_ID}/dagRuns",
        json={"logical_date": None},
        headers=headers,
    )
    assert trigger.status_code == 403
    # Variables and connections may hold secrets: op and up only.
    assert _get(api_server, "/variables", token).status_code == 403
    assert _get(api_server, "/connections", token).status_code == 403


def test_user_operates_dags_but_not_settings(api_server: ApiServerProcess) -> None:
    headers = {"Authorization": f"Bearer {api_server.token('ursula')}"}
    clear = httpx.post(
        f"{api_server.url}/api/v2/dags/{DAG_ID}/clearTaskInstances",
        json={"dag_run_id": RUN_ID, "dry_run": True},
        headers=headers,
    )
    assert clear.status_code == 200
    pool = httpx.post(
        f"{api_server.url}/api/v2/pools", json={"name": "p", "slots": 1}, headers=headers
    )
    assert pool.status_code == 403


def test_op_manages_settings(api_server: ApiServerProcess) -> None:
    headers = {"Authorization": f"Bearer {api_server.token('otto')}"}
    created = httpx.post(
        f"{api_server.url}/api/v2/variables", json={"key": "k", "value": "v"}, headers=headers
    )
    assert created.status_code == 201
    assert httpx.delete(f"{api_server.url}/api/v2/variables/k", headers=headers).status_code == 204


def test_first_start_prints_generated_admin_password_once(tmp_path: Path) -> None:
    server = ApiServerProcess(tmp_path, env={"AIRSTREAM_API_USERS": "admin:admin"})
    del server.env["AIRSTREAM_ADMIN_PASSWORD"]
    server.start()
    try:
        printed = [line for line in server.first_lines if "Password for user 'admin'" in line]
        assert len(printed) == 1
        password = printed[0].strip().rsplit(" ", 1)[1]
        assert json.loads((tmp_path / PASSWORDS).read_text()) == {"admin": password}
        assert server.token("admin")
    finally:
        assert server.stop() == 0
    again = ApiServerProcess(tmp_path, env={"AIRSTREAM_API_USERS": "admin:admin"})
    del again.env["AIRSTREAM_ADMIN_PASSWORD"]
    again.start()
    try:
        assert not any("Password" in line for line in again.first_lines)
        assert again.token("admin")
    finally:
        assert again.stop() == 0
