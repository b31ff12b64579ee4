"""The ASGI application: ``/api/v2`` (Airflow's REST API plus ``/streams``), ``/auth`` and
the web console (``/``, see :mod:`airstream.web.console`).

:func:`create_app` wires the routers, the error handlers and the authenticator; the
metadata store is opened when the application starts (its lifespan) and closed when it stops.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from datetime import timedelta

from fastapi import FastAPI

from airstream import __version__
from airstream.config import Settings
from airstream.store import open_store
from airstream.web.api import (
    connections,
    dag_runs,
    dags,
    import_errors,
    logs,
    monitor,
    pools,
    streams,
    task_instances,
    token,
    variables,
    xcoms,
)
from airstream.web.auth import (
    Authenticator,
    TokenSigner,
    UserDirectory,
    load_secret_key,
    load_users,
)
from airstream.web.console.site import install_console
from airstream.web.errors import install_error_handlers

API_PREFIX = "/api/v2"

#: Routers under ``/api/v2``. Task instance routes come after logs and XComs so that the
#: ``/{task_id}/{map_index}`` route does not swallow their paths.
API_ROUTERS = (
    monitor.router,
    dags.router,
    dag_runs.router,
    logs.router,
    xcoms.router,
    task_instances.router,
    import_errors.router,
    variables.router,
    connections.router,
    pools.router,
    streams.router,
)


def build_authenticator(settings: Settings, env: Mapping[str, str]) -> Authenticator:
    """Users, passwords and the token key for ``settings`` (creating missing passwords)."""
    users = load_users(settings.home, settings.api.users, env)
    expiration = timedelta(seconds=settings.api.access_token_expiration_seconds)
    return Authenticator(users, TokenSigner(load_secret_key(settings), expiration))


def create_app(
    settings: Settings,
    env: Mapping[str, str] | None = None,
    authenticator: Authenticator | None = None,
) -> FastAPI:
    """The application serving ``settings``' metadata store and broker."""
    env = os.environ if env is None else env
    auth = authenticator or build_authenticator(settings, env)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.store = open_store(settings.database_url, migrate_in_child=True)
        try:
            yield
        finally:
            app.state.store.close()

    app = FastAPI(
        title="airstream API",
        description="Airflow 3's stable REST API (/api/v2) and airstream's streams endpoints.",
        version=__version__,
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=f"{API_PREFIX}/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.authenticator = auth
    install_error_handlers(app)
    app.include_router(token.router)
    for router in API_ROUTERS:
        app.include_router(router, prefix=API_PREFIX)
    install_console(app)
    return app


__all__ = ["API_PREFIX", "Authenticator", "UserDirectory", "build_authenticator", "create_app"]
