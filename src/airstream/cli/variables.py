"""``airstream variables``: get, set, list, delete, import and export, as in Airflow."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from airstream.cli.db import CommandFunction, open_configured_store, store_command
from airstream.client.output import render_json, render_table
from airstream.store import secrets
from airstream.store.variable_json import (
    OnExistingKey,
    VariableImportError,
    export_variables,
    import_variables,
)

DESCRIPTION = """\
Manage variables in the metadata database. AIRSTREAM_VAR_<KEY> and AIRFLOW_VAR_<KEY>
environment variables take precedence over stored ones (as Airflow's secrets backends do).

  airstream variables set bucket s3://data --description "landing bucket"
  airstream variables set limits '{"rows": 100}' --json
  airstream variables get bucket
  airstream variables list -o json
  airstream variables export variables.json
  airstream variables import variables.json --action-on-existing-key skip
  airstream variables delete bucket
"""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``variables`` and its actions to the ``airstream`` parser."""
    parser = subparsers.add_parser(
        "variables",
        help="get, set, list, delete, import and export variables",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    get = _action(actions, "get", "print a variable's value", get_command)
    get.add_argument("key", metavar="KEY")
    get.add_argument("--json", "-j", action="store_true", help="parse the value as JSON")
    get.add_argument("--default", "-d", metavar="VAL", help="printed when the key is missing")

    set_ = _action(actions, "set", "create or replace a variable", set_command)
    set_.add_argument("key", metavar="KEY")
    set_.add_argument("value", metavar="VALUE")
    set_.add_argument("--description", metavar="TEXT", help="what the variable is for")
    set_.add_argument("--json", "-j", action="store_true", help="VALUE must be valid JSON")

    delete = _action(actions, "delete", "delete a variable", delete_command)
    delete.add_argument("key", metavar="KEY")

    listing = _action(actions, "list", "list the stored variables' keys", list_command)
    add_output_option(listing)

    imp = _action(actions, "import", "set variables from a JSON file", import_command)
    imp.add_argument("file", metavar="FILE", help="JSON file (- for standard input)")
    imp.add_argument(
        "--action-on-existing-key",
        "-a",
        choices=[a.value for a in OnExistingKey],
        default=OnExistingKey.OVERWRITE.value,
        help="what to do when a key is already stored (default: overwrite)",
    )

    exp = _action(actions, "export", "write every stored variable to a JSON file", export_command)
    exp.add_argument("file", metavar="FILE", help="JSON file (- for standard output)")


def _action(
    actions: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    help_text: str,
    func: CommandFunction,
) -> argparse.ArgumentParser:
    parser = actions.add_parser(name, help=help_text, description=help_text.capitalize() + ".")
    parser.set_defaults(func=store_command(func))
    return parser


def add_output_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-o",
        "--output",
        choices=("table", "json", "yaml"),
        default="table",
        help="output format (default: table)",
    )


def write_rows(rows: Sequence[Mapping[str, Any]], columns: Sequence[str], output: str) -> None:
    """Print a listing as a table, JSON or YAML (YAML needs PyYAML)."""
    if output == "json":
        sys.stdout.write(render_json([dict(row) for row in rows]))
    elif output == "yaml":
        import yaml

        sys.stdout.write(yaml.safe_dump([dict(row) for row in rows], sort_keys=False))
    else:
        sys.stdout.write(render_table(columns, rows))


def get_command(args: argparse.Namespace) -> int:
    with open_configured_store() as store:
        value = secrets.get_variable(args.key, store)
    if value is None:
        if args.default is None:
            print(f"error: variable {args.key!r} does not exist", file=sys.stderr)
            return 1
        value = args.default
    elif args.json:
        try:
            value = json.dumps(json.loads(value), indent=2)
        except ValueError:
            print(f"error: variable {args.key!r} is not valid JSON", file=sys.stderr)
            return 1
    print(value)
    return 0


def set_command(args: argparse.Namespace) -> int:
    value = args.value
    if args.json:
        try:
            value = json.dumps(json.loads(value))
        except ValueError as exc:
            print(f"error: VALUE is not valid JSON: {exc}", file=sys.stderr)
            return 1
    with open_configured_store() as store:
        store.set_variable(args.key, value, args.description)
    print(f"Variable {args.key} created")
    return 0


def delete_command(args: argparse.Namespace) -> int:
    with open_configured_store() as store:
        deleted = store.delete_variable(args.key)
    if not deleted:
        print(f"error: variable {args.key!r} does not exist", file=sys.stderr)
        return 1
    print(f"Variable {args.key} deleted")
    return 0


def list_command(args: argparse.Namespace) -> int:
    with open_configured_store() as store:
        variables = store.list_variables()
    # Keys only, as Airflow lists them: values may be secrets.
    write_rows([{"key": v.key} for v in variables], ["key"], args.output)
    return 0


def import_command(args: argparse.Namespace) -> int:
    try:
        text = sys.stdin.read() if args.file == "-" else Path(args.file).read_text()
        data = json.loads(text)
    except (OSError, ValueError) as exc:
        print(f"error: cannot read variables from {args.file}: {exc}", file=sys.stderr)
        return 1
    try:
        with open_configured_store() as store:
            written = import_variables(store, data, OnExistingKey(args.action_on_existing_key))
    except VariableImportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"{len(written)} of {len(data)} variables successfully updated.")
    return 0


def export_command(args: argparse.Namespace) -> int:
    with open_configured_store() as store:
        exported = export_variables(store)
    text = json.dumps(exported, indent=4, sort_keys=True) + "\n"
    if args.file == "-":
        sys.stdout.write(text)
        return 0
    Path(args.file).write_text(text)
    print(f"{len(exported)} variables successfully exported to {args.file}")
    return 0
