"""``airstream connections``: add, get, list and delete connections, as in Airflow.

Passwords are shown as ``***`` in every listing, including inside URIs.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from typing import Any
from urllib.parse import quote

from airstream.cli.db import open_configured_store, store_command
from airstream.cli.variables import add_output_option, write_rows
from airstream.store import ConnectionAlreadyExists, InvalidConnectionUri, secrets
from airstream.store.connection_uri import (
    connection_from_json,
    connection_from_uri,
    normalize_conn_type,
    parse_extra,
)
from airstream.store.records import Connection

MASK = "***"

DESCRIPTION = """\
Manage connections in the metadata database. AIRSTREAM_CONN_<ID> and AIRFLOW_CONN_<ID>
environment variables (a URI, or JSON) take precedence over stored ones for `get`.

  airstream connections add my_pg --conn-uri 'postgres://user:pass@db:5432/warehouse'
  airstream connections add my_api --conn-type http --conn-host api.example.com \\
      --conn-extra '{"timeout": 10}'
  airstream connections add my_db --conn-json '{"conn_type": "mysql", "host": "db"}'
  airstream connections get my_pg -o json
  airstream connections list
  airstream connections delete my_pg
"""

#: ``--conn-*`` field flags, which --conn-uri and --conn-json replace.
FIELD_FLAGS = (
    "conn_type",
    "conn_host",
    "conn_login",
    "conn_password",
    "conn_schema",
    "conn_port",
    "conn_extra",
)

LIST_COLUMNS = ("conn_id", "conn_type", "host", "port", "schema", "login", "password")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``connections`` and its actions to the ``airstream`` parser."""
    parser = subparsers.add_parser(
        "connections",
        help="add, get, list and delete connections",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    _register_add(actions)

    get = actions.add_parser("get", help="show a connection", description="Show a connection.")
    get.add_argument("conn_id", metavar="CONN_ID")
    add_output_option(get)
    get.set_defaults(func=store_command(get_command))

    listing = actions.add_parser(
        "list", help="list stored connections", description="List stored connections."
    )
    listing.add_argument("--conn-id", metavar="CONN_ID", help="only this connection")
    add_output_option(listing)
    listing.set_defaults(func=store_command(list_command))

    delete = actions.add_parser(
        "delete", help="delete a connection", description="Delete a stored connection."
    )
    delete.add_argument("conn_id", metavar="CONN_ID")
    delete.set_defaults(func=store_command(delete_command))


def _register_add(actions: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    add = actions.add_parser(
        "add",
        help="add a connection",
        description="Add a connection, from a URI, a JSON object or separate fields.",
    )
    add.add_argument("conn_id", metavar="CONN_ID")
    add.add_argument("--conn-uri", metavar="URI", help="the whole connection as an Airflow URI")
    add.add_argument("--conn-json", metavar="JSON", help="the whole connection as JSON")
    add.add_argument("--conn-type", metavar="TYPE", help="e.g. postgres, mysql, http")
    add.add_argument("--conn-host", metavar="HOST")
    add.add_argument("--conn-login", metavar="LOGIN")
    add.add_argument("--conn-password", metavar="PASSWORD")
    add.add_argument("--conn-schema", metavar="SCHEMA", help="schema or database")
    add.add_argument("--conn-port", metavar="PORT", type=int)
    add.add_argument("--conn-extra", metavar="JSON", help="extra settings as a JSON object")
    add.add_argument("--conn-description", metavar="TEXT")
    add.set_defaults(func=store_command(add_command))


def connection_from_args(args: argparse.Namespace) -> Connection:
    """The connection described by ``add``'s flags; ValueError explains a bad combination."""
    given = [flag for flag in FIELD_FLAGS if getattr(args, flag) is not None]
    if args.conn_uri and args.conn_json:
        raise ValueError("--conn-uri and --conn-json cannot be used together")
    whole = "--conn-uri" if args.conn_uri else "--conn-json" if args.conn_json else None
    if whole and given:
        flags = ", ".join("--" + flag.replace("_", "-") for flag in given)
        raise ValueError(f"{flags} cannot be used with {whole}")
    if args.conn_uri:
        conn = connection_from_uri(args.conn_id, args.conn_uri)
    elif args.conn_json:
        conn = connection_from_json(args.conn_id, args.conn_json)
    elif args.conn_type:
        conn = _connection_from_fields(args)
    else:
        raise ValueError("give --conn-uri, --conn-json or --conn-type")
    if args.conn_description is not None:
        conn = dataclasses.replace(conn, description=args.conn_description)
    return conn


def _connection_from_fields(args: argparse.Namespace) -> Connection:
    if args.conn_extra is not None:
        try:
            json.loads(args.conn_extra)
        except ValueError as exc:
            raise ValueError(f"--conn-extra is not valid JSON: {exc}") from None
    return Connection(
        conn_id=args.conn_id,
        conn_type=normalize_conn_type(args.conn_type),
        host=args.conn_host,
        login=args.conn_login,
        password=args.conn_password,
        schema=args.conn_schema,
        port=args.conn_port,
        extra=args.conn_extra,
    )


def masked(conn: Connection) -> Connection:
    """The connection with its password replaced by ``***``."""
    return dataclasses.replace(conn, password=MASK) if conn.password else conn


def masked_uri(conn: Connection) -> str:
    """The connection's URI with ``***`` (not its percent-encoding) for the password."""
    return masked(conn).get_uri().replace(quote(MASK, safe=""), MASK)


def connection_row(conn: Connection) -> dict[str, Any]:
    """What listings show of a connection (password masked)."""
    shown = masked(conn)
    row: dict[str, Any] = {name: getattr(shown, name) for name in dataclasses.asdict(shown)}
    row["extra_dejson"] = parse_extra(conn.extra)
    row["get_uri"] = masked_uri(conn)
    return row


def add_command(args: argparse.Namespace) -> int:
    try:
        conn = connection_from_args(args)
        with open_configured_store() as store:
            store.add_connection(conn)
    except (ValueError, InvalidConnectionUri, ConnectionAlreadyExists) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"Successfully added `conn_id`={conn.conn_id} : {masked_uri(conn)}")
    return 0


def get_command(args: argparse.Namespace) -> int:
    try:
        with open_configured_store() as store:
            conn = secrets.get_connection(args.conn_id, store)
    except InvalidConnectionUri as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if conn is None:
        print(f"error: connection {args.conn_id!r} does not exist", file=sys.stderr)
        return 1
    row = connection_row(conn)
    if args.output == "table":
        fields = [{"field": name, "value": value} for name, value in row.items()]
        write_rows(fields, ["field", "value"], "table")
    else:
        write_rows([row], list(row), args.output)
    return 0


def list_command(args: argparse.Namespace) -> int:
    with open_configured_store() as store:
        connections = store.list_connections()
    if args.conn_id is not None:
        connections = [c for c in connections if c.conn_id == args.conn_id]
    write_rows([connection_row(c) for c in connections], LIST_COLUMNS, args.output)
    return 0


def delete_command(args: argparse.Namespace) -> int:
    with open_configured_store() as store:
        deleted = store.delete_connection(args.conn_id)
    if not deleted:
        print(f"error: did not find a connection with `conn_id`={args.conn_id}", file=sys.stderr)
        return 1
    print(f"Successfully deleted connection with `conn_id`={args.conn_id}")
    return 0
