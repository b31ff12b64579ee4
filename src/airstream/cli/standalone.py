"""``airstream standalone``: the broker, the scheduler and the api-server, supervised, in one go."""

from __future__ import annotations

import argparse
import sys

DESCRIPTION = """\
Run all of airstream on this machine: initialise AIRSTREAM_HOME if needed (folders, metadata
database, DAG folder), start the broker, the scheduler and the api-server as supervised child
processes, and print the console URL and the admin's credentials once everything answers.

A child that exits unexpectedly is reported and restarted (with backoff; after repeated rapid
crashes everything stops with exit status 1). Each child's output goes to
AIRSTREAM_HOME/logs/standalone/<name>.log. Ctrl-C or SIGTERM stops everything cleanly.

The example DAGs are loaded unless AIRSTREAM_LOAD_EXAMPLES=false. The admin password is
AIRSTREAM_ADMIN_PASSWORD if set, else generated once and kept in
AIRSTREAM_HOME/simple_auth_manager_passwords.json.generated.

  airstream standalone
  airstream standalone --port 8081 --broker-port 19092
  AIRSTREAM_HOME=/tmp/try airstream standalone --port 0 --broker-port 0
"""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``standalone`` to the ``airstream`` parser."""
    parser = subparsers.add_parser(
        "standalone",
        help="run the broker, scheduler and api-server together (the quick start)",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--port", type=int, help="console and REST API port (default: [api] port, 8080; 0: free)"
    )
    parser.add_argument(
        "--broker-port", type=int, help="Kafka broker port (default: [broker] port, 9092; 0: free)"
    )
    parser.add_argument(
        "--host", help="address everything listens on (default: [api] host, 127.0.0.1)"
    )
    parser.set_defaults(func=standalone_command)


def standalone_command(args: argparse.Namespace) -> int:
    from airstream.config import ConfigError, load_settings
    from airstream.standalone import StandaloneOptions, run_standalone

    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for flag, value in (("--port", args.port), ("--broker-port", args.broker_port)):
        if value is not None and not 0 <= value <= 65535:
            print(f"error: {flag} must be between 0 and 65535: {value}", file=sys.stderr)
            return 2
    options = StandaloneOptions(
        host=args.host or settings.api.host,
        api_port=settings.api.port if args.port is None else args.port,
        broker_port=settings.broker.port if args.broker_port is None else args.broker_port,
    )
    return run_standalone(settings, options)
