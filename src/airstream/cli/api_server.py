"""``airstream api-server``: the web console, the REST API (``/api/v2``) and auth, in one
process."""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys

from airstream.config import ConfigError, load_settings

DESCRIPTION = """\
Serve the web console (/, log in as a configured user: DAGs, runs, task logs, topics,
consumer groups, the orders dashboard), Airflow 3's REST API (/api/v2, usable with
apache-airflow-client), airstream's streams endpoints (/api/v2/streams) and token auth
(POST /auth/token) from one process.

Users and roles come from [api] users (default "admin:admin"). On first start each user gets
a generated password, kept in AIRSTREAM_HOME/simple_auth_manager_passwords.json.generated;
the admin's is printed once. AIRSTREAM_ADMIN_PASSWORD sets the admin password instead.

  airstream api-server
  airstream api-server --host 0.0.0.0 --port 8080
  curl -X POST localhost:8080/auth/token -H 'Content-Type: application/json' \\
       -d '{"username": "admin", "password": "..."}'
"""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``api-server`` to the ``airstream`` parser."""
    parser = subparsers.add_parser(
        "api-server",
        help="serve the web console, the REST API (Airflow's /api/v2) and the streams endpoints",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--host", help="address to listen on (default: [api] host, 127.0.0.1)")
    parser.add_argument(
        "--port", type=int, help="port to listen on; 0 picks a free one (default: [api] port, 8080)"
    )
    parser.add_argument(
        "--log-level",
        default="warning",
        choices=("critical", "error", "warning", "info", "debug"),
        help="server log level (default: warning)",
    )
    parser.set_defaults(func=api_server_command)


def api_server_command(args: argparse.Namespace) -> int:
    # Imported here: FastAPI and uvicorn load only when this command runs.
    from airstream.web.app import build_authenticator, create_app
    from airstream.web.server import ServeOptions, serve

    try:
        settings = load_settings()
        api = settings.api
        if args.host is not None:
            api = dataclasses.replace(api, host=args.host)
        if args.port is not None:
            api = dataclasses.replace(api, port=args.port)
        settings = dataclasses.replace(settings, api=api)
        authenticator = build_authenticator(settings, os.environ)
    except (ConfigError, ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    admin_password = authenticator.users.generated.get("admin")
    app = create_app(settings, authenticator=authenticator)

    def started(url: str) -> None:
        if admin_password is not None:
            print(f"Simple auth manager | Password for user 'admin': {admin_password}")
        print(f"airstream api-server listening on {url}", flush=True)

    try:
        ok = serve(app, ServeOptions(api.host, api.port, args.log_level), started)
    except OSError as exc:
        print(f"error: cannot listen on {api.host}:{api.port}: {exc}", file=sys.stderr)
        return 1
    return 0 if ok else 1
