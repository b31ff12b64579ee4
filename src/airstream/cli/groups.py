"""``airstream groups``: list, describe, delete consumer groups and reset their offsets.

Like kafka-consumer-groups.sh: ``describe`` shows, per partition, the committed offset, the
log end offset, the lag between them and the member that owns the partition.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from airstream.client.arguments import non_negative_int
from airstream.client.connection import add_connection_arguments, connection_from_args
from airstream.client.errors import reports_errors
from airstream.client.group_admin import (
    ResetTarget,
    delete_groups,
    describe_group,
    list_groups,
    reset_offsets,
)
from airstream.client.output import add_output_argument, render_json, write_listing

DESCRIPTION = """\
Inspect and manage consumer groups on airstream's broker or any Kafka cluster.

  airstream groups list
  airstream groups describe billing
  airstream groups reset-offsets billing --topic orders --to-earliest --execute
  airstream groups delete billing
"""

LAG_COLUMNS = (
    "group",
    "topic",
    "partition",
    "current_offset",
    "log_end_offset",
    "lag",
    "consumer_id",
    "host",
    "client_id",
)

if TYPE_CHECKING:  # argparse's class is generic only to type checkers
    Actions = argparse._SubParsersAction[argparse.ArgumentParser]


def register(subparsers: Actions) -> None:
    """Add ``groups`` and its actions to the ``airstream`` parser."""
    parser = subparsers.add_parser(
        "groups",
        help="list, describe, delete consumer groups, reset their offsets",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    _register_list(actions)
    _register_describe(actions)
    _register_delete(actions)
    _register_reset_offsets(actions)


def _action(actions: Actions, name: str, help_text: str) -> argparse.ArgumentParser:
    parser = actions.add_parser(
        name, help=help_text, description=help_text[0].upper() + help_text[1:] + "."
    )
    add_connection_arguments(parser)
    return parser


def _register_list(actions: Actions) -> None:
    parser = _action(actions, "list", "list consumer groups with their state")
    add_output_argument(parser)
    parser.set_defaults(func=_list)


def _register_describe(actions: Actions) -> None:
    parser = _action(
        actions, "describe", "show committed offset, log end offset, lag and owner per partition"
    )
    parser.add_argument("group", metavar="GROUP", help="consumer group id")
    add_output_argument(parser)
    parser.set_defaults(func=_describe)


def _register_delete(actions: Actions) -> None:
    parser = _action(actions, "delete", "delete consumer groups (they must have no members)")
    parser.add_argument("groups", nargs="+", metavar="GROUP", help="consumer group ids")
    parser.set_defaults(func=_delete)


def _register_reset_offsets(actions: Actions) -> None:
    parser = _action(
        actions,
        "reset-offsets",
        "move a group's committed offsets on a topic (dry run unless --execute)",
    )
    parser.add_argument("group", metavar="GROUP", help="consumer group id (must be inactive)")
    parser.add_argument("--topic", required=True, metavar="T", help="topic whose offsets move")
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument(
        "--to-earliest",
        dest="target",
        action="store_const",
        const="earliest",
        help="to each partition's first offset",
    )
    target.add_argument(
        "--to-latest",
        dest="target",
        action="store_const",
        const="latest",
        help="to each partition's end (skip everything)",
    )
    target.add_argument(
        "--to-offset",
        dest="target",
        type=non_negative_int,
        metavar="N",
        help="to offset N on every partition (kept within each partition's log)",
    )
    parser.add_argument(
        "--execute", action="store_true", help="commit the new offsets (default: only show them)"
    )
    add_output_argument(parser)
    parser.set_defaults(func=_reset_offsets)


@reports_errors
def _list(args: argparse.Namespace) -> int:
    rows = [
        {"group": g.group, "state": g.state, "type": g.type}
        for g in list_groups(connection_from_args(args))
    ]
    write_listing(rows, ("group", "state", "type"), args.output)
    return 0


@reports_errors
def _describe(args: argparse.Namespace) -> int:
    description = describe_group(connection_from_args(args), args.group)
    if args.output == "json":
        data = {
            "group": description.group,
            "state": description.state,
            "members": description.members,
            "partitions": [line.to_dict() for line in description.partitions],
        }
        sys.stdout.write(render_json(data))
        return 0
    if not description.members:
        print(f"Consumer group '{args.group}' has no active members.", file=sys.stderr)
    rows = [line.to_dict() for line in description.partitions]
    write_listing(rows, LAG_COLUMNS, "table")
    return 0


@reports_errors
def _delete(args: argparse.Namespace) -> int:
    delete_groups(connection_from_args(args), args.groups)
    for group in args.groups:
        print(f"Deleted consumer group {group}.")
    return 0


@reports_errors
def _reset_offsets(args: argparse.Namespace) -> int:
    target: ResetTarget = args.target
    resets = reset_offsets(
        connection_from_args(args), args.group, args.topic, target, execute=args.execute
    )
    rows = [
        {"group": r.group, "topic": r.topic, "partition": r.partition, "new_offset": r.new_offset}
        for r in resets
    ]
    write_listing(rows, ("group", "topic", "partition", "new_offset"), args.output)
    if not args.execute:
        print("Dry run: nothing changed. Add --execute to commit these offsets.", file=sys.stderr)
    return 0
